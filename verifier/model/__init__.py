"""Stage 3 of the pipeline: the loaded-rule objects that derive, simulate, verify and docs read.

Build them with :func:`verifier.read.load_rule`; evaluate definitions exactly with
:func:`verifier.model.evaluate.evaluate`.

The names are loaded when first used (PEP 562): the rule's objects bring in the formula language and SymPy,
which an evaluation from a compiled program never needs (it reads ``verifier.model.account``,
``verifier.model.market`` and ``verifier.model.display`` only).
"""

__all__ = [
    "SYMBOL_ROLES",
    "Condition",
    "Definition",
    "Display",
    "Example",
    "ModeView",
    "Parameter",
    "Product",
    "Published",
    "Rule",
    "Source",
    "SymbolSpec",
    "TierRow",
    "TierSet",
    "TierTable",
    "in_domain",
    "parse_domain",
]


def __getattr__(name: str):
    if name == "Product":
        from verifier.model.products import Product

        return Product
    if name == "Display":
        from verifier.model.display import Display

        return Display
    if name in ("Condition", "Definition", "Example", "ModeView", "Published", "Rule", "Source"):
        from verifier.model import rule

        return getattr(rule, name)
    if name in ("SYMBOL_ROLES", "Parameter", "SymbolSpec", "in_domain", "parse_domain"):
        from verifier.model import symbols

        return getattr(symbols, name)
    if name in ("TierRow", "TierSet", "TierTable"):
        from verifier.model import tiers

        return getattr(tiers, name)
    raise AttributeError(f"module 'verifier.model' has no attribute {name!r}")
