"""The evaluate job: an account file read, every margin pool evaluated, each position's price reconciled with the
one the exchange reported (when the file carries it).

The file is our snapshot or a ccxt export as it is (:func:`verifier.read.positions_file.read_positions`); each pool
is evaluated by :func:`verifier.derive.account.evaluate_account`; each position with the exchange's own price is
judged by :func:`verifier.derive.reconcile.reconcile_position` under ``tolerance`` (ticks) and ``rtol``
(relative).  A JSON-lines file (:func:`evaluate_lines`) gives one result per line, a bad line as its error.

>>> result = evaluate_file("binance/usdm-perpetual", "tests/derive/snapshots/official-cross.json",
...                        date=datetime.date(2026, 10, 1))
>>> result.format, len(result.evaluations), result.failed
('snapshot', 1, False)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from verifier.derive.account import evaluate_account
from verifier.derive.reconcile import reconcile_position
from verifier.errors import VerifierError
from verifier.model.account import AccountSet
from verifier.read import load_rule
from verifier.read.positions_file import read_lines, read_positions
from verifier.read.today import today as today_of_check


@dataclass(frozen=True)
class Evaluated:
    """What the evaluate job found for one account file (or one line of a JSON-lines file)."""

    format: str  # 'snapshot' or 'ccxt' (the AccountSet's format)
    evaluations: tuple  # AccountEvaluation per margin pool
    checks: dict  # id(PositionEvaluation) -> Reconciliation or None (no price reported)
    skipped: tuple  # flat positions of a ccxt export, listed
    gated: bool  # whether a tolerance was given: a disagreement beyond it fails the run
    on: datetime.date  # the date staleness is judged on (the evaluation date, else today)
    unread: tuple = ()  # the export's fields the rule does not read (verifier.read.ccxt_unread.Unread), listed once

    @property
    def failed(self) -> bool:
        """A reconciliation beyond the tolerance given (never without one)."""
        return self.gated and any(check is not None and check.failed for check in self.checks.values())


def evaluate_accounts(rule, accounts: AccountSet, *, date=None, today=None, tolerance: Fraction | None = None,
                      rtol: Fraction | None = None) -> Evaluated:
    """Evaluate every pool of ``accounts`` (read already) under ``rule`` on ``date``."""
    today = today or today_of_check()
    evaluations = tuple(evaluate_account(rule, account, date=date, today=today) for account in accounts.accounts)
    checks = {} if accounts.format == "snapshot" else {
        id(p): reconcile_position(p, tolerance, rtol) for e in evaluations for p in e.positions}
    unread = tuple(accounts.unread) if accounts.format != "snapshot" else \
        snapshot_unread(rule, accounts.accounts, evaluations)
    return Evaluated(accounts.format, evaluations, checks, tuple(accounts.skipped),
                     tolerance is not None or rtol is not None, date or today, unread)


def snapshot_unread(rule, accounts, evaluations) -> tuple:
    """The fields a snapshot's positions give that the mode evaluating them reads nowhere (a
    ``maintenanceMarginPercentage`` under a rule whose rate comes from the maximum leverage), each once with how many
    positions give it: said, never dropped silently.

    >>> from verifier.read.account import account_from_data
    >>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDC:USDC",
    ...     "side": "long", "contracts": "1", "entryPrice": "100", "markPrice": "100", "collateral": "10",
    ...     "maintenanceMarginPercentage": "0.02"}]})
    >>> rule = load_rule("hyperliquid/perpetual")
    >>> [(u.path, u.count) for u in snapshot_unread(rule, [account], [evaluate_account(rule, account)])]
    [('maintenanceMarginPercentage', 1)]
    """
    from collections import Counter

    from verifier.model.market import POSITION_FIELDS
    from verifier.model.snapshot import fields_of
    from verifier.read.ccxt_unread import Unread

    counts: Counter = Counter()
    for account, evaluation in zip(accounts, evaluations):
        mode = rule.modes.get(evaluation.mode)
        if mode is None:
            continue
        read = set(POSITION_FIELDS)
        for spec in mode.symbols.values():
            if spec.snapshot_formula(account.margin_mode):
                read |= fields_of(spec.reading(account.margin_mode))
        for position in account.positions:
            counts.update(name for name in position.fields if name not in read and name not in ("price",))
    why = f"rule {rule.id} reads no such field in this mode"
    return tuple(Unread(path, count, why) for path, count in sorted(counts.items()))


def evaluate_file(rule, path, *, balance=None, margin_mode=None, date=None, today=None, tolerance=None,
                  rtol=None) -> Evaluated:
    """Read the account file at ``path`` (with a ``fetch_balance()`` dump at ``balance``) and evaluate it.
    ``rule`` is a loaded rule, a rule file or a rule id."""
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    accounts = read_positions(rule, path, balance, margin_mode)
    return evaluate_accounts(rule, accounts, date=date, today=today, tolerance=tolerance, rtol=rtol)


@dataclass(frozen=True)
class Line:
    """One line of a JSON-lines file: its number and either its result or the error that refused it."""

    number: int
    result: Evaluated | None
    error: VerifierError | None


def evaluate_lines(rule, path, *, margin_mode=None, date=None, today=None, tolerance=None,
                   rtol=None) -> Iterator[Line]:
    """Each account of a JSON-lines file evaluated, lazily (one line in memory at a time)."""
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    today = today or today_of_check()
    for number, accounts in read_lines(rule, path, margin_mode):
        try:
            if isinstance(accounts, VerifierError):
                raise accounts
            yield Line(number, evaluate_accounts(rule, accounts, date=date, today=today, tolerance=tolerance,
                                                 rtol=rtol), None)
        except VerifierError as exc:
            yield Line(number, None, exc)
