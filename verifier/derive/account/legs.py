"""Step 3 of evaluating an account: each position read into a :class:`Leg` with its market's data.

The rule's symbols are read from the position's ccxt fields (each symbol's ``snapshot:`` reading); what the
position lacks comes from its market (:class:`~verifier.derive.account.market.MarketData`: ``contractSize``, the
symbols declared with ``market:``, the tier table); every value is checked against its symbol's domain, every
problem located in the account's file.  Then the leg's definitions at its mark, with the tier row the mark's
basis falls in (MV606 / MV607 at the position's symbol when the catalog has no table for it).

The position's own values win: a symbol the position gives (its exchange's own field, e.g. Hyperliquid's
``maxLeverage``) is used instead of the catalog's, and where the catalog version in force says otherwise the leg
records a :class:`CatalogDifference` with both values (reported as a warning).  A bracket is used whole: a
position that gives only some of the tier symbols (ccxt's ``maintenanceMarginPercentage`` without the bracket's
maintenance amount) has them compared with the catalog's row at its mark, not mixed with it.

Only what the answer needs is asked for: a symbol the liquidation price does not use (the mark price of a Binance
isolated position: its price needs the wallet, the entry, the size and the bracket at the liquidation price) may
be absent; the leg then says which quantities it lacks for (``lacks``) and those are left out of the result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from fractions import Fraction

from verifier.derive.account.market import MarketData
from verifier.derive.account.setting import vanishing
from verifier.errors import EvaluationError
from verifier.model.market import POSITION_FIELDS
from verifier.model.numbers import decimal_text
from verifier.model.evaluate import to_rational
from verifier.model.snapshot import evaluate_reading, fields_of
from verifier.model.symbols import in_domain


NO_TIER_ROW = "cannot evaluate the position: no tier row of {symbol} holds basis {basis}"

OUTGROWN_AT_MARK = ("the position has outgrown the tier table of {symbol}: its tier basis at the mark, {basis}, is "
                    "at or past the last bracket's cap ({cap}, tier {tier}), where the market's brackets end")
OUTGROWN_HINT = ("the exchange holds no position past its last bracket: check the size and the mark, or import the "
                 "market's newer tiers")
"""MV619: a position past the end of its market's table (not a gap in it: that is MV603, :data:`NO_TIER_ROW`)."""


def past_last_cap(table, basis) -> bool:
    """Whether ``basis`` lies at or past the cap of ``table``'s last row (the table has ended there).

    >>> from verifier.model.tiers import TierRow, TierTable
    >>> t = TierTable("X", "[floor, cap)", None, {}, (TierRow(1, Fraction(0), Fraction(10), {}),), "t.yaml")
    >>> past_last_cap(t, Fraction(10)), past_last_cap(t, Fraction(9))
    (True, False)
    """
    last = table.rows[-1] if table.rows else None
    return last is not None and last.cap is not None and basis >= last.cap and table.row_for(basis) is None


@dataclass
class Leg:
    """A position while it is evaluated: the rule's symbols read from it, then its definitions at the mark."""

    position: object
    market: MarketData
    values: dict  # rule symbol -> exact value (tier overrides included)
    tier_values: dict  # tier symbol -> value (given by the position, or the table's row at the mark)
    tiered: bool = False  # whether the tier symbols it lacks come from its market's tier table
    at_mark: dict = field(default_factory=dict)  # definition -> value at the mark
    tier: int | None = None
    bracket_source: str | None = None  # 'position' (it gives its tier values) or 'catalog' (the table at the mark)
    differences: list = field(default_factory=list)  # CatalogDifference: the position's own value against the catalog's
    partial: dict = field(default_factory=dict)  # tier symbol -> value of a bracket the position gives only in part
    lacks: dict = field(default_factory=dict)  # symbol -> why it is absent (a quantity the price does not need)
    own_row: object = None  # the tier row the position's exchange says it is in (Position.own_tier), when it says
    assumed: frozenset = frozenset()  # market symbols nobody gave, put in as 0: every term holding one is 0 here

    def exact(self, mode, parameters: dict) -> dict:
        """SymPy symbol -> Fraction: the leg's values, its tier values and the parameters in force."""
        out = dict(parameters)
        for name, value in self.values.items():
            out[mode.symbols[name].sympy] = value
        for name, value in self.tier_values.items():
            out[mode.symbols[name].sympy] = value
        return out


@dataclass(frozen=True)
class CatalogDifference:
    """A value the position gives itself against the catalog's in force on the date: ``symbol`` (the rule's),
    ``field`` (the catalog's: a market field, or a tier column), both values, the catalog version's provenance,
    and whether the position's was used (False: a partial bracket, compared only)."""

    symbol: str
    field: str
    own: Fraction
    catalog: Fraction
    provenance: object  # verifier.model.market.Provenance of the catalog version
    used: bool = True


def read_legs(setting, account) -> list:
    """Every position of ``account`` read as a :class:`Leg`, its definitions at its mark computed (the market data
    resolved once per market)."""
    markets: dict = {}
    legs = []
    price_inputs = _price_inputs(setting)
    for position in account.positions:
        market = markets.get(position.symbol)
        if market is None:
            market = markets[position.symbol] = MarketData.of(setting.rule, position.symbol, setting.date)
            if account.kind == "futures":
                _catalog_call(account, position, market.check_listed)
                _catalog_call(account, position, lambda: market.check_type(setting.rule.product))
        leg = read_leg(setting, account, position, market, price_inputs)
        at_mark_values(setting, account, leg)
        legs.append(leg)
    return legs


def read_leg(setting, account, position, market: MarketData, price_inputs=None) -> Leg:
    """The rule's symbols read from one position, its market filling what it lacks (tier columns and market
    fields the position gives override the catalog).  ``price_inputs``: the symbols the liquidation price uses
    (None: every needed symbol is required)."""
    rule, mode, needed = setting.rule, setting.mode, setting.needed
    fields = _reading_fields(account, position, market)
    values, tier_values, differences, lacks, assumed = {}, {}, [], {}, set()
    if account.kind == "futures" and market.spec is not None:
        for position_field, market_field in POSITION_FIELDS.items():  # contractSize: the position's own first
            own, catalog = position.fields.get(position_field), market.field(market_field)
            if own is not None and catalog is not None and own != catalog:
                differences.append(CatalogDifference(position_field, market_field, own, catalog,
                                                     market.spec.provenance))
    for name, spec in mode.symbols.items():
        if spec.others or (setting.reads is not None and name not in setting.reads):
            continue
        text = spec.snapshot_formula(account.margin_mode)
        value = _read_symbol(account, position, name, spec, text, fields) if text else None
        if spec.market and name in needed:
            if value is None:  # the exchange's own value reported with the position (a ccxt export's market:)
                value = position.market_fields.get(spec.market)
            catalog = market.field(spec.market)
            if value is None and catalog is None:
                if not _vanishes(setting, account, position, name):
                    error = market.missing(f"{name} ({spec.meaning}) comes from the market field {spec.market}")
                    raise account.error(error.code, str(error), position.at("symbol"), hint=error.hint)
                # every term holding it is 0 for this position's readings (a coin that owes nothing: its loan
                # rate), so any value gives the same answer; recorded so that a price that moves those readings
                # away from 0 stops there
                assumed.add(name)
                catalog = Fraction(0)
            if value is not None and catalog is not None and value != catalog:
                differences.append(CatalogDifference(name, spec.market, value, catalog, market.spec.provenance))
            value = catalog if value is None else value
        if value is None and text and not spec.from_tiers and name in needed:
            if price_inputs is not None and name not in price_inputs:
                lacks[name] = _lack_text(account, position, spec, fields)
                continue
            raise _missing_field(account, position, spec, name, fields, market)
        if value is not None:
            _check_domain(account, position, name, spec, value)
            (tier_values if spec.from_tiers else values)[name] = value
    if setting.reads is None:  # a whole evaluation of a held position; not one definition of a hypothetical one
        _check_leverage(account, position, market)  # (the site's reference position swept over leverages, import's diff)
    partial = {}
    # only the tier symbols the evaluation uses on its date: a rule whose maintenance margin read no deduction until
    # a date (Gate's fixed level) prices a position that gives its rate without a tier table
    used = setting.reads if setting.reads is not None else needed
    wanted = [n for n in mode.tier_symbols if n in used]
    # tier tables price futures brackets and, in a unified account, each coin's haircut tiers
    brackets = account.kind == "futures" or rule.product.unified
    if rule.tiers is not None and brackets and 0 < sum(n in tier_values for n in wanted) < len(wanted):
        partial = {n: tier_values.pop(n) for n in wanted if n in tier_values}  # a bracket is used whole
        for name in partial:
            values.pop(name, None)
    own_row = None
    if getattr(position, "own_tier", None) is not None and rule.tiers is not None and account.kind == "futures" \
            and any(n not in tier_values for n in wanted):
        own_row = _own_row(account, position, market)
        for name in wanted:
            tier_values.setdefault(name, Fraction(own_row.values[mode.tier_symbols[name]]))
    tiered = rule.tiers is not None and brackets and any(n not in tier_values for n in wanted)
    if tiered:
        _catalog_call(account, position, market.tier_table)
    leg = Leg(position, market, {**values, **tier_values}, tier_values, tiered, differences=differences,
              partial=partial, lacks=lacks, own_row=own_row, assumed=frozenset(assumed))
    if own_row is not None:
        leg.tier = own_row.number
    return leg


def _vanishes(setting, account, position, name) -> bool:
    """Whether symbol ``name`` leaves every condition and definition of the mode once this position's readings
    that are exactly 0 are put in (:func:`~verifier.derive.account.setting.vanishing` for one position: the symbol
    is this position's, and the others-sums add each position's definitions at its own readings)."""
    exprs = [condition.relation for condition in setting.mode.conditions.values()]
    one = replace(account, positions=(position,))
    return name in vanishing(setting.mode, one, setting.parameters, exprs, {name})


def _own_row(account, position, market: MarketData):
    """The row of the market's tier table (in force on the date) whose cap is the position's own tier's: the
    exchange's word for the bracket it applies (a located MV603 when the table has no such row)."""
    table = _catalog_call(account, position, market.tier_table)
    found = next((row for row in table.rows if row.cap == position.own_tier), None)
    if found is None:
        caps = ", ".join(decimal_text(row.cap) for row in table.rows if row.cap is not None)
        provenance = market.tiers_provenance()
        version = f" (source {provenance.source}, effective {provenance.effective.isoformat()})" if provenance else ""
        layout = market.catalog.layout if market.catalog is not None else None
        place = position.at(layout.cap_ccxt) if layout is not None else position.at()  # the raw field it came from
        raise account.error("MV603", f"{position.symbol}: the position's own tier has the limit "
                                     f"{decimal_text(position.own_tier)}, which is no tier of the catalog's table"
                                     f"{version}, whose limits are {caps}", place,
                            hint="the table in the catalog is not the one the exchange applied: import its tiers of "
                                 f"that date (margin-verifier import {market.rule_id} --tiers TIERS.json)")
    return found


def _price_inputs(setting) -> frozenset | None:
    """The names of the symbols the mode's liquidation price uses (its closed form's roots, and the tier basis
    when the bracket comes from a table), less the price itself: those a position must give; None when it cannot
    be told (no closed form), so that every needed symbol is required."""
    mode, rule = setting.mode, setting.rule
    if setting.reads is not None or "liquidation" not in mode.conditions:
        return None
    key = (rule.derivation_key, mode.name, tuple(sorted(setting.parameters.items(), key=str)))
    found = _PRICE_INPUTS.get(key)
    if found is None:
        from verifier.derive.derivation import derive_rule
        from verifier.errors import DerivationError
        try:
            form = derive_rule(rule).closed_form(mode.name, "liquidation")
        except DerivationError:
            return None
        values = {symbol: to_rational(value) for symbol, value in setting.parameters.items()}
        used = set().union(*(root.xreplace(values).free_symbols for root in form.roots))
        if mode.tier_basis is not None:
            used |= mode.tier_basis.expr.free_symbols
        names = {spec.sympy: name for name, spec in mode.symbols.items()}
        found = frozenset(names[s] for s in used if s in names) - {form.solve_for}
        found |= {name for name, spec in mode.symbols.items() if spec.others}
        _PRICE_INPUTS[key] = found
    return found


_PRICE_INPUTS: dict = {}


def at_mark_values(setting, account, leg: Leg) -> None:
    """Every definition of the mode at the leg's own values (tiers at the mark), except ones needing the others
    (only the setting's ``definitions`` when it names them)."""
    mode, compiled = setting.mode, setting.compiled
    values = dict(setting.parameters)
    others, symbols = mode.others, mode.symbols  # (each a property built at each use: once here)
    for name, value in leg.values.items():
        if name not in others:
            values[symbols[name].sympy] = value
    used = setting.reads if setting.reads is not None else setting.needed
    missing = [name for name in mode.tier_symbols if name not in leg.tier_values and name in used]
    if any(name in used for name in mode.tier_symbols) and not missing:
        leg.bracket_source = "position"
        # the catalog's bracket compared (warnings) for a held position, not where only some definitions are
        # asked of it (their callers read those alone: a unified account's product positions, compare's funding)
        if setting.rule.tiers is not None and account.kind == "futures" and setting.definitions is None:
            _compare_bracket(setting, leg, values)
    if leg.tiered and mode.tier_basis is not None and missing:
        basis = compiled.tier_basis(mode, values)
        if basis is None:
            absent = sorted(s.name for s in mode.tier_basis.expr.free_symbols if s not in values)
            if set(absent) <= set(leg.lacks):  # e.g. no mark: no bracket at the mark either (the price has its own)
                missing = []
            else:
                raise account.error("MV603", "cannot evaluate the position: the tier basis needs " + ", ".join(
                    absent), leg.position.at())
    if leg.tiered and mode.tier_basis is not None and missing:
        table = leg.market.tier_table()
        row = table.row_for(basis)
        if row is None and past_last_cap(table, basis):
            last = table.rows[-1]
            raise account.error("MV619", OUTGROWN_AT_MARK.format(symbol=leg.market.symbol, basis=basis, cap=last.cap,
                                                                 tier=last.number), leg.position.at(),
                                hint=OUTGROWN_HINT)
        if row is None:
            raise account.error("MV603", NO_TIER_ROW.format(symbol=leg.market.symbol, basis=basis), leg.position.at())
        leg.tier, leg.bracket_source = row.number, "catalog"
        for name in missing:
            leg.tier_values[name] = Fraction(row.values[mode.tier_symbols[name]])
            values[mode.symbols[name].sympy] = leg.tier_values[name]
        for name, own in leg.partial.items():  # a bracket given in part: compared with the row used, not used
            catalog = leg.tier_values[name]
            if own != catalog:
                leg.differences.append(CatalogDifference(name, mode.tier_symbols[name], own, catalog,
                                                         leg.market.tiers_provenance(), used=False))
    others = {symbols[n].sympy for n in others}
    wanted = setting.definitions  # only those asked for (None: every one)
    for name, definition in mode.definitions.items():
        if wanted is not None and name not in wanted or _symbols_of(definition.expr) & others:
            continue
        value = compiled.value(mode, name, values)
        if value is not None:
            leg.at_mark[name] = value


@functools.lru_cache(maxsize=4096)
def _symbols_of(expr) -> frozenset:
    """``expr.free_symbols``, cached: SymPy walks the expression at each call, and every leg asks of every
    definition."""
    return frozenset(expr.free_symbols)


def _compare_bracket(setting, leg, values) -> None:
    """A bracket the position gives whole, against the catalog's row at its mark (when the catalog has a table
    for its market on the date): each value that differs is a :class:`CatalogDifference` (the position's used)."""
    mode = setting.mode
    try:
        table = leg.market.tier_table()
    except EvaluationError:
        return  # no table to compare with: the position's bracket is all there is
    basis = setting.compiled.tier_basis(mode, values)
    row = table.row_for(basis) if basis is not None else None
    if leg.own_row is not None:  # the exchange's tier, against the row the basis falls in (None: beyond the table)
        if row is not None and row.number != leg.own_row.number:
            unbounded = " (unbounded: its floor)" if row.cap is None else ""
            leg.differences.append(CatalogDifference(
                "tier limit", f"tier {leg.own_row.number} against tier {row.number}{unbounded}, the row its basis "
                f"{decimal_text(basis)} falls in", leg.own_row.cap, row.cap if row.cap is not None else row.floor,
                leg.market.tiers_provenance()))
        return
    if row is None:
        return
    for name, column in mode.tier_symbols.items():
        if name not in leg.tier_values:
            continue  # a column the version in force does not use (Gate's cum before its tiered form)
        catalog = Fraction(row.values[column])
        if leg.tier_values[name] != catalog:
            leg.differences.append(CatalogDifference(name, column, leg.tier_values[name], catalog,
                                                     leg.market.tiers_provenance()))


def _reading_fields(account, position, market) -> dict:
    """The ccxt fields a symbol's reading may use: the position's, its side, the account's wallet, and the fields
    the position lacks that its market in the catalog gives (``contractSize``)."""
    fields = dict(position.fields)
    if account.kind == "futures":
        fields["side"] = Fraction(position.sign)
        if account.wallet_balance is not None:
            fields.setdefault("walletBalance", account.wallet_balance)
        fields = market.fill(fields)
    return fields


def _read_symbol(account, position, name, spec, text, fields):
    try:
        return evaluate_reading(spec.reading(account.margin_mode), fields)
    except EvaluationError as exc:
        raise account.error("MV602", unreadable_message(name, spec, text, str(exc)), position.at()) from None


def unreadable_message(name, spec, text, reason) -> str:
    """A symbol whose reading cannot be computed (a division by zero in it).  The messages of this module are
    functions so that the site's calculator (:mod:`verifier.docs.calculator`) writes the very same words."""
    return f"cannot read {name} ({spec.meaning}) as {text}: {reason}"


def domain_message(name, spec, reading, value_text) -> str:
    """A value outside its symbol's declared domain; ``value_text`` is the value as a Fraction prints it."""
    # numbers in a message are exact fractions (str of a Fraction: 3, 1/3); reports format through verifier.report
    wanted = " and ".join(f"{op} {Fraction(b)}" for op, b in spec.domain) or \
        "one of " + ", ".join(str(Fraction(v)) for v in spec.one_of)
    return f"{name} ({spec.meaning}) must be {wanted}; {reading} gives {value_text}"


def missing_message(where, missing, name, meaning) -> str:
    """A field the rule reads for a symbol the answer needs, absent from the position or the snapshot."""
    return f"{where} is missing {', '.join(map(repr, missing))} (needed for {name}: {meaning.strip()})"


def leverage_message(symbol, value_text, limit, where) -> str:
    """A position's leverage above the highest its market allows (``where``: what in the catalog says so)."""
    return f"leverage {value_text} is above the highest {symbol} allows, {Fraction(limit)} ({where})"


LEVERAGE_HINT = ("the exchange refuses such a leverage: check the position's leverage, or evaluate on the date the "
                 "position was opened (--date) if the market's limit has changed since")


def _check_leverage(account, position, market: MarketData) -> None:
    """A position's leverage is at most its market's limit on the date, when the catalog gives one."""
    leverage = position.fields.get("leverage")
    limit = market.leverage_limit() if leverage is not None else None
    if limit is not None and leverage > limit[0]:
        raise account.error("MV602", leverage_message(position.symbol, str(Fraction(leverage)), *limit),
                            position.at("leverage"), hint=LEVERAGE_HINT)


def _catalog_call(account, position, call):
    """``call()``, its coded error (a market the catalog lacks, no version on the date) located at the symbol."""
    try:
        return call()
    except EvaluationError as exc:
        raise account.error(exc.code, str(exc), position.at("symbol"), hint=exc.hint) from None


def _check_domain(account, position, name, spec, value) -> None:
    """A value read from the account lies in the symbol's declared domain (an entry price of 0 is not a price)."""
    allowed = in_domain(value, spec.domain) and (not spec.one_of or value in spec.one_of)
    if allowed:
        return
    wanted = " and ".join(f"{op} {Fraction(b)}" for op, b in spec.domain) or \
        "one of " + ", ".join(str(Fraction(v)) for v in spec.one_of)
    reading = spec.snapshot_formula(account.margin_mode)
    if reading is None:  # the position's own value of a market field (a ccxt export's market:), or the catalog's
        own = spec.market in position.market_fields
        where = f"the position's {spec.market}" if own else f"the catalog's {spec.market}"
        raise account.error("MV602", f"{name} ({spec.meaning}) must be {wanted}; {where} gives {Fraction(value)}",
                            position.at(spec.market) if own else position.at("symbol"))
    names = sorted(fields_of(spec.reading(account.margin_mode)))
    on_account = names == ["walletBalance"] and "walletBalance" not in position.fields
    place = account.at(names[0]) if on_account else position.at(names[0] if len(names) == 1 else None)
    origins = "; ".join(f"{n} is {position.origins[n]}" for n in names if n in position.origins)
    hint = f"the rule reads {name} as {reading}" + (f" ({origins})" if origins else "") + "; check the snapshot's fields"
    raise account.error("MV602", domain_message(name, spec, reading, str(Fraction(value))), place, hint=hint)


def _lack_text(account, position, spec, fields) -> str:
    """What a position lacks for a symbol the liquidation price does not need (for the quantities that need it)."""
    missing = sorted(fields_of(spec.reading(account.margin_mode)) - set(fields))
    hint = _origin_hint(position, missing)
    return f"the position does not give {', '.join(missing)}" + (f" ({hint})" if hint else "")


def _missing_field(account, position, spec, name, fields, market) -> EvaluationError:
    missing = sorted(fields_of(spec.reading(account.margin_mode)) - set(fields))
    on_account = missing[0] == "walletBalance" if missing else False
    where = "snapshot" if on_account else "position"
    from_market = [f for f in missing if f in POSITION_FIELDS]
    if from_market and market.catalog is not None:  # the catalog could have given it: say why it did not
        error = market.missing(f"{from_market[0]} (needed for {name}: {spec.meaning})")
        return account.error(error.code, str(error), position.at("symbol"), hint=error.hint)
    hint = account.hints.get(missing[0]) if on_account else _origin_hint(position, missing)
    if on_account and account.settle:
        where = f"the {account.settle} cross pool"
    place = account.at("walletBalance") if on_account else position.at(missing[0] if len(missing) == 1 else None)
    return account.error("MV600", missing_message(where, missing, name, spec.meaning),
                         place if place.key else (account.at() if on_account else position.at()), hint=hint)


def _origin_hint(position, missing) -> str | None:
    """For a ccxt export: where the rule reads each missing field (or that its ccxt mapping does not read it)."""
    if not position.origins and position.index is None:
        return None
    notes = [f"{name}: read from {position.origins[name]}" if name in position.origins else
             f"{name}: the rule's ccxt mapping does not read it from a ccxt export for this position" for name in
             missing]
    return "; ".join(notes) if position.origins or position.reported is not None else None
