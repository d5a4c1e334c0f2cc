"""The sources a rule cites and the units it counts in: read first, because every other part refers to them."""

from __future__ import annotations

from verifier.model.rule import Source
from verifier.read.rule.context import RuleContext

BUILTIN_UNITS = {"base": "the traded asset", "quote": "the pricing currency", "contract": "one contract",
                 "hour": "an hour of time"}
"""Unit names every rule may use; a rule adds its own under ``units``."""


def read_sources(ctx: RuleContext, data: dict) -> dict:
    """``sources`` as :class:`Source` objects (id -> Source); each ``retrieved`` must be a calendar date."""
    sources = {key: Source(key, **value) for key, value in data["sources"].items()}
    for key, value in data["sources"].items():
        ctx.date(value["retrieved"], ("sources", key, "retrieved"))
    return sources


def read_units(data: dict) -> dict:
    """Unit name -> what it stands for: the built-in units and the rule's own."""
    return {**BUILTIN_UNITS, **data.get("units", {})}
