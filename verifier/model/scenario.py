"""A scenario: an account story for the reference simulator, as plain data.

Built by :func:`verifier.read.scenario.load_scenario` from a scenario file, or directly by a program (the
verify stage builds its generated stories this way).  It holds the loaded :class:`~verifier.model.Rule`, the
date whose parameter values apply, the accounts, and the steps: each step may move the clock, set mark prices,
run actions and state what must hold afterwards.  Numbers are :class:`~fractions.Fraction`.

>>> s = Scenario("x", "t", rule=None, date=_dt.date(2026, 1, 1),
...              accounts=(AccountSpec("A", "alice", "cross"),),
...              steps=(Step("open", actions=(Action("deposit", {"account": "A", "asset": "USDT",
...                                                              "amount": Fraction(5)}),)),))
>>> s.steps[0].actions[0].who, s.locate("steps", 0)
('A', (0, 0))
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction

from verifier.errors import Diagnostic

VERBS = ("deposit", "withdraw", "borrow", "repay", "transfer", "add_margin", "remove_margin", "buy", "sell", "trade",
         "close", "place_order", "cancel_order", "set_margin_mode", "set_position_mode", "set_derivatives")
"""What an action may do, in the order the scenario schema lists them."""

CARRIED = ("leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount")
"""Snapshot fields (ccxt names) a futures position carries from the trade that opened it."""

EXPECTATIONS = ("marginLevel", "status", "equity", "loss", "balances", "debts", "positions", "events")
"""What a step may expect of an account afterwards."""


@dataclass(frozen=True)
class AccountSpec:
    """One account of the story: a user's cross account, or an isolated account for a market (and side)."""

    id: str
    user: str
    kind: str  # 'cross' or 'isolated'
    market: str | None = None
    mode: str | None = None  # the rule mode that evaluates it (None: the rule's only mode of that kind)
    position_side: str | None = None  # isolated futures in hedge mode: 'long' or 'short'


@dataclass(frozen=True)
class Action:
    """One operation (``verb`` with its ``args``), and whether it is expected to be refused.

    ``refused``: None (it must succeed), True (it must be refused), or text the refusal must mention.
    """

    verb: str
    args: dict
    refused: bool | str | None = None
    note: str | None = None

    @property
    def who(self) -> str:
        """The account (or user) the action is about, for logs and failures."""
        args = self.args
        return args.get("account") or args.get("from") or args.get("user") or "-"


@dataclass(frozen=True)
class Expectation:
    """What must hold for one account after a step: keys of :data:`EXPECTATIONS` -> expected value.

    ``marginLevel`` is a Fraction, ``"inf"`` or None; ``equity``/``loss`` Fractions; ``balances``/``debts``
    asset -> Fraction; ``status`` text; ``positions`` a count; ``events`` event kinds that must occur.
    """

    account: str
    values: dict


@dataclass(frozen=True)
class Step:
    """One step: the clock (``at``), mark prices (instrument -> price), actions, expectations."""

    label: str
    at: _dt.datetime | None = None
    prices: dict = field(default_factory=dict)
    actions: tuple = ()
    expect: tuple = ()  # of Expectation
    note: str | None = None


@dataclass(frozen=True)
class Override:
    """A parameter value the scenario assumes instead of the rule's (in ``modes``, or all when None)."""

    value: Fraction
    modes: tuple | None = None
    source: str | None = None
    note: str | None = None
    effective: str | None = None  # when the value applied, as the scenario file says (informational)


@dataclass
class Scenario:
    """A checked scenario: everything the simulator needs, and where each part came from (``locate``)."""

    id: str
    title: str
    rule: object  # the loaded Rule
    date: _dt.date
    accounts: tuple
    steps: tuple
    quote: str = "USDT"  # spot and unified margin: the asset prices are quoted in (a unified file's default: USD)
    description: str | None = None
    rule_ref: str | None = None  # the rule as the file names it (an id or a path); None: by its id
    overrides: dict = field(default_factory=dict)  # parameter name -> Override
    sources: dict = field(default_factory=dict)  # the scenario's own sources: id -> model Source
    inputs: dict = field(default_factory=dict)  # symbol -> Fraction, or asset/market -> Fraction
    file: str = "<scenario>"
    document: object = field(repr=False, default=None)  # opaque: where each value is, for error positions

    def locate(self, *path) -> tuple[int, int]:
        """(line, col) of a value in the scenario file, e.g. ``locate("steps", 2, "actions", 0)``."""
        return self.document.position(path) if self.document is not None else (0, 0)

    def diagnostic(self, code: str, message: str, path=(), hint: str | None = None):
        """A located :class:`~verifier.errors.Diagnostic` about a value of this scenario."""
        if self.document is not None:
            return self.document.diagnostic(code, message, path, hint=hint)
        return Diagnostic(code, message, file=self.file, hint=hint)
