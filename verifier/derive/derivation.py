"""Derive every mode's conditions of a rule: :func:`derive_rule` -> :class:`RuleDerivation`.

>>> from verifier.read import load_rule
>>> d = derive_rule(load_rule("binance/usdm-perpetual"))
>>> d.modes["cross"].prices["liquidation"].expr
(-EP*q*s - TMM1 + UPNL1 + WB + cum)/(q*(MMR - s))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.derive import cache
from verifier.derive.closed_form import ClosedForm, solve_condition
from verifier.errors import DerivationError


@dataclass
class ModeDerivation:
    """The closed forms of one mode: condition name -> :class:`ClosedForm`; failures with their reason."""

    mode: str
    prices: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)  # condition name -> reason


@dataclass
class RuleDerivation:
    rule_id: str
    content_hash: str
    modes: dict = field(default_factory=dict)  # mode name -> ModeDerivation
    from_cache: bool = False

    def closed_form(self, mode: str, condition: str) -> ClosedForm:
        derived = self.modes[mode]
        if condition in derived.failures:
            raise DerivationError(derived.failures[condition])
        return derived.prices[condition]


def derive_rule(rule, *, use_cache: bool = True) -> RuleDerivation:
    """Solve each condition of each mode of ``rule``; cached by ``rule.derivation_key`` (what a derivation reads:
    not the worked examples, not the market data, so neither an edited example nor an import re-derives)."""
    if use_cache:
        cached = cache.load(rule.derivation_key)
        if cached is not None:
            cached.from_cache = True
            return cached
    result = RuleDerivation(rule.id, rule.derivation_key)
    for name, mode in rule.modes.items():
        derived = ModeDerivation(name)
        for cname, condition in mode.conditions.items():
            try:
                derived.prices[cname] = solve_condition(mode, condition)
            except DerivationError as exc:
                derived.failures[cname] = str(exc)
        result.modes[name] = derived
    if use_cache:
        cache.store(rule.derivation_key, result)
    return result
