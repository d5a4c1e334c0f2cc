"""Hypothesis strategies built from a rule: :func:`from_rule` for one position's inputs in one mode.

Everything is read from the rule: which symbols a mode's liquidation condition needs, their units,
domains and allowed values, the tier tables and the parameters' effective dates.  Values are exact
:class:`~fractions.Fraction`\\ s, never floats.  The draws lean toward where margin bugs live: tier
boundaries (the size is set so the notional at entry sits on, or a hair off, a bracket floor), tiny and
huge prices (1e-8 to 1e6), leverage 1 and the maximum, empty and large other positions in cross.
"Just inside / just outside liquidation" is the properties' job: they test both sides of the derived price.

Magnitudes come from units: a draw picks a price level ``p0`` (quote/base), a size ``b0`` (base) and a
lot count; a symbol of unit ``quote`` is scaled by ``b0 * p0``, ``base`` by ``b0``, ``quote/lot`` by
``b0 * p0 / lots``, so that the generated accounts are coherent rather than absurd.

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> sorted(inputs_of(rule, rule.mode("cross")))
['EP', 'TMM1', 'UPNL1', 'WB', 'q', 's']
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

from verifier.formula import DIMENSIONLESS
from verifier.model.snapshot import FIELD_SYMBOLS, fields_of

PRICE_LEVELS = tuple(Fraction(10) ** k for k in range(-8, 7))  # 1e-8 .. 1e6, the brief's span
TINY = Fraction(1, 10**9)


@dataclass(frozen=True)
class Case:
    """One generated position: input values (name -> Fraction), the market and the date it is judged on."""

    rule_id: str
    mode: str
    values: dict
    market: str | None = None
    date: _dt.date | None = None
    notes: tuple = field(default_factory=tuple)

    def with_values(self, **changes) -> "Case":
        return Case(self.rule_id, self.mode, {**self.values, **changes}, self.market, self.date, self.notes)


def relation_names(mode, condition: str = "liquidation") -> set:
    cond = mode.conditions.get(condition)
    return {s.name for s in cond.relation.free_symbols} if cond is not None else set()


def inputs_of(rule, mode, extra: tuple = ("bankruptcy",)) -> list:
    """Names a caller must supply for ``mode``'s liquidation (and ``extra``) conditions, minus price and parameters.

    Tier symbols are left to the tier table when the rule has one.
    """
    names = relation_names(mode)
    for condition in extra:
        names |= relation_names(mode, condition)
    for entries in [e for view in rule.dated_views() for e in view.published.values()]:
        for entry in entries:
            if mode.name in entry.modes:
                names |= {s.name for s in entry.formula.expr.free_symbols if s.name in mode.symbols}
    names.discard(rule.price)
    names -= set(mode.parameters)
    if rule.tiers is not None and mode.tier_basis is not None:
        names -= set(mode.tier_symbols)
    return sorted(n for n in names if n in mode.symbols)


def role(rule, mode, name: str) -> str:
    """What a symbol is, for drawing it: one of :data:`verifier.model.SYMBOL_ROLES`.

    The role the rule declares, else one derived from what the rule states in data (never from the prose of
    ``meaning``): ``one_of``, the snapshot reading, the unit, the domain and the definition an ``others`` symbol sums.
    """
    spec = mode.symbols[name]
    if spec.role is not None:
        return spec.role
    reading = spec.reading(mode.account)
    fields = fields_of(reading) if reading is not None else set()
    if spec.one_of:
        return "side" if set(spec.one_of) == {1, -1} else "choice"
    if reading == FIELD_SYMBOLS["entryPrice"]:
        return "entry"
    if "contracts" in fields and "collateral" not in fields:
        return "size"
    if spec.unit == DIMENSIONLESS:
        if reading == FIELD_SYMBOLS["leverage"]:
            return "leverage"
        upper = [bound for op, bound in spec.domain if op in ("<", "<=")]
        return "rate" if not spec.domain or upper and min(upper) <= 1 else "ratio"
    if spec.unit == mode.symbols[rule.price].unit:
        return "price"
    if spec.others == "upnl" or not spec.domain and not spec.others:  # the contract's PnL, or an unbounded amount
        return "signed_money"
    return "money"


def _fraction(numerators, denominator: int):
    return numerators.map(lambda n: Fraction(n, denominator))


# The strategies a case draws from, built once: a strategy built inside a draw is built (and validated by
# Hypothesis) again at every draw, which cost more than the property itself.
_RATES = st.one_of(st.sampled_from((Fraction(0), Fraction(1, 10000), Fraction(5, 10000), Fraction(4, 1000),
                                    Fraction(1, 100), Fraction(5, 100), Fraction(1, 10))),
                   _fraction(st.integers(0, 2000), 10000))
_PRICE_LEVEL = st.sampled_from(tuple(PRICE_LEVELS))
_MANTISSA = _fraction(st.integers(1000, 9999), 1000)
_BASE_LEVEL = st.sampled_from((Fraction(1, 1000), Fraction(1, 10), Fraction(1), Fraction(25), Fraction(1000)))
_BASE_MANTISSA = _fraction(st.integers(1, 999), 100)
_LOTS = st.sampled_from((1, 10, 100, 10000))
_PRICE_MOVE = _fraction(st.integers(500, 2000), 1000)
_MAX_LEVERAGE = st.sampled_from((3, 5, 10, 20, 25, 40, 50, 100, 125))
_RATIO = _fraction(st.integers(1, 10000), 1000)
_LEVERAGE_FOR_MONEY = st.integers(1, 125)
_MONEY_RATIO = _fraction(st.integers(0, 3000), 1000)
_SIGN = st.sampled_from((1, -1))
_ONE_IN_THREE = st.integers(0, 2)
_OFF_FLOOR = st.sampled_from((Fraction(0), TINY, -TINY))


def _scale(unit, scales: dict) -> Fraction:
    out = Fraction(1)
    for dim, power in unit.powers:
        out *= scales.get(dim, Fraction(1)) ** power
    return out


@functools.cache
def _leverage(high: int):
    return st.one_of(st.just(1), st.just(high), st.integers(1, high)).map(Fraction)


@st.composite
def _case(draw, rule, mode, names, markets, dates):
    p0 = draw(_PRICE_LEVEL) * draw(_MANTISSA)
    b0 = draw(_BASE_LEVEL)
    b0 *= draw(_BASE_MANTISSA)
    lots = Fraction(draw(_LOTS))
    scales = {"base": b0, "quote": b0 * p0, "lot": lots}
    values = {}
    max_leverage = None
    order = sorted(names, key=lambda n: role(rule, mode, n) != "max_leverage")  # the cap before the leverage
    for name in order:
        spec = mode.symbols[name]
        kind = role(rule, mode, name)
        if kind in ("side", "choice"):
            value = Fraction(draw(st.sampled_from(tuple(spec.one_of))))
        elif kind == "entry":
            value = p0
        elif kind == "price":
            value = p0 * draw(_PRICE_MOVE)
        elif kind == "size":
            value = _scale(spec.unit, scales)
        elif kind == "max_leverage":
            max_leverage = draw(_MAX_LEVERAGE)
            value = Fraction(max_leverage)
        elif kind == "leverage":
            value = draw(_leverage(max_leverage or 125))
        elif kind == "rate":  # within the symbol's domain: a rate the rule excludes (a '> 0' MMF) is not an input
            value = draw(_RATES.filter(functools.partial(_in_domain, spec)))
        elif kind == "ratio":
            value = draw(_RATIO)
        else:
            lev = draw(_LEVERAGE_FOR_MONEY)
            ratio = draw(st.one_of(st.just(Fraction(0)), st.just(Fraction(1, lev)), _MONEY_RATIO))
            if kind == "signed_money":
                ratio *= draw(_SIGN)
            value = _scale(spec.unit, scales) * ratio
            if not _in_domain(spec, value):  # e.g. a zero draw for a '> 0' amount: take the unit's scale
                value = _scale(spec.unit, scales)
        values[name] = value
    values = {n: v for n, v in values.items() if _in_domain(mode.symbols[n], v)}
    date = draw(st.sampled_from(dates))
    in_force = _in_force(rule, markets, date)  # a market's brackets are dated too: one in force on the date
    market = draw(st.sampled_from(in_force or markets)) if markets else None
    notes = ()
    if in_force and rule.tiers is not None and mode.tier_basis is not None and draw(_ONE_IN_THREE) == 0:
        values, notes = _on_tier_floor(draw, rule, mode, values, market, date)
    return Case(rule.id, mode.name, values, market, date, notes)


_MEMO: dict = {}


def memo(rule, what, compute):
    """What ``compute(rule)`` gives, kept per rule object (a rule's cases and stories ask the same questions often)."""
    key = (id(rule), what)
    if key not in _MEMO or _MEMO[key][0] is not rule:
        _MEMO[key] = (rule, compute(rule))
    return _MEMO[key][1]


def _in_force(rule, markets: tuple, date) -> tuple:
    """The markets whose tier table is in force on ``date`` (all of them for today's values), worked out once."""
    if not markets or date is None:
        return markets
    return memo(rule, ("in force", markets, date),
                lambda r: tuple(m for m in markets if r.tiers.table(m, date) is not None))


def _in_domain(spec, value) -> bool:
    from verifier.model import in_domain

    return in_domain(value, spec.domain)


def _on_tier_floor(draw, rule, mode, values, market, date):
    """Scale the size symbols so the tier basis at the entry price lands on (or a hair off) a bracket floor."""
    from verifier.model.evaluate import EvaluationError, to_fraction, to_rational

    table = rule.tiers.table(market, date)
    floors = [row.floor for row in table.rows if row.floor > 0]
    sizes = [n for n in values if role(rule, mode, n) == "size"]
    entry = next((n for n in values if role(rule, mode, n) == "entry"), None)
    if not floors or not sizes or entry is None:
        return values, ()
    subs = {mode.symbols[n].sympy: v for n, v in values.items()}
    subs[mode.symbols[rule.price].sympy] = values[entry]
    try:
        basis = to_fraction(mode.tier_basis.expr.xreplace({k: to_rational(v) for k, v in subs.items()}))
    except (EvaluationError, TypeError):
        return values, ()
    if basis <= 0:
        return values, ()
    floor = draw(st.sampled_from(tuple(floors)))
    target = floor * (1 + draw(_OFF_FLOOR))
    factor = target / basis
    scaled = dict(values)
    for name in sizes[:1]:
        scaled[name] = values[name] * factor
    return scaled, (f"size set so the tier basis at entry is {target}",)


def effective_dates(rule, mode) -> list:
    """None (today's values) and each date a parameter or a formula changes: every regime gets tested.

    An open first value or formula version (in force as far back as the rule answers) is tested on the day before
    the first change; dates before a parameter's first value, or in a gap between formula versions, are left out.
    """
    params = list(mode.parameters.values())
    starts = [p.values[0][0] for p in params if p.values[0][0] is not None]
    start = max(starts, default=None)
    dates = {since for p in params for since, _ in p.values if since is not None and (start is None or since >= start)}
    dates |= {view_start for view_start in _formula_starts(rule) if start is None or view_start >= start}
    if start is None and dates:  # everything open: the day before the first change stands for the open regime
        dates.add(min(dates) - _dt.timedelta(days=1))
    return [None] + sorted(d for d in dates if _known(rule, d))


def _formula_starts(rule) -> set:
    return {r.since if r.since is not None else r.until - _dt.timedelta(days=1)
            for r in rule.regimes if r.modes is not None}


def _known(rule, date) -> bool:
    """Whether the rule knows its formulas on ``date`` (not in a gap between versions)."""
    return not rule.regimes or any(r.holds(date) and r.modes is not None for r in rule.regimes)


def from_rule(rule, mode) -> st.SearchStrategy:
    """A strategy of :class:`Case` for one position of ``rule`` in ``mode`` (a name or a ModeView).

    Raises ``ValueError`` up front for an unknown mode, as Hypothesis' own ``from_*`` constructors do.
    """
    view = rule.mode(mode) if isinstance(mode, str) else mode
    if "liquidation" not in view.conditions:
        raise ValueError(f"mode {view.name!r} of {rule.id} has no 'liquidation' condition")
    names = inputs_of(rule, view)
    markets = tuple(sorted(rule.tiers.tables)) if rule.tiers is not None else ()
    return _case(rule, view, names, markets, tuple(effective_dates(rule, view)))
