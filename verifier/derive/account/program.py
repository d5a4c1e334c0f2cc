"""A rule compiled once for evaluating accounts: a :class:`Program`, plain data and exact rational code.

What :func:`verifier.derive.account.evaluate_account` decides again for every account -- the rule's version on the
date, the mode, the parameters in force, the symbols the answer needs, each reading, definition, condition and
closed form -- is decided here once, by the very functions the reference evaluation uses
(:mod:`~verifier.derive.account.setting`, :func:`verifier.derive.derivation.derive_rule`), for every interval of
dates between two changes of the rule (a parameter's or a formula's effective date), and each SymPy tree is
compiled to straight-line code over GMP rationals (:mod:`verifier.derive.rational_code`).  Dates inside one
interval give the same answers, so a date picks its interval by bisection.  The market catalog's markets come
along, each pickled apart and unpickled when first asked for.

A program holds no SymPy object: pickled (:meth:`Program.to_bytes`), it is loaded and run
(:mod:`~verifier.derive.account.run`) without SymPy, the formula language or the rule's files -- what a warm
``margin-verifier evaluate`` does (:mod:`verifier.jobs.evaluate`).  Whatever could not be compiled is recorded with
its reason; the run then hands the account to the reference evaluation, which stays the reference.

>>> from verifier.read import load_rule
>>> program = build_program(load_rule("binance/usdm-perpetual"))
>>> plan = program.view(None).plans["isolated"]
>>> plan.compiled, [name for name, _, _ in plan.definitions][:3]
(True, ['notional', 'upnl', 'initial_margin'])
>>> program.market("BTC/USDT:USDT").symbol
'BTC/USDT:USDT'
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as _dt
import enum
import pickle
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from types import SimpleNamespace

from gmpy2 import mpq

PROGRAM_FORMAT = 4
"""Bumped whenever what a program holds, or what its run reads from it, changes: a stored program of another
format is never loaded."""

RATIOS = ("margin_ratio", "margin_level")  # the same as verifier.derive.account.evaluation.RATIOS
_COMPARISONS = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">", "GreaterThan": ">=",
                "Equality": "==", "Unequality": "!="}
STATUS_CONDITIONS = ("liquidation", "margin_call")


@dataclass(frozen=True)
class SymbolPlan:
    """One symbol read from a position: its reading per margin mode (``mode -> Code``), the market field that
    supplies it otherwise, whether the tier table does, its domain, and whether the mode's conditions need it."""

    name: str
    readings: dict
    market: str | None
    from_tiers: bool
    domain: tuple  # ((op, mpq), ...)
    one_of: tuple | None
    needed: bool


@dataclass(frozen=True)
class FormPlan:
    """The liquidation condition's closed form, compiled: ``flat`` solves it with every tier symbol given;
    ``tiered`` with the table supplying every tier symbol, row by row (None where the form has no tier symbol or
    the mode no tier basis); ``roots`` the symbol names each root uses; ``entry`` the symbol read from
    ``entryPrice`` (the reference price when there is no current one)."""

    solve_for: str
    roots: tuple
    flat: object
    tiered: object
    entry: str | None


@dataclass(frozen=True)
class ModePlan:
    """Everything one mode needs on one interval of dates.  ``compiled`` False (with ``reason``): something could
    not be compiled, and every account of the mode goes to the reference evaluation."""

    name: str
    account: str
    refused: bool = False  # a parameter has no value on these dates (the reference says where: MV604)
    compiled: bool = True
    reason: str | None = None
    parameters: dict = field(default_factory=dict)  # name -> mpq
    needed: frozenset = frozenset()
    readable: dict = field(default_factory=dict)  # margin mode -> whether every needed symbol can be read
    symbols: tuple = ()  # SymbolPlan, the mode's symbols but the others sums, in the mode's order
    tier_symbols: tuple = ()  # (name, column), in the mode's order
    basis: object = None  # Code of the tier basis, or None (the mode has none)
    basis_names: frozenset = frozenset()
    definitions: tuple = ()  # (name, Code, uses an others sum)
    conditions: tuple = ()  # the names of all the mode's conditions
    status: dict = field(default_factory=dict)  # liquidation / margin_call -> compiled condition
    others: tuple = ()  # (symbol, definition)
    form: FormPlan | None = None  # None: the mode has no liquidation condition
    form_failure: str | None = None  # the derivation found no closed form (the reference says so: MV603)
    mark: object = None  # Code: every definition without an others sum, then both sides of each status relation
    mark_definitions: tuple = ()  # the definitions ``mark`` gives first, in order
    mark_status: tuple = ()  # (condition, comparison) whose sides ``mark`` gives next, two values each

    @property
    def ratio(self) -> str | None:
        names = {name for name, _, _ in self.definitions}
        return next((name for name in RATIOS if name in names), None)


@dataclass(frozen=True)
class View:
    """The rule on one interval of dates: its modes ``(name, account, leverage)`` in order and each one's plan;
    ``refused`` when the rule does not know its formulas then (the reference says where: MV604)."""

    modes: tuple = ()
    plans: dict = field(default_factory=dict)
    refused: bool = False


@dataclass(frozen=True)
class CcxtRule:
    """What the ccxt export reader (:mod:`verifier.read.ccxt_export`) asks of a rule: its id, exchange, product
    and ``ccxt:`` mapping, the mapping's readings made :class:`~verifier.model.snapshot.PlainReading` -- so that a
    program found without loading its rule reads a ccxt export without SymPy."""

    id: str
    exchange: str
    product: object  # verifier.model.products.Product
    ccxt: object  # verifier.model.ccxt_mapping.CcxtMapping


@dataclass
class Program:
    """A rule compiled for evaluating accounts (see the module docstring)."""

    rule_id: str
    display: object  # verifier.model.display.Display
    price: str  # the rule's price symbol
    market_type: str  # the product's market type (linear, inverse, spot)
    stale_after_days: int
    catalog_id: str | None
    exchange: str | None
    has_catalog: bool
    has_tiers: bool
    boundaries: tuple  # the dates the rule changes on, in order
    views: tuple  # View per interval: before the first boundary, then from each boundary on
    latest: View  # the rule on no date (its latest values)
    markets: dict = field(default_factory=dict, repr=False)  # symbol -> pickled Market (or the Market)
    source: str = ""  # what it was built from (the rule's derivation key), for a reader of a stored program
    reads: dict = field(default_factory=dict)  # mode -> margin mode -> the position fields it reads (fields_read)
    leverage_column: str | None = None  # the catalog's tier column of the maximum leverage (a market's limit)
    ccxt: CcxtRule | None = None  # what reading a ccxt export asks of the rule, without SymPy (None: load the rule)
    _catalog: object = field(default=None, repr=False, compare=False)  # the live catalog, in the building process

    def view(self, date: _dt.date | None) -> View:
        """The rule on ``date``."""
        if date is None:
            return self.latest
        return self.views[bisect.bisect_right(self.boundaries, date)]

    def market(self, symbol: str):
        """The catalog's :class:`~verifier.model.market.Market` ``symbol`` (None: not listed, or no catalog)."""
        if self._catalog is not None:
            return self._catalog.market(symbol)
        found = self.markets.get(symbol)
        if isinstance(found, bytes):
            found = self.markets[symbol] = pickle.loads(found)  # our own bytes: see to_bytes
        return found

    def to_bytes(self) -> bytes:
        """The program, every market of the catalog with it, as bytes (``from_bytes`` loads them without SymPy).

        They are a pickle of this module's and the model's plain data classes, written by the toolkit into its own
        cache or package and read back only from there (trusted like the installed code, as the derivation cache's
        pickles are); never anything a user hands us."""
        markets = dict(self.markets)
        if self._catalog is not None:
            for symbol in self._catalog.symbols():
                markets[symbol] = _stripped(self._catalog.market(symbol))
        markets = {symbol: m if isinstance(m, bytes) else pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL)
                   for symbol, m in markets.items()}
        data = dataclasses.replace(self, markets=markets, _catalog=None)
        return zlib.compress(pickle.dumps((PROGRAM_FORMAT, data), protocol=pickle.HIGHEST_PROTOCOL), 6)


def from_bytes(data: bytes) -> Program | None:
    """The program :meth:`Program.to_bytes` wrote, or None (another format, or not a program)."""
    try:
        version, program = pickle.loads(zlib.decompress(data))  # our own bytes: see Program.to_bytes
    except Exception:  # noqa: BLE001 - a corrupt or foreign entry is no program
        return None
    return program if version == PROGRAM_FORMAT and isinstance(program, Program) else None


def _stripped(market):
    """A market without its tier tables' column units (the formula language's objects; evaluation reads none)."""
    if market is None or not market.tiers:
        return market
    tiers = tuple(dataclasses.replace(v, table=dataclasses.replace(v.table, columns={})) for v in market.tiers)
    return dataclasses.replace(market, tiers=tiers)


# ------------------------------------------------------------------------------------------------ building (SymPy)


def build_program(rule) -> Program:
    """Compile ``rule`` (a loaded :class:`~verifier.model.rule.Rule`) for evaluating accounts on any date."""
    boundaries = change_dates(rule)
    views = tuple(_view(rule, date) for date in _representatives(boundaries))
    catalog = rule.markets
    return Program(rule.id, rule.display, rule.price, rule.product.market_type, rule.stale_after_days,
                   catalog.id if catalog is not None else None, catalog.exchange if catalog is not None else None,
                   catalog is not None, rule.tiers is not None, boundaries, views, _view(rule, None),
                   source=rule.derivation_key, reads=fields_read(rule),
                   leverage_column=catalog.layout.max_leverage if catalog is not None and catalog.layout else None,
                   ccxt=ccxt_rule(rule), _catalog=catalog)


def ccxt_rule(rule) -> CcxtRule | None:
    """The :class:`CcxtRule` of ``rule``; None when it has no ``ccxt:`` section or a reading of it is one only
    SymPy computes (the reader then loads the rule).

    >>> from verifier.read import load_rule
    >>> found = ccxt_rule(load_rule("hyperliquid/perpetual"))
    >>> found.id, str(found.ccxt.position["markPrice"].formula("cross")[1])
    ('hyperliquid/perpetual', 'positionValue/Abs(szi)')
    """
    if rule.ccxt is None:
        return None
    try:
        return CcxtRule(rule.id, rule.exchange, rule.product, _plain(rule.ccxt))
    except _NotPlain:
        return None


class _NotPlain(Exception):
    """A reading :func:`~verifier.model.snapshot.plain_reading` cannot make plain."""


def _plain(value):
    """``value`` (the mapping, or a part of it) with every SymPy reading replaced by its plain one."""
    import sympy

    from verifier.model.snapshot import plain_reading

    if isinstance(value, sympy.Basic):
        plain = plain_reading(value)
        if plain is None:
            raise _NotPlain(str(value))
        return plain
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changed)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (str, int, float, bool, type(None), Fraction, enum.Enum)):
        return value
    raise _NotPlain(type(value).__name__)  # a kind of part this walk does not know: keep the rule's own


def fields_read(rule) -> dict:
    """``mode -> margin mode -> frozenset``: the position fields each of the rule's modes reads in each margin mode
    (its symbols' readings, and the fields a market fills: what a snapshot may give without being told it is not
    read, :func:`verifier.jobs.evaluate.snapshot_unread`)."""
    from verifier.model.market import POSITION_FIELDS
    from verifier.model.snapshot import fields_of

    out = {}
    for name, mode in rule.modes.items():
        out[name] = {}
        for margin_mode in ("cross", "isolated"):
            read = set(POSITION_FIELDS)
            for spec in mode.symbols.values():
                if spec.snapshot_formula(margin_mode):
                    read |= fields_of(spec.reading(margin_mode))
            out[name][margin_mode] = frozenset(read)
    return out


def change_dates(rule) -> tuple:
    """Every date on which something an evaluation reads from the rule may change: a parameter's effective date,
    a formula regime's start or end."""
    dates = set()
    modes = list(rule.modes.values()) + [m for r in rule.regimes if r.modes for m in r.modes.values()]
    for parameter in [*rule.parameters.values(), *(p for m in modes for p in m.parameters.values())]:
        dates.update(since for since, _ in parameter.values if since is not None)
    for regime in rule.regimes:
        dates.update(d for d in (regime.since, regime.until) if d is not None)
    return tuple(sorted(dates))


def _representatives(boundaries) -> list:
    """One date inside each interval the boundaries cut: the day before the first, then each boundary."""
    if not boundaries:
        return [_dt.date(2000, 1, 1)]
    return [boundaries[0] - _dt.timedelta(days=1), *boundaries]


def _view(rule, date) -> View:
    from verifier.derive.account.setting import rule_at
    from verifier.errors import EvaluationError

    try:
        view = rule_at(rule, date)
    except EvaluationError:
        return View(refused=True)
    modes = tuple((name, mode.account, mode.leverage) for name, mode in view.modes.items())
    return View(modes, {name: _plan(view, mode, date) for name, mode in view.modes.items()})


def _plan(rule, mode, date) -> ModePlan:
    from verifier.derive.account.setting import check_date, check_readable, needed_symbols, parameter_values
    from verifier.derive.rational_code import NotCompilable
    from verifier.errors import EvaluationError

    try:
        check_date(rule, mode, date)
    except EvaluationError:
        return ModePlan(mode.name, mode.account, refused=True)
    parameters = parameter_values(mode, date)
    needed = needed_symbols(mode, parameters, [c.relation for c in mode.conditions.values()])
    readable = {}
    for margin_mode in ("cross", "isolated"):
        try:
            check_readable(rule, mode, SimpleNamespace(margin_mode=margin_mode), needed)
            readable[margin_mode] = True
        except EvaluationError:
            readable[margin_mode] = False
    base = dict(name=mode.name, account=mode.account, parameters={s.name: mpq(v) for s, v in parameters.items()},
                needed=needed, readable=readable, conditions=tuple(mode.conditions))
    try:
        return ModePlan(**base, **_compiled(rule, mode, needed))
    except NotCompilable as exc:
        return ModePlan(**base, compiled=False, reason=str(exc))


def _compiled(rule, mode, needed) -> dict:
    """The mode's SymPy trees compiled (:class:`NotCompilable` when one cannot be)."""
    from verifier.derive.derivation import derive_rule
    from verifier.derive.rational_code import (NotCompilable, compile_code, compile_condition, compile_many,
                                               compile_solver)
    from verifier.derive.tiers import entry_symbol
    from verifier.errors import DerivationError

    symbols = []
    for name, spec in mode.symbols.items():
        if spec.others:
            continue
        readings = {mm: compile_code(spec.reading(mm)) for mm in ("cross", "isolated") if spec.snapshot_formula(mm)}
        symbols.append(SymbolPlan(name, readings, spec.market, bool(spec.from_tiers),
                                  tuple((op, mpq(bound)) for op, bound in spec.domain),
                                  tuple(mpq(v) for v in spec.one_of) if spec.one_of else None, name in needed))
    others = {mode.symbols[n].sympy for n in mode.others}
    tier_symbols = tuple(mode.tier_symbols.items())
    basis = compile_code(mode.tier_basis.expr) if mode.tier_basis is not None else None
    basis_names = frozenset(s.name for s in mode.tier_basis.expr.free_symbols) if basis is not None else frozenset()
    if basis_names & set(mode.tier_symbols):
        raise NotCompilable("a tier basis that reads a tier symbol")
    out = dict(symbols=tuple(symbols), tier_symbols=tier_symbols, basis=basis, basis_names=basis_names,
               definitions=tuple((name, compile_code(d.expr), bool(d.expr.free_symbols & others))
                                 for name, d in mode.definitions.items()),
               status={name: compile_condition(mode.conditions[name].relation) for name in STATUS_CONDITIONS
                       if name in mode.conditions},
               others=tuple(mode.others.items()))
    alone = [(name, d.expr) for name, d in mode.definitions.items() if not d.expr.free_symbols & others]
    sides = [(name, mode.conditions[name].relation) for name in STATUS_CONDITIONS if name in mode.conditions]
    sides = [(name, relation) for name, relation in sides if type(relation).__name__ in _COMPARISONS]
    out.update(mark=compile_many([expr for _, expr in alone] + [side for _, r in sides for side in (r.lhs, r.rhs)]),
               mark_definitions=tuple(name for name, _ in alone),
               mark_status=tuple((name, _COMPARISONS[type(relation).__name__]) for name, relation in sides))
    if "liquidation" in mode.conditions:
        try:
            form = derive_rule(rule).closed_form(mode.name, "liquidation")
        except DerivationError as exc:
            out["form_failure"] = str(exc)
            return out
        tiers = tuple(mode.tier_symbols)
        used = tuple(frozenset(s.name for s in root.free_symbols) for root in form.roots)
        tiered = None
        if tiers and mode.tier_basis is not None and any(set(tiers) & names for names in used):
            tiered = compile_solver(form.roots, form.excluded, form.conditions, mode.tier_basis.expr,
                                    form.solve_for, tiers)
        flat = compile_solver(form.roots, form.excluded, form.conditions, None, form.solve_for, ())
        out["form"] = FormPlan(form.solve_for, used, flat, tiered, entry_symbol(mode, form.solve_for))
    return out

