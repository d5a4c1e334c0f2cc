"""The evaluate job: an account file read, every margin pool evaluated, each position's price reconciled with the
one the exchange reported (when the file carries it).

The file is our snapshot or a ccxt export as it is (:func:`verifier.read.positions_file.read_positions`); each pool
is evaluated by the rule's compiled program (:mod:`verifier.derive.account.run`, found without loading the rule:
:mod:`verifier.jobs.programs`), and where it does not answer by the reference,
:func:`verifier.derive.account.evaluate_account` (``reference=True``: always); each position with the exchange's
own price is
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
from dataclasses import dataclass, field
from fractions import Fraction

from verifier.errors import VerifierError
from verifier.jobs.programs import RuleHandle
from verifier.model.account import AccountSet
from verifier.read.today import today as today_of_check

# The reading stage's located readers, the reference evaluation (SymPy) and the rule itself are imported and loaded
# where a file needs them: a snapshot evaluated by the rule's compiled program needs none of them.


@dataclass(frozen=True)
class Evaluated:
    """What the evaluate job found for one account file (or one line of a JSON-lines file)."""

    format: str  # 'snapshot' or 'ccxt' (the AccountSet's format)
    evaluations: tuple  # AccountEvaluation per margin pool
    checks: dict  # id(PositionEvaluation) -> Reconciliation or None (no price reported); id(a unified account's
    # total entry, AccountEvaluation.totals) -> Reconciliation of the exchange's own total
    skipped: tuple  # flat positions of a ccxt export, listed
    gated: bool  # whether a tolerance was given: a disagreement beyond it fails the run
    on: datetime.date  # the date staleness is judged on (the evaluation date, else today)
    unread: tuple = ()  # the export's fields the rule does not read (verifier.read.ccxt_unread.Unread), listed once
    reference: tuple = ()  # why the compiled program handed a pool to the reference evaluation, one a pool it did
    explained: dict = field(default_factory=dict)  # id(PositionEvaluation) -> its Explanation (with explain only)

    @property
    def failed(self) -> bool:
        """A reconciliation beyond the tolerance given (never without one)."""
        return self.gated and any(check is not None and check.failed for check in self.checks.values())


def evaluate_accounts(rule, accounts: AccountSet, *, date=None, today=None, tolerance: Fraction | None = None,
                      rtol: Fraction | None = None, reference: bool = False, explain: bool = False) -> Evaluated:
    """Evaluate every pool of ``accounts`` (read already) under ``rule`` (a loaded rule, a rule file or id, or a
    :class:`~verifier.jobs.programs.RuleHandle`) on ``date``: by the rule's compiled program, each pool it does not
    answer (and every pool with ``reference``) by the reference evaluation.  With ``explain``, every pool by the
    reference evaluation, each position's trace (:mod:`verifier.derive.account.explain`) in ``explained``."""
    return _evaluated(_handle(rule), accounts, date, today or today_of_check(), tolerance, rtol,
                      _why(reference, explain), explain)


def _why(reference: bool, explain: bool) -> str | None:
    """Why every pool goes to the reference evaluation (None: only those the compiled program does not answer).
    An explained pool does: the trace is the reference evaluation's steps, so the numbers it explains are that
    evaluation's (the two paths agree: tests/jobs/test_programs.py)."""
    if explain:
        from verifier.derive.account.explain import REASON

        return REASON
    return "asked for" if reference else None


def _evaluated(handle, accounts, date, today, tolerance, rtol, reference: str | None, explain: bool = False) \
        -> Evaluated:
    """:func:`evaluate_accounts`; ``reference``: why every pool goes to the reference evaluation (None: none
    needs to)."""
    evaluations, why, explained = [], [], {}
    for account in accounts.accounts:
        evaluation = _pool(handle, account, date, today, reference, why)
        evaluations.append(evaluation)
        if explain:
            from verifier.derive.account.explain import explain_account

            explained.update(zip(map(id, evaluation.positions), explain_account(handle.rule, account, date)))
    checks = {}
    if accounts.format != "snapshot":
        from verifier.derive.reconcile import reconcile_position, reconcile_totals

        checks = {id(p): reconcile_position(p, tolerance, rtol) for e in evaluations for p in e.positions}
        for evaluation in evaluations:
            checks.update(reconcile_totals(evaluation, tolerance, rtol))
    unread = tuple(accounts.unread) if accounts.format != "snapshot" else \
        snapshot_unread(handle, accounts.accounts, evaluations)
    return Evaluated(accounts.format, tuple(evaluations), checks, tuple(accounts.skipped),
                     tolerance is not None or rtol is not None, date or today, unread=unread, reference=tuple(why),
                     explained=explained)


def _pool(handle, account, date, today, reference: str | None, why: list):
    """One pool: its compiled evaluation, else (and when ``reference`` says why) the reference one."""
    if reference is None:
        from verifier.derive.account.run import Fallback, run_account

        try:
            return run_account(handle.program, account, date=date, today=today)
        except Fallback as exc:
            reference = str(exc)
    why.append(reference)
    from verifier.derive.account import evaluate_account

    return evaluate_account(handle.rule, account, date=date, today=today)


def snapshot_unread(rule, accounts, evaluations) -> tuple:
    """The fields a snapshot's positions give that the mode evaluating them reads nowhere (a
    ``maintenanceMarginPercentage`` under a rule whose rate comes from the maximum leverage), each once with how many
    positions give it: said, never dropped silently.  ``rule``: a loaded rule, or a
    :class:`~verifier.jobs.programs.RuleHandle` (its compiled program lists the fields each mode reads: no SymPy).

    >>> from verifier.derive.account import evaluate_account
    >>> from verifier.read import load_rule
    >>> from verifier.read.account import account_from_data
    >>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDC:USDC",
    ...     "side": "long", "contracts": "1", "entryPrice": "100", "markPrice": "100", "collateral": "10",
    ...     "maintenanceMarginPercentage": "0.02"}]})
    >>> rule = load_rule("hyperliquid/perpetual")
    >>> [(u.path, u.count) for u in snapshot_unread(rule, [account], [evaluate_account(rule, account)])]
    [('maintenanceMarginPercentage', 1)]
    >>> [(u.path, u.count) for u in snapshot_unread(RuleHandle(rule), [account], [evaluate_account(rule, account)])]
    [('maintenanceMarginPercentage', 1)]
    """
    if isinstance(rule, RuleHandle):
        reads = rule.fields_read()
    else:
        from verifier.derive.account.program import fields_read

        reads = fields_read(rule)
    counts: dict = {}
    for account, evaluation in zip(accounts, evaluations):
        read = reads.get(evaluation.mode, {}).get(account.margin_mode)
        if read is None:
            continue
        superset = read.issuperset
        for position in account.positions:
            if superset(position.fields):
                continue  # the common case: nothing unread, and no set made to say so
            for name in position.fields.keys() - read:
                if name != "price":
                    counts[name] = counts.get(name, 0) + 1
    if not counts:
        return ()  # the common case, without the imports and the text below (an API call evaluates one account)
    from verifier.read.ccxt_unread import Unread

    why = f"rule {rule.id} reads no such field in this mode"
    return tuple(Unread(path, count, why) for path, count in sorted(counts.items()))


def evaluate_file(rule, path, *, balance=None, margin_mode=None, date=None, today=None, tolerance=None,
                  rtol=None, reference: bool = False, explain: bool = False) -> Evaluated:
    """Read the account file at ``path`` (with a ``fetch_balance()`` dump at ``balance``) and evaluate it.
    ``rule`` is a loaded rule, a rule file or a rule id (or a :class:`~verifier.jobs.programs.RuleHandle`).

    A JSON snapshot that passes the compiled check (:func:`verifier.read.account.read_snapshot_text`) is read from
    its bytes and evaluated by the compiled program; anything else, and anything the program does not answer, is
    read by the located readers and evaluated as always (with ``reference`` or ``explain``: always; ``explain``
    also traces each position, :func:`evaluate_accounts`)."""
    handle = _handle(rule)
    handle.rule if reference or explain else handle.program  # noqa: B018 - a rule's own problems first
    today = today or today_of_check()
    why = _why(reference, explain)
    if why is None and balance is None:
        found, why = _compiled_snapshot(handle, path, date, today)
        if found is not None:
            account, evaluation = found
            return Evaluated("snapshot", (evaluation,), {}, (), tolerance is not None or rtol is not None,
                             date or today, unread=snapshot_unread(handle, (account,), (evaluation,)))
    from verifier.read.positions_file import read_positions

    accounts = read_positions(_LazyRule(handle), path, balance, margin_mode)
    return _evaluated(handle, accounts, date, today, tolerance, rtol, why, explain)


def _compiled_snapshot(handle, path, date, today) -> tuple:
    """((account, its evaluation) of a snapshot file read by the compiled check and evaluated by the compiled
    program, None) or (None, why the program handed it to the reference: None when the check did not read it)."""
    from verifier.derive.account.run import Fallback, collector_held, run_account
    from verifier.read.account import read_snapshot_text

    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError:
        return None, None
    if b'"info"' in raw:  # a ccxt export (its rows' or its balance's raw 'info'), which the check refuses: not
        return None, None  # parsed twice (a unified account's balance and its positions: a large file)
    with collector_held():
        account = read_snapshot_text(raw, str(path))
    if account is None:
        return None, None
    try:
        return (account, run_account(handle.program, account, date=date, today=today)), None
    except Fallback as exc:
        return None, str(exc)  # the same account read again, located: the reference answers or says where


def evaluate_data(rule, data, *, date=None, today=None, reference: bool = False) -> Evaluated:
    """Evaluate a snapshot given as data (a mapping: the API's ``evaluate``; floats are read as their shortest
    decimal), by the compiled program when the data passes the compiled check (:func:`verifier.read.account.
    fast_snapshot`), else read by the schema and evaluated as :func:`evaluate_accounts` does."""
    handle = _handle(rule)
    if not reference:
        # today matters only where no date is given (staleness is judged on the date): not asked the clock then
        on = today or (None if date is not None else today_of_check())
        Fallback, collector_held, run_account, fast_snapshot = _COMPILED or _compiled()
        with collector_held():
            account = fast_snapshot(data)
        why = None
        if account is not None:
            try:
                evaluation = run_account(handle.program, account, date=date, today=on)
            except Fallback as exc:
                why = str(exc)  # the same account again: the reference answers, from the located reading
            else:
                # Evaluated(...) without the frozen dataclass's __init__ (a field at a time): once an API call
                made = _new(Evaluated)
                _setattr(made, "__dict__", {"format": "snapshot", "evaluations": (evaluation,), "checks": {},
                                            "skipped": (), "gated": False, "on": date or on,
                                            "unread": snapshot_unread(handle, (account,), (evaluation,)),
                                            "reference": (), "explained": {}})
                return made
    else:
        why = "asked for"
    from verifier.read.account import account_from_data

    return _evaluated(handle, AccountSet("snapshot", (account_from_data(_plain(data)),)), date,
                      today or today_of_check(), None, None, why)


_new = object.__new__
_setattr = object.__setattr__
_COMPILED = None


def _compiled() -> tuple:
    """What :func:`evaluate_data`'s compiled path calls, imported on its first call and kept (the API calls it
    once an account: the import statements cost a few microseconds each time)."""
    global _COMPILED
    from verifier.derive.account.run import Fallback, collector_held, run_account
    from verifier.read.account import fast_snapshot

    _COMPILED = (Fallback, collector_held, run_account, fast_snapshot)
    return _COMPILED


def _plain(node):
    """Snapshot data with Decimals as text (read exactly, as the reading stage reads JSON strings)."""
    from collections.abc import Mapping
    from decimal import Decimal

    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(item) for item in node]
    return str(node) if isinstance(node, Decimal) else node


def _handle(rule) -> RuleHandle:
    return rule if isinstance(rule, RuleHandle) else RuleHandle(rule)


class _LazyRule:
    """The rule for a reader that may need it (a ccxt export's mapping), loaded on the first attribute asked --
    but for what the program's :class:`~verifier.derive.account.program.CcxtRule` answers without SymPy (its id,
    exchange, product and ``ccxt:`` mapping), while the rule is not loaded and the program is at hand."""

    _FROM_PROGRAM = frozenset(("id", "exchange", "product", "ccxt"))

    def __init__(self, handle):
        self._handle = handle

    def __getattr__(self, name):
        handle = self._handle
        if name in self._FROM_PROGRAM and handle._rule is None and handle._program is not None \
                and handle._program.ccxt is not None:  # noqa: SLF001 - the handle's state, not loading anything
            return getattr(handle._program.ccxt, name)  # noqa: SLF001
        return getattr(handle.rule, name)


@dataclass(frozen=True)
class Line:
    """One line of a JSON-lines file: its number and either its result or the error that refused it."""

    number: int
    result: Evaluated | None
    error: VerifierError | None


def evaluate_lines(rule, path, *, margin_mode=None, date=None, today=None, tolerance=None,
                   rtol=None, reference: bool = False, explain: bool = False) -> Iterator[Line]:
    """Each account of a JSON-lines file evaluated, lazily (one line in memory at a time)."""
    from verifier.read.positions_file import read_lines

    handle = _handle(rule)
    handle.rule if reference or explain else handle.program  # noqa: B018 - a rule's own problems first
    today = today or today_of_check()
    for number, accounts in read_lines(_LazyRule(handle), path, margin_mode):
        try:
            if isinstance(accounts, VerifierError):
                raise accounts
            yield Line(number, evaluate_accounts(handle, accounts, date=date, today=today, tolerance=tolerance,
                                                 rtol=rtol, reference=reference, explain=explain), None)
        except VerifierError as exc:
            yield Line(number, None, exc)
