"""Stage ``compare``: one user's positions held in cross and in isolated margin, side by side, with shocks.

A compute stage like ``derive``: it gets model objects (a :class:`~verifier.model.rule.Rule`, the user's
:class:`~verifier.model.account.Account`\\ s, :mod:`verifier.model.whatif` requests) from the CLI, and never reads a
file.  Two independent answers meet here: the liquidation prices by the derive stage's exact account evaluation
(:mod:`~verifier.compare.closed_form`) and the shocks run by the reference simulator
(:mod:`~verifier.compare.simulation`); :mod:`~verifier.compare.crosscheck` holds them against each other.

Modules, one concept each: :mod:`~verifier.compare.book` (the accounts as holdings and funds; the only module that
knows the Account's shape), :mod:`~verifier.compare.allocation` (what backs each position in each mode),
:mod:`~verifier.compare.closed_form`, :mod:`~verifier.compare.simulation`, :mod:`~verifier.compare.outcome`,
:mod:`~verifier.compare.crosscheck`, :mod:`~verifier.compare.verdict` (the conclusion: which mode loses less, where
each is liquidated), :mod:`~verifier.compare.chart` (the chart's data; drawing is the report's), :mod:`~verifier.compare.unified`
(the third column: the same positions in the exchange's unified account).

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.read.whatif import parse_shocks
>>> account = account_from_data({"marginMode": "isolated", "walletBalance": "4000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "collateral": "1000"}]})
>>> result = compare(load_rule("binance/usdm-perpetual"), [account], shocks=parse_shocks("-10%,-35%"),
...                  date=datetime.date(2026, 11, 28))
>>> [o.last.cross.liquidated for o in result.outcomes], result.agrees
([(), ('BTC/USDT:USDT',)], True)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from verifier.compare.allocation import allocate
from verifier.compare.book import Book, book_of
from verifier.compare.chart import ChartData, chart_data
from verifier.compare.closed_form import ClosedForms, closed_forms
from verifier.compare.crosscheck import cross_check
from verifier.compare.simulation import check_held, simulate_shocks
from verifier.compare.verdict import Verdict, verdict_of


@dataclass(frozen=True)
class Comparison:
    """Everything ``compare`` found: the reporters' input (Fractions and labels, no text)."""

    rule: object  # the model Rule
    date: datetime.date | None  # the date asked for (None: the latest values)
    book: Book
    allocated: dict  # holding index -> Allocated
    wallets: dict  # settlement currency -> Wallet
    closed: ClosedForms
    outcomes: tuple  # of ShockOutcome, in the order asked
    setup: str  # how the simulator rebuilt the account: 'plain' or 'buffered'
    checks: tuple  # of crosscheck.Check
    chart: ChartData | None
    today: datetime.date | None = None  # the day staleness of market data is judged on, when no date is asked
    unified: object = None  # the unified column (verifier.compare.unified.UnifiedColumn), with --unified

    @property
    def disagreements(self) -> tuple:
        return tuple(c for c in self.checks if not c.agrees)

    @property
    def agrees(self) -> bool:
        return not self.disagreements

    @property
    def verdict(self) -> Verdict:
        """The conclusion: which mode loses less at each shock and by how much, where each is liquidated."""
        return verdict_of(self)


def compare(rule, accounts, *, allocations=(), shocks=(), date=None, today=None, chart=False,
            explain: bool = False) -> Comparison:
    """Compare ``accounts`` (one user's model Accounts) in both modes under ``shocks`` (model Shocks).

    ``allocations``: model Allocations for positions held in cross; ``chart``: also sweep the shocks for the
    equity chart (a panel per kind of shock); ``explain``: each position's trace in each mode, in ``closed``.  Raises located :class:`~verifier.errors.VerifierError`\\ s for
    inputs that cannot be compared.
    """
    book = book_of(rule, accounts, date)
    check_held(book, tuple(shocks))
    allocated, wallets = allocate(rule, book, tuple(allocations), date)
    closed = closed_forms(rule, book, allocated, wallets, date, today, explain)
    outcomes, setup = simulate_shocks(rule, book, allocated, wallets, tuple(shocks), date) if shocks else ((), "plain")
    checks = cross_check(rule, book, allocated, wallets, closed, outcomes, date)
    drawn = chart_data(rule, book, allocated, wallets, closed, tuple(shocks), outcomes, date) if chart else None
    return Comparison(rule, date, book, allocated, wallets, closed, outcomes, setup, checks, drawn, today)
