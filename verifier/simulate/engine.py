"""The simulator for a rule: the futures, spot-margin or unified-margin engine over the shared account core, chosen
once by the rule's product.

>>> from verifier.read import load_rule
>>> type(simulator_for(SimRule(load_rule("binance/spot-margin"), None))).__name__
'SpotMarginSimulator'
>>> type(simulator_for(SimRule(load_rule("okx/linear-swap"), None))).__name__
'FuturesSimulator'
>>> type(simulator_for(SimRule(load_rule("okx/multi-currency-margin"), None), quote="USD")).__name__
'UnifiedMarginSimulator'
"""

from __future__ import annotations

from verifier.simulate.binding import SimRule
from verifier.simulate.core import ConservationError, Refused, Simulator, split_market
from verifier.simulate.futures import FuturesSimulator
from verifier.simulate.spot import SpotMarginSimulator
from verifier.simulate.unified import UnifiedMarginSimulator

def engine_for(rule) -> type:
    """The engine class for a loaded rule's product: unified margin, spot margin, or futures (linear and inverse
    perpetuals and futures)."""
    if rule.product.unified:
        return UnifiedMarginSimulator
    return SpotMarginSimulator if rule.product.spot else FuturesSimulator


def simulator_for(rule: SimRule, **options) -> Simulator:
    """A simulator of ``rule`` (``options``: ``quote``, ``debug``, ``time``, as :class:`Simulator` takes)."""
    return engine_for(rule.rule)(rule, **options)


__all__ = ["ConservationError", "FuturesSimulator", "Refused", "Simulator", "SpotMarginSimulator",
           "UnifiedMarginSimulator", "engine_for", "simulator_for", "split_market"]
