"""The Python API: load a rule, compute a liquidation price, evaluate an account -- exactly.

Numbers go in as :class:`~decimal.Decimal`, ``str``, ``int`` or :class:`~fractions.Fraction`, read exactly; a
``float`` is read as its shortest decimal (``0.1`` is one tenth, not the binary float nearest to it).  Numbers
come out as :class:`ExactDecimal`: a ``Decimal`` (exact when the value has a finite decimal expansion, else
rounded to 28 significant digits) whose ``fraction`` attribute holds the exact value.  Every error is a
:class:`~verifier.errors.VerifierError` carrying a stable ``code`` (and, for a file, located diagnostics).

>>> import verifier
>>> rule = verifier.load_rule("binance/usdm-perpetual")
>>> price = verifier.liquidation_price(rule, "isolated", market="BTC/USDT:USDT", date="2024-08-12",
...                                    WB="1000", q=1, EP=60000, s=1)
>>> price
Decimal('59246.23115577889447236180905')
>>> price.fraction, price.is_exact
(Fraction(11790000, 199), False)
>>> verifier.liquidation_price(rule, "isolated", market="BTC/USDT:USDT", date="2024-08-12",
...                            WB=0.1, q=1, EP=60000, s=1).fraction
Fraction(11989980, 199)
>>> verifier.liquidation_price(rule, "isolated", WB=1000, q=1, EP=60000, s=1, qq=2)
Traceback (most recent call last):
...
verifier.errors.UsageError: rule binance/usdm-perpetual, mode 'isolated' has no symbol 'qq'; did you mean 'q'?
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from fractions import Fraction

from verifier.errors import UsageError

__all__ = ["AccountResult", "ExactDecimal", "PositionResult", "evaluate", "liquidation_price", "load_rule"]

SIGNIFICANT_DIGITS = 28
"""Digits an :class:`ExactDecimal` keeps when its value has no finite decimal expansion (Decimal's default)."""

_CONTEXT = Context(prec=SIGNIFICANT_DIGITS)


class ExactDecimal(Decimal):
    """A ``Decimal`` with the exact value beside it: ``fraction`` (a Fraction) and ``is_exact``.

    >>> third = ExactDecimal.of(Fraction(1, 3))
    >>> third, third.fraction, third.is_exact
    (Decimal('0.3333333333333333333333333333'), Fraction(1, 3), False)
    >>> ExactDecimal.of(Fraction(5, 4)).is_exact
    True
    """

    __slots__ = ("fraction",)
    fraction: Fraction

    @classmethod
    def of(cls, value: Fraction) -> ExactDecimal:
        value = value if type(value) is Fraction else Fraction(value)
        number = cls(_CONTEXT.divide(value._numerator, value._denominator))  # ints: converted exactly
        number.fraction = value
        return number

    @property
    def is_exact(self) -> bool:
        """Whether the decimal equals the exact value (it has a finite decimal expansion within the digits)."""
        return Fraction(self) == self.fraction


def load_rule(rule: str | os.PathLike):
    """The rule in a file, or by id (``binance/usdm-perpetual``, looked up under ``rules/``), loaded and checked.

    Raises :class:`~verifier.errors.SpecError` carrying every located problem when the file is not valid.

    >>> load_rule("okx/linear-swap").title
    'OKX USDT-margined perpetual swaps (linear)'
    """
    from verifier.read import load_rule as read_rule

    return read_rule(rule)


def liquidation_price(rule, mode: str, values: Mapping | None = None, /, *, market: str | None = None,
                      date: dt.date | str | None = None, condition: str = "liquidation",
                      **more) -> ExactDecimal | None:
    """The price at which ``condition`` (the liquidation, by default) starts to hold in ``mode``, for the values
    of the rule's symbols given as a mapping or as keywords; None when no such price exists.

    ``rule`` is a loaded rule, a rule file or a rule id.  Tier symbols (``MMR``, ``cum``) come from the tier table
    of ``market`` at the price (give them to override the table); parameters are those in force on ``date``
    (default: the latest).  ``condition`` may name any condition of the mode (``bankruptcy``, ``margin_call``).

    >>> liquidation_price("binance/usdm-perpetual", "isolated", {"WB": "1000", "q": "1", "EP": "60000", "s": -1},
    ...                   market="BTC/USDT:USDT", date="2024-08-12")
    Decimal('60746.26865671641791044776119')
    >>> liquidation_price("binance/usdm-perpetual", "isolated", WB=10**6, q=1, EP=60000, s=1,
    ...                   market="BTC/USDT:USDT") is None
    True
    """
    from verifier.derive.tiers import solve_price

    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    view = rule.mode(mode)
    if condition not in view.conditions:
        raise UsageError(f"rule {rule.id}, mode {mode!r} has no condition {condition!r}"
                         + _did_you_mean(condition, view.conditions), code="MV002")
    given = {**(values or {}), **more}
    known = {**view.symbols, **view.parameters}
    for name in given:
        if name not in known:
            raise UsageError(f"rule {rule.id}, mode {mode!r} has no symbol {name!r}" + _did_you_mean(name, known),
                             code="MV002")
    exact = {name: exact_number(value, name) for name, value in given.items()}
    for name, value in exact.items():
        _check_domain(name, value, known[name])
    solution = solve_price(rule, mode, condition, exact, market=market, date=_date(date))
    return None if solution.price is None else ExactDecimal.of(solution.price)


@dataclass(frozen=True)
class PositionResult:
    """One position of an evaluated account: its liquidation price (None, with ``reason``, when none exists),
    maintenance margin and unrealised PnL at the mark, tier row at the mark and status, and the tier row at the
    liquidation price (``liquidation_tier``: another than ``tier`` when the price crosses a bracket)."""

    symbol: str
    side: str
    liquidation_price: ExactDecimal | None
    reason: str | None
    maintenance_margin: ExactDecimal | None
    unrealized_pnl: ExactDecimal | None
    tier: int | None
    status: str
    liquidation_tier: int | None = None


class _Rendered:
    """A :class:`PositionResult` number a result made by evaluate renders as an :class:`ExactDecimal` when first
    read (most callers read one or two of them), from the evaluation it came from, then kept in the result's own
    ``__dict__`` as if made with the rest.  A non-data descriptor: a value in the instance's ``__dict__`` (every
    result made the usual way, and one already read) is found before it, so equality, hash, repr, copies and
    pickles read the fields as always.  (A descriptor, not ``__getattr__``: that is reached only after a failed
    look-up, which costs as much again as the rendering.)"""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        made = instance.__dict__
        evaluation = made.get("_evaluation")
        if evaluation is None:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self.name!r}")
        value = getattr(evaluation, self.name)  # _optional(value), written out (once a position read)
        if value is None or isinstance(value, float):
            value = None
        else:
            number = value if type(value) is Fraction else Fraction(value)
            value = ExactDecimal(_CONTEXT.divide(number._numerator, number._denominator))
            value.fraction = number
        made[self.name] = value
        return value


_RENDERED = ("liquidation_price", "maintenance_margin", "unrealized_pnl")
"""The :class:`PositionResult` fields rendered when first read."""

for _name in _RENDERED:
    setattr(PositionResult, _name, _Rendered(_name))


@dataclass(frozen=True)
class AccountResult:
    """An evaluated account: each position, the account's margin level (None where the rule defines none) and
    status (``normal``, ``margin_call`` or ``liquidation``).  :meth:`to_json` is what
    ``margin-verifier evaluate --format json`` prints; ``warnings`` what it says on stderr (MV609 for market data
    seen too long ago, MV617 for a position's own values against the catalog's: :class:`~verifier.errors.Diagnostic`
    objects, the same whichever form the account was given in)."""

    rule: str
    mode: str
    positions: Sequence  # of PositionResult (made when read)
    margin_level: ExactDecimal | None
    status: str
    evaluation: object  # the derive stage's AccountEvaluation, exact
    warnings: tuple = ()

    def to_json(self) -> dict:
        from verifier.report.evaluate import evaluation_data

        return evaluation_data(self.evaluation)


def evaluate(rule, account, *, date: dt.date | str | None = None, reference: bool = False) -> AccountResult:
    """Evaluate an account by the evaluate job, as ``margin-verifier evaluate`` does: an account file (a snapshot
    in ccxt's unified field names, or a ccxt export of one margin pool), the snapshot as a mapping (floats read as
    their shortest decimal), or a read account.

    The rule's compiled program answers (exact rational code, :mod:`verifier.derive.account.run`); ``reference``
    asks the reference evaluation instead (the rule's closed forms substituted step by step: the same numbers,
    some ten times slower), as the compiled program itself does wherever it cannot answer.

    The market's data (contract size, tick, tier table) is the rule's catalog's, in force on ``date`` (default:
    the latest); the JSON gives the price rounded to the market's tick beside the exact one.

    >>> result = evaluate("binance/usdm-perpetual", {"marginMode": "isolated", "positions": [
    ...     {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1, "entryPrice": 60000,
    ...      "markPrice": 60000, "collateral": 1000}]}, date="2026-10-01")
    >>> result.status, result.positions[0].liquidation_price, result.positions[0].maintenance_margin
    ('normal', Decimal('59236.94779116465863453815261'), Decimal('240'))
    >>> first = result.to_json()["positions"].pop(0)
    >>> first["liquidationPrice"], first["priceTick"]
    ('59236.9', '0.1')
    """
    evaluate_accounts, evaluate_data, evaluate_file, RuleHandle, AccountSet, evaluated_warnings = _LATE or _late()
    rule = rule if hasattr(rule, "modes") else RuleHandle(rule)  # a rule id: its compiled program, if it suffices
    if isinstance(account, Mapping):
        result = evaluate_data(rule, account, date=_date(date), reference=reference)
    elif isinstance(account, (str, os.PathLike)):
        result = evaluate_file(rule, account, date=_date(date), reference=reference)
    elif hasattr(account, "positions"):
        result = evaluate_accounts(rule, AccountSet("snapshot", (account,)), date=_date(date), reference=reference)
    else:
        raise UsageError(f"an account is a snapshot file, a mapping or a read account, not {type(account).__name__}",
                         code="MV002")
    if len(result.evaluations) != 1:
        raise UsageError(f"the file holds {len(result.evaluations)} margin pools (a ccxt export: cross per settlement "
                         "currency, each isolated position alone); evaluate gives one account's result",
                         code="MV002", hint="use verifier.jobs.evaluate.evaluate_file for every pool")
    [evaluation] = result.evaluations
    made = _new(AccountResult)  # AccountResult(...) without the frozen dataclass's __init__ (a field at a time)
    _setattr(made, "__dict__", {"rule": evaluation.rule, "mode": evaluation.mode,
                                "positions": _Positions(evaluation.positions),
                                "margin_level": _optional(evaluation.margin_level), "status": evaluation.status,
                                "evaluation": evaluation, "warnings": tuple(evaluated_warnings(result))})
    return made


_new = object.__new__
_setattr = object.__setattr__
_LATE = None


def _late() -> tuple:
    """What :func:`evaluate` calls, imported on its first call (importing the API loads none of it) and kept: four
    import statements run again for every account cost a few microseconds each time."""
    global _LATE
    from verifier.jobs.evaluate import evaluate_accounts, evaluate_data, evaluate_file
    from verifier.jobs.programs import RuleHandle
    from verifier.model.account import AccountSet
    from verifier.report.evaluate import evaluated_warnings

    _LATE = (evaluate_accounts, evaluate_data, evaluate_file, RuleHandle, AccountSet, evaluated_warnings)
    return _LATE


_HELD = None


def _held():
    """:class:`verifier.derive.account.run.collector_held`, imported when first needed and kept (an import
    statement run again for every account costs a microsecond or two: more than making a one-position result)."""
    global _HELD
    from verifier.derive.account.run import collector_held

    _HELD = collector_held
    return _HELD


class _Positions(Sequence):
    """An evaluated account's positions (a sequence of :class:`PositionResult`), made when first read (an account
    read only for its status renders none), all at once with the garbage collector held off (thousands of small
    results would set off collections of the caller's whole heap)."""

    def __init__(self, evaluations: tuple):
        self._evaluations, self._made = evaluations, None

    def __len__(self) -> int:
        return len(self._evaluations)

    def __getitem__(self, index):
        return self._results()[index]

    def __iter__(self):
        return iter(self._results())  # (Sequence's own iteration calls __getitem__ once a position)

    def _results(self) -> tuple:
        if self._made is None:
            made = []
            with (_HELD or _held())():
                for p in self._evaluations:  # _position_result(p), written out (once a position)
                    result = _new(PositionResult)
                    _setattr(result, "__dict__", {"symbol": p.symbol, "side": p.side, "reason": p.reason,
                                                  "tier": p.tier, "status": p.status,
                                                  "liquidation_tier": p.liquidation_tier, "_evaluation": p})
                    made.append(result)
            self._made = tuple(made)
        return self._made

    def __eq__(self, other):
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self):
        return repr(tuple(self))


def _position_result(p) -> PositionResult:
    """The API's view of one evaluated position (made without the frozen dataclass's ``__init__``, which sets each
    field through ``object.__setattr__``: as slow as the rest; the same object), its numbers rendered when read.

    >>> from verifier.derive.account.evaluation import PositionEvaluation
    >>> made = _position_result(PositionEvaluation("BTC/USDT:USDT", "long", Fraction(1, 3), None, Fraction(5),
    ...     None, 1, "normal"))
    >>> made.liquidation_price, made.unrealized_pnl
    (Decimal('0.3333333333333333333333333333'), None)
    >>> made == PositionResult("BTC/USDT:USDT", "long", ExactDecimal.of(Fraction(1, 3)), None,
    ...                        ExactDecimal.of(Fraction(5)), None, 1, "normal")
    True
    """
    made = _new(PositionResult)
    _setattr(made, "__dict__", {"symbol": p.symbol, "side": p.side, "reason": p.reason, "tier": p.tier,
                                "status": p.status, "liquidation_tier": p.liquidation_tier, "_evaluation": p})
    return made


# compare(rule, account, ...) -- cross against isolated for the same positions -- joins this module with the
# `compare` verb (issue 14), in the same shape: exact inputs, ExactDecimal outputs, project errors only.


def exact_number(value, name: str = "value") -> Fraction:
    """``value`` as an exact Fraction: Decimal, str, int and Fraction exactly, a float as its shortest decimal.

    >>> exact_number("0.1"), exact_number(0.1), exact_number(Decimal("2.50")), exact_number(3)
    (Fraction(1, 10), Fraction(1, 10), Fraction(5, 2), Fraction(3, 1))
    >>> exact_number(float("nan"), "WB")
    Traceback (most recent call last):
    ...
    verifier.errors.UsageError: WB is nan, not a finite number
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal, Fraction)):
        raise UsageError(f"{name} is {value!r}; give a Decimal, a str, an int or a Fraction", code="MV002")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value.strip() if isinstance(value, str)
                         else value)
    except InvalidOperation:
        raise UsageError(f"{name} is {value!r}, not a decimal number", code="MV002") from None
    if not number.is_finite():
        raise UsageError(f"{name} is {value!r}, not a finite number", code="MV002")
    return Fraction(number)


def _check_domain(name: str, value: Fraction, spec) -> None:
    """A value outside its symbol's declared domain (``> 0``, ``one_of: [1, -1]``) is the caller's mistake."""
    from verifier.model.symbols import in_domain

    domain, one_of = getattr(spec, "domain", ()), getattr(spec, "one_of", None)
    if (domain and not in_domain(value, domain)) or (one_of and value not in one_of):
        allowed = (f"one of {', '.join(str(v) for v in one_of)}" if one_of
                   else " and ".join(f"{op} {bound}" for op, bound in domain))
        raise UsageError(f"{name} = {value} is outside its domain ({allowed})", code="MV002")


def _optional(value) -> ExactDecimal | None:
    return None if value is None or isinstance(value, float) else ExactDecimal.of(value)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"date {value!r} is not YYYY-MM-DD", code="MV002") from None




def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(known)}"
