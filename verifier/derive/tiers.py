"""Exact prices from a closed form, tier-consistent: :func:`price_at` and :func:`solve_price`.

Each tier row's values are substituted into the general root; a root is kept only when it is
in the price's domain and the tier basis evaluated *at that root* falls inside the same row
(with the table's own bound convention).  The tier at entry is reported beside it.

>>> import datetime
>>> from fractions import Fraction as F
>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> s = solve_price(rule, "isolated", "liquidation", {"WB": F(1000), "q": F(1), "EP": F(60000), "s": F(1)},
...                 market="BTC/USDT:USDT", date=datetime.date(2024, 10, 1))  # the 2024 brackets
>>> s.price, s.tier, s.entry_tier
(Fraction(11790000, 199), 2, 2)
>>> price_at(rule, "isolated", "liquidation", {"WB": F(10**6), "q": F(1), "EP": F(60000), "s": F(1)},
...          market="BTC/USDT:USDT") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy
from gmpy2 import mpq
import sympy

from verifier.derive.derivation import derive_rule
from verifier.derive.exact import as_fraction, compile_condition, compile_fraction, compiled_or_none
from verifier.model.evaluate import EvaluationError, substitutions, to_fraction, to_rational


@dataclass(frozen=True)
class TierSolution:
    """A solved price: ``price`` None means none exists; ``tier``/``entry_tier`` are row numbers (or None)."""

    price: Fraction | None
    tier: int | None = None
    entry_tier: int | None = None
    candidates: tuple = ()  # (row number, price) of every tier-consistent root

    @property
    def tier_changed(self) -> bool:
        return self.tier is not None and self.entry_tier is not None and self.tier != self.entry_tier


def price_at(rule, mode_name, condition_name, values, *, market=None, date=None) -> Fraction | None:
    """The exact, tier-consistent ``condition_name`` price in ``mode_name`` at ``values`` (name -> number).

    ``values`` may give tier symbols directly; they then override the table.  None when no price exists.
    """
    return solve_price(rule, mode_name, condition_name, values, market=market, date=date).price


def entry_symbol(mode, solve_for: str) -> str | None:
    """The symbol read from the snapshot's ``entryPrice`` (the price the position was opened at)."""
    for name, spec in mode.symbols.items():
        if name != solve_for and spec.snapshot_formula(mode.account) == "entryPrice":
            return name
    return None


def solve_price(rule, mode_name, condition_name, values, *, market=None, date=None) -> TierSolution:
    """The exact, tier-consistent ``condition_name`` price: the rule's formulas and parameters in force on
    ``date``, the tier table of ``market`` on that date (looked up only when a root needs it)."""
    rule = rule.at(date)  # the formulas in force on that date
    mode = rule.mode(mode_name)
    form = derive_rule(rule).closed_form(mode_name, condition_name)
    parameters = {symbol: to_fraction(value) for symbol, value in
                  substitutions(mode, {}, date=date, needed=set()).items()}
    table = (lambda: rule.tiers.lookup(market, date)) if rule.tiers is not None else None
    return solve_form(form, mode, values, parameters, table)


def solve_form(form, mode, values, parameters: dict, table) -> TierSolution:
    """:func:`solve_price` with its inputs prepared: ``form`` the closed form, ``values`` name -> number (tier
    symbols given override the table), ``parameters`` SymPy symbol -> Fraction in force, ``table`` a callable
    giving the tier table (raising a coded error when there is none), or None when the rule has no tiers."""
    target = mode.symbols[form.solve_for].sympy
    given = {k: Fraction(v) for k, v in values.items()}
    current = given.pop(form.solve_for, None)  # the price now (e.g. the mark): not an input of the root
    exact = dict(parameters)
    for name, value in given.items():
        spec = mode.symbols.get(name) or mode.parameters.get(name)
        if spec is None:
            raise EvaluationError(f"mode {mode.name!r} has no symbol {name!r}")
        exact[spec.sympy] = value
    subs = {symbol: to_rational(value) for symbol, value in exact.items()}
    fast = _fast_form(form, target, mode)
    missing_tiers = [name for name in mode.tier_symbols if name not in given]
    uses_tiers = _uses(form, tuple(mode.symbols[n].sympy for n in missing_tiers))
    uses_tiers = uses_tiers or (not form.roots and missing_tiers and table is not None)
    if not uses_tiers:
        found = [p for p in (_root(fast, form, i, subs, exact, target) for i in range(len(form.roots)))
                 if p is not None]
        return TierSolution(_pick(found, current, given, mode, form.solve_for))
    if table is None or mode.tier_basis is None:
        raise EvaluationError("give " + ", ".join(missing_tiers) + " (the rule has no tier table)")
    table = table()
    candidates = []
    rough = None
    if len(table.rows) >= FILTERED_ROWS:
        try:
            rough = {symbol: float(value) for symbol, value in exact.items()}
        except OverflowError:  # a value beyond floats: no estimate, every row is solved exactly
            rough = None
    for row in _rows_to_solve(fast, mode, missing_tiers, table, rough, target):
        row_subs, row_exact = dict(subs), dict(exact)
        for name in missing_tiers:
            value = row.values[mode.tier_symbols[name]]
            row_subs[mode.symbols[name].sympy] = _rational(value)
            row_exact[mode.symbols[name].sympy] = value
        for index in range(len(form.roots)):
            price = _root(fast, form, index, row_subs, row_exact, target)
            if price is None:
                continue
            basis = _basis(fast, mode, row_subs, row_exact, target, price)
            if basis is not None and row.contains(basis, table.bounds):
                candidates.append((row.number, price))
    entry_tier = None
    reference = current
    if reference is None:
        entry = entry_symbol(mode, form.solve_for)
        reference = given.get(entry) if entry else None
    if reference is not None:
        basis = _basis(fast, mode, subs, exact, target, Fraction(reference))
        row = table.row_for(basis) if basis is not None else None
        entry_tier = row.number if row else None
    if not candidates:
        return TierSolution(None, None, entry_tier, ())
    price = _pick([p for _, p in candidates], current, given, mode, form.solve_for)
    tier = next(n for n, p in candidates if p == price)
    return TierSolution(price, tier, entry_tier, tuple(candidates))


_USES: dict = {}


def _uses(form, symbols) -> bool:
    """Whether a root of ``form`` uses one of ``symbols`` (remembered: SymPy recomputes free symbols each time)."""
    key = (id(form), symbols)
    found = _USES.get(key)
    if found is None or found[0] is not form:
        found = _USES[key] = (form, any(symbol in root.free_symbols for symbol in symbols for root in form.roots))
    return found[1]


SLACK = 1e-9
"""Relative slack of the float pre-filter: a row is skipped only when every root's basis, in floats, lies outside
it by more than this (float error over a closed form is ~1e-13), so the exact answer never changes."""


FILTERED_ROWS = 4
"""The fewest rows a table has for :func:`_rows_to_solve` to estimate which to solve: a shorter table's rows are each
solved exactly (the estimate's NumPy set-up costs more than they do: a unified account's haircut tables have three
rows); the exact answer is the same either way."""


def _rows_to_solve(fast, mode, missing_tiers, table, rough, target) -> list:
    """The rows of ``table`` whose roots may have their basis inside the row, by a float estimate: the compiled
    roots run once over NumPy arrays of every row's tier values.  Every row when the estimate cannot be made.
    Skipping a row that cannot hold saves solving it exactly; the exact answer is the same."""
    rows = list(table.rows)
    if fast.rough is None or rough is None or not missing_tiers or len(rows) < FILTERED_ROWS:
        return rows
    roots, rough_basis = fast.rough
    columns, low, high = _row_arrays(mode, missing_tiers, table)
    values = dict(rough)
    values.update(columns)
    keep = numpy.zeros(len(rows), dtype=bool)
    with numpy.errstate(all="ignore"):
        try:
            for root in roots:
                price = root(values)
                basis = numpy.broadcast_to(numpy.asarray(rough_basis({**values, target: price}), dtype=float),
                                           keep.shape)
                keep |= ~numpy.isfinite(basis) | ((basis >= low) & (basis <= high))
        except (KeyError, ZeroDivisionError, OverflowError, TypeError, ValueError):
            return rows  # min/max over arrays, a complex value ...: no estimate
    return [row for row, kept in zip(rows, keep) if kept]


_ARRAYS: dict = {}


def _row_arrays(mode, missing_tiers, table) -> tuple:
    """(symbol -> array of the rows' tier values, rows' floors less the slack, caps plus the slack), once a table."""
    key = (id(table), tuple(missing_tiers))
    found = _ARRAYS.get(key)
    if found is None or found[0] is not table:
        columns = {mode.symbols[name].sympy: numpy.array([float(row.values[mode.tier_symbols[name]])
                                                          for row in table.rows]) for name in missing_tiers}
        floors = numpy.array([float(row.floor) for row in table.rows])
        caps = numpy.array([numpy.inf if row.cap is None else float(row.cap) for row in table.rows])
        low = floors - SLACK * numpy.maximum(numpy.abs(floors), 1.0)
        high = caps + SLACK * numpy.maximum(numpy.abs(numpy.where(numpy.isfinite(caps), caps, 0.0)), 1.0)
        if len(_ARRAYS) > 10_000:
            _ARRAYS.clear()
        found = _ARRAYS[key] = (table, (columns, low, high))
    return found[1]


_RATIONALS: dict = {}


def _rational(value) -> sympy.Rational:
    """``to_rational`` of a tier table's value, remembered: the same rows serve every position of a market."""
    found = _RATIONALS.get(value)
    if found is None:
        if len(_RATIONALS) > 100_000:
            _RATIONALS.clear()
        found = _RATIONALS[value] = to_rational(value)
    return found


def _pick(prices, current, given, mode, solve_for):
    """One price among several consistent roots: the nearest to the current (else entry) price."""
    if not prices:
        return None
    if len(prices) == 1:
        return prices[0]
    reference = current
    if reference is None:
        entry = entry_symbol(mode, solve_for)
        reference = given.get(entry) if entry else None
    if reference is None:
        return prices[0]
    return min(prices, key=lambda p: abs(p - reference))


class _FastForm:
    """A closed form's roots, validity conditions, exclusions and tier basis compiled to exact arithmetic (GMP
    rationals, :func:`~verifier.derive.exact.compile_fraction`: Fractions given are read as mpq, and a price or
    basis found is given back as its Fraction).

    Each piece is None where it could not be compiled; callers then use the SymPy path, which stays the
    reference: the fast path only ever answers where it computes the very same exact value.
    """

    def __init__(self, form, mode):
        self.roots = tuple(compiled_or_none(_compile_exact, root) for root in form.roots)
        excluded = [compiled_or_none(_compile_exact, e) for e in form.excluded]
        conditions = [compiled_or_none(_compile_condition, c) for c in form.conditions]
        self.excluded = None if None in excluded else excluded
        self.conditions = None if None in conditions else conditions
        self.basis = compiled_or_none(_compile_exact, mode.tier_basis.expr) if mode.tier_basis is not None else None
        rough = [compiled_or_none(_compile_float, root) for root in form.roots]  # float estimates for the row pre-filter
        basis = compiled_or_none(_compile_float, mode.tier_basis.expr) if mode.tier_basis is not None else None
        self.rough = None if None in rough or basis is None else (tuple(rough), basis)


def _compile_float(expr):
    return compile_fraction(expr, float)


def _compile_exact(expr):
    return compile_fraction(expr, mpq)


def _compile_condition(relation):
    return compile_condition(relation, mpq)


_FAST: dict = {}


def _fast_form(form, target, mode) -> _FastForm:
    entry = _FAST.get(id(form))
    if entry is None or entry[0] is not form:  # keyed by identity: forms live as long as the derive cache
        entry = (form, _FastForm(form, mode))
        _FAST[id(form)] = entry
    return entry[1]


def _root(fast, form, index, subs, exact, target) -> Fraction | None:
    """Root ``index`` at the given values, valid or None: compiled when it can decide, else :func:`_root_value`."""
    compiled = fast.roots[index]
    if compiled is not None and fast.excluded is not None and fast.conditions is not None:
        try:
            price = compiled(exact)
            if any(e(exact) == price for e in fast.excluded):
                return None
            point = {**exact, target: price, form.variable: price}
            return as_fraction(price) if all(c(point) for c in fast.conditions) else None
        except (KeyError, ZeroDivisionError):
            pass  # a missing input or a singular point: the SymPy path explains or cancels it
    return _root_value(form, form.roots[index], subs, target)


def _basis(fast, mode, subs, exact, target, price) -> Fraction | None:
    """The tier basis at ``price``: compiled when it can, else by SymPy substitution."""
    if fast.basis is not None:
        try:
            return as_fraction(fast.basis({**exact, target: price}))
        except (KeyError, ZeroDivisionError):
            pass
    return _number(mode.tier_basis.expr.subs({**subs, target: to_rational(price)}))


def _number(expr) -> Fraction | None:
    if expr.free_symbols:
        raise EvaluationError("still needs " + ", ".join(sorted(s.name for s in expr.free_symbols)))
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    return to_fraction(expr)


def _root_value(form, root, subs, target) -> Fraction | None:
    """The root at ``subs`` when it is a finite number satisfying the validity conditions, else None."""
    value = sympy.cancel(root.subs(subs)) if root.free_symbols - set(subs) == set() else root.subs(subs)
    if value.free_symbols:
        raise EvaluationError("needs " + ", ".join(sorted(s.name for s in value.free_symbols)))
    price = _number(value)
    if price is None:
        return None
    point = {**subs, target: to_rational(price), form.variable: to_rational(price)}
    for excluded in form.excluded:
        if excluded.subs(subs) == to_rational(price):
            return None
    for condition in form.conditions:
        if condition.subs(point) is not sympy.true:
            return None
    return price
