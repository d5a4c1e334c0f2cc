"""What the reference simulator says a shock does, per mode: the plain data ``compare`` reports.

Money is per settlement currency (currency -> Fraction): a cross wallet is one currency's.

>>> o = ModeOutcome(("BTC/USDT:USDT",), {"USDT": Fraction(1000)}, {"USDT": Fraction(4000)})
>>> o.liquidated, o.realised_loss["USDT"]
(('BTC/USDT:USDT',), Fraction(1000, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction  # noqa: F401 - for the doctest


@dataclass(frozen=True)
class ModeOutcome:
    """One mode after one step: the positions liquidated so far, the losses they realised, the equity left."""

    liquidated: tuple  # position labels, in the account's order
    realised_loss: dict  # currency -> loss realised by liquidations so far
    equity: dict  # currency -> the mode's equity (wallets, allocations, free funds, unrealised PnL)


@dataclass(frozen=True)
class StepOutcome:
    """Both modes after one step of a shock (``prices``: symbol -> the step's mark price)."""

    label: str
    prices: dict
    cross: ModeOutcome
    isolated: ModeOutcome

    def mode(self, kind: str) -> ModeOutcome:
        return self.cross if kind == "cross" else self.isolated


@dataclass(frozen=True)
class ShockOutcome:
    """A shock run by the simulator: the state at the marks, then after each of its steps; when each group was
    liquidated (``('cross', currency)`` or ``('isolated', holding index)`` -> 0 at the marks, k after step k,
    None never)."""

    shock: object  # the model Shock
    at_mark: StepOutcome
    steps: tuple  # of StepOutcome
    liquidated_at: dict

    @property
    def last(self) -> StepOutcome:
        return self.steps[-1]
