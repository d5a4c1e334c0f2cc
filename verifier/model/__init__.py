"""Stage 3 of the pipeline: the loaded-rule objects that derive, simulate, verify and docs read.

Build them with :func:`verifier.read.load_rule`; evaluate definitions exactly with
:func:`verifier.model.evaluate.evaluate`.
"""

from verifier.model.products import Product
from verifier.model.rule import Condition, Definition, Display, Example, ModeView, Published, Rule, Source
from verifier.model.symbols import SYMBOL_ROLES, Parameter, SymbolSpec, in_domain, parse_domain
from verifier.model.tiers import TierRow, TierSet, TierTable

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
