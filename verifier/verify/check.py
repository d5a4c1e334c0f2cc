"""The ``check`` job: load files, run the worked examples, prove the published formulas, summarise.

Examples whose expectations are closed-form prices are run by the derive stage when it
is installed (see :func:`register_price_example_runner`); until then they count as pending.
Published closed forms are proved equivalent to the derivation by :func:`verifier.derive.prove_published`:
a refutation is an MV502 error at the formula, an undecided proof an MV503 warning.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.evaluate import EvaluationError, evaluate, holds
from verifier.read import check_file, expand_paths
from verifier.verify.scenarios import binding_problems

_PRICE_RUNNER = None


def register_price_example_runner(runner) -> None:
    """``runner(rule, example, key) -> Fraction`` computes a '<condition>_price' expectation."""
    global _PRICE_RUNNER
    _PRICE_RUNNER = runner


def _price_runner():
    global _PRICE_RUNNER
    if _PRICE_RUNNER is None:
        try:
            import verifier.derive
        except ImportError:
            return None
        _PRICE_RUNNER = verifier.derive.example_price
    return _PRICE_RUNNER


def check_paths(paths) -> tuple[list, list[Diagnostic]]:
    """Check every file under ``paths``; returns (results, diagnostics about the paths themselves)."""
    files, problems = expand_paths(paths)
    results = [check_file(path) for path in files]
    for path, result in zip(files, results):
        if result.kind == "scenario" and result.ok:
            result.diagnostics.extend(binding_problems(path))
        if result.rule is not None:
            run_examples(result)
            if not any(d.severity == "error" for d in result.diagnostics):
                run_proofs(result)
    return results, problems


def run_proofs(result) -> None:
    """Prove each published formula of the rule; 'refuted' -> MV502 error, 'undecided' -> MV503 warning."""
    rule = result.rule
    if not rule.published:
        return
    try:
        from verifier.derive import prove_published  # imported here: derive imports this package's siblings
    except ImportError:
        return
    from verifier.errors import VerifierError

    try:
        proofs = prove_published(rule)
    except (VerifierError, EvaluationError, ArithmeticError, TypeError, ValueError, NotImplementedError) as exc:
        result.diagnostics.append(dataclasses.replace(rule.document.diagnostic(
            "MV503", f"the published formulas could not be proved: {exc}", ("published",)), severity="warning"))
        return
    for proof in proofs:
        path = ("published", proof.quantity, proof.index, "formula")
        modes = ", ".join(proof.modes)
        result.published_total += 1
        if proof.status == "proved":
            result.published_proved += 1
        elif proof.status == "refuted":
            result.diagnostics.append(rule.document.diagnostic(
                "MV502", f"published {proof.quantity} ({modes}) differs from the derived one: "
                         f"{_counterexample(proof)}", path,
                hint="check the transcription of the exchange's formula (signs, which symbols) and its 'where'"))
        else:
            result.diagnostics.append(dataclasses.replace(rule.document.diagnostic(
                "MV503", f"published {proof.quantity} ({modes}) is neither proved nor refuted"
                         f"{': ' + proof.reason if proof.reason else ''} ({proof.method})", path), severity="warning"))


def _counterexample(proof) -> str:
    example = dict(proof.counterexample)
    if not example:
        return proof.reason or f"refuted by {proof.method}"
    derived, published = example.pop("derived", None), example.pop("published", None)
    point = ", ".join(f"{name} = {_show(value)}" for name, value in example.items())
    text = f"at {point}" if point else "at a sample point"
    if derived is not None and published is not None:
        text += f" the derivation gives {_show(derived)} but the formula gives {_show(published)}"
    return text


def run_examples(result) -> None:
    """Run the rule's examples; a mismatch becomes an MV500 diagnostic at the example."""
    rule = result.rule
    for example in rule.examples:
        mode = rule.mode(example.mode)
        for key, expected in example.expect.items():
            path = ("examples", example.index, "expect", key)
            try:
                if key in mode.conditions:
                    actual = holds(mode, key, example.given, date=example.date, tiers=rule.tiers,
                                   market=example.market)
                    result.examples_checked += 1
                    if actual != expected:
                        operator = mode.conditions[key].operator
                        result.diagnostics.append(rule.document.diagnostic(
                            "MV500", f"example {example.name!r}: expected {key} to "
                                     f"{'hold' if expected else 'not hold'}, but it does{'' if actual else ' not'} "
                                     f"(the condition compares with {operator!r})", path,
                            hint="on a boundary, '<' and '<=' differ: check the condition's operator and its source"))
                    continue
                if key in mode.definitions:
                    actual = evaluate(mode, key, example.given, date=example.date, tiers=rule.tiers,
                                      market=example.market)
                else:
                    runner = _price_runner()
                    if runner is None:
                        result.examples_pending += 1
                        continue
                    actual = runner(rule, example, key)
            except (EvaluationError, LookupError) as exc:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV501", f"example {example.name!r}: cannot compute {key}: {exc}", path))
                continue
            result.examples_checked += 1
            if actual is None:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV500", f"example {example.name!r}: expected {key} = {_show(expected)}, but there is none",
                    path))
            elif abs(actual - expected) > example.tolerance:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV500", f"example {example.name!r}: expected {key} = {_show(expected)} "
                             f"(tolerance {_show(example.tolerance)}), computed {_show(actual)}",
                    path, hint="check the inputs under 'given', the formula, or the tolerance"))


def _show(value: Fraction, digits: int = 12) -> str:
    """A readable exact-ish decimal: exact when it terminates within ``digits`` places."""
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**digits
    text = f"{abs(round(scaled)) / 1:.0f}".rjust(digits + 1, "0")
    text = (text[:-digits] + "." + text[-digits:]).rstrip("0").rstrip(".")
    sign = "-" if value < 0 else ""
    approx = "" if scaled.denominator == 1 else "~"
    return f"{approx}{sign}{text}"
