"""Stage ``derive``: closed forms by SymPy, tier-consistent prices, published-formula proofs,
account evaluation and a compiled NumPy fast path.  Computes on model objects only (never reads a file).

Public API (others code against these names):

* :func:`derive_rule` -> :class:`RuleDerivation` (``.modes[mode].prices[condition]`` is a :class:`ClosedForm`)
* :func:`price_at` / :func:`solve_price` -- exact, tier-consistent prices
* :func:`prove_published` -> list of :class:`ProofResult`
* :func:`prove_definitions` -> list of :class:`DefinitionProof` (a published ratio meets its level at the derived price)
* :func:`evaluate_account` -> :class:`AccountEvaluation` -- an account's prices, margin level and status
* :func:`compile_price` -- the vectorised fast path
* :func:`example_price` -- runs '<condition>_price' worked examples (used by ``check``)
* :mod:`verifier.derive.hedge` -- cross hedge mode: same-market legs moving with one price

This package never imports :mod:`verifier.verify` or :mod:`verifier.simulate`.  The names are loaded when first
used (PEP 562): an evaluation from a compiled program (:mod:`verifier.derive.account.program`) loads no SymPy.
"""

__all__ = [
    "AccountEvaluation",
    "ClosedForm",
    "DefinitionProof",
    "DerivationError",
    "ModeDerivation",
    "PositionEvaluation",
    "ProofResult",
    "RuleDerivation",
    "TierSolution",
    "compile_price",
    "derive_rule",
    "evaluate_account",
    "example_price",
    "price_at",
    "prove_definitions",
    "prove_published",
    "solve_condition",
    "solve_price",
]



def __getattr__(name: str):
    if name in ("AccountEvaluation", "PositionEvaluation", "evaluate_account"):
        from verifier.derive.account import evaluation

        return getattr(evaluation, name)
    if name in ("ClosedForm", "solve_condition"):
        from verifier.derive import closed_form

        return getattr(closed_form, name)
    if name in ("ModeDerivation", "RuleDerivation", "derive_rule"):
        from verifier.derive import derivation

        return getattr(derivation, name)
    if name == "example_price":
        from verifier.derive.examples import example_price

        return example_price
    if name in ("DefinitionProof", "prove_definitions"):
        from verifier.derive import definitions

        return getattr(definitions, name)
    if name in ("ProofResult", "prove_published"):
        from verifier.derive import proof

        return getattr(proof, name)
    if name in ("TierSolution", "price_at", "solve_price"):
        from verifier.derive import tiers

        return getattr(tiers, name)
    if name == "compile_price":
        from verifier.derive.vectorised import compile_price

        return compile_price
    if name == "DerivationError":
        from verifier.errors import DerivationError

        return DerivationError
    raise AttributeError(f"module 'verifier.derive' has no attribute {name!r}")
