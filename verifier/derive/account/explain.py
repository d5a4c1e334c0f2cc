"""Why each number of an account's evaluation is what it is: :func:`explain_account`, the trace ``--explain`` shows.

For every position, the chain from the inputs to the result, in the reference evaluation's own steps
(:mod:`~verifier.derive.account.setting`, :mod:`~verifier.derive.account.legs`,
:mod:`~verifier.derive.account.pricing`) run again on the same account:

* each **input** (a rule symbol) with its value and where it came from: the position's fields as the rule reads
  them (each field's place in the user's file, and for a ccxt export the raw field the rule maps), the account's
  wallet, the market catalog (market, version's effective date, its source, the catalog file), the tier table, the
  other positions' sum (each one's share), or a rule constant (its value in force and since when);
* the **tier** used at the mark and why: the bracket's bounds, the basis it was looked up at, the table version;
* each **value**, a definition of the rule's mode at the mark: its formula as written, the rule file and line, its
  source;
* the **liquidation price**: the condition it solves, the tier row whose root lies in that row (the bracket of the
  price itself), the exchange's published formula where the rule has one for the mode, or the reason there is none;
* the position's fields the rule does not read.

Only reading: the trace never feeds a result.  The evaluation that prints the numbers is the one the evaluate job
runs; with ``--explain`` the job runs the reference evaluation (:mod:`verifier.jobs.evaluate`), whose steps these
are, and says so.  Numbers are exact :class:`~fractions.Fraction`\\ s; :mod:`verifier.report.explain` writes them.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000",
...     "collateral": "1000"}]})
>>> [trace] = explain_account(load_rule("binance/usdm-perpetual"), account, date=datetime.date(2024, 10, 1))
>>> [(i.symbol, i.origin) for i in trace.inputs][:4]
[('P', 'position'), ('EP', 'position'), ('q', 'position'), ('s', 'position')]
>>> trace.tier.number, trace.tier.basis_value, trace.liquidation.tier.number
(2, Fraction(60000, 1), 2)
>>> [(v.name, v.text) for v in trace.values][:2]
[('notional', 'q * P'), ('upnl', 's * q * (P - EP)')]
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import DerivationError, EvaluationError
from verifier.model.snapshot import fields_of

REASON = "--explain hands every pool to the reference evaluation, whose steps the trace follows"
"""Why the evaluate job hands an explained account to the reference evaluation (said with the trace)."""


@dataclass(frozen=True)
class Where:
    """A place in a file: the file, its line (None: unknown) and a JSON path or the key's dotted path."""

    file: str | None
    line: int | None
    path: str | None = None


@dataclass(frozen=True)
class Field:
    """One field an input was read from: its name (ccxt's, or the catalog's), value, and where it was found."""

    name: str
    value: Fraction | None
    where: Where | None
    via: str | None = None  # a ccxt export: the raw field the rule's mapping reads it from (and its source)
    note: str | None = None  # e.g. "the position gives none: the market catalog's"
    catalog: "CatalogVersion | None" = None  # the catalog version that filled it


@dataclass(frozen=True)
class CatalogVersion:
    """The catalog version a value comes from: market, part ('market' or 'tiers'), effective date, source, file."""

    catalog: str
    market: str
    part: str
    effective: _dt.date | None
    seen: _dt.date | None
    source: str | None
    file: str | None


@dataclass(frozen=True)
class Input:
    """One rule symbol's value and where it came from.

    ``origin``: ``position`` (read from the position's fields by ``reading``), ``account`` (the pool's wallet),
    ``catalog`` (a market field), ``position-own`` (a catalog field the position gives itself), ``tiers`` (the
    tier row at the mark), ``position-bracket`` (the position gives its bracket), ``others`` (summed over the other
    positions: ``shares``), ``parameter`` (a rule constant, in force ``since``)."""

    symbol: str
    value: Fraction
    meaning: str
    origin: str
    declared: Where | None  # where the rule declares the symbol (or the parameter)
    source: str | None = None  # the rule's source id for it
    reading: str | None = None
    fields: tuple = ()  # Field
    catalog: CatalogVersion | None = None
    column: str | None = None  # a tier symbol: the table's column
    shares: tuple = ()  # others: (position label, value of the summed definition at its mark)
    summed: str | None = None  # others: the definition summed
    since: _dt.date | None = None  # parameter: the date its value holds from (None: open)


@dataclass(frozen=True)
class Bracket:
    """A tier row and why: its number, bounds and convention, the basis it was looked up at and that basis' value,
    the column values used, the table version."""

    number: int
    floor: Fraction
    cap: Fraction | None
    bounds: str
    basis: str  # the rule's basis formula (e.g. 'notional')
    basis_value: Fraction
    at: str  # what price the basis was computed at: 'mark' or 'liquidation price'
    values: tuple  # (symbol, column, value)
    version: CatalogVersion | None
    declared: Where | None  # the rule's tiers: basis


@dataclass(frozen=True)
class Step:
    """A definition of the mode at the mark: name, formula as written, meaning, value, rule file line, source."""

    name: str
    text: str
    meaning: str | None
    value: Fraction | None
    declared: Where | None
    source: str | None


@dataclass(frozen=True)
class Liquidation:
    """How the liquidation price was found: the condition solved, the bracket its root lies in, the published
    formula for the mode (when the rule has one), the other tier-consistent roots, or why there is none."""

    condition: str  # its text as written
    solve_for: str
    declared: Where | None
    source: str | None
    price: Fraction | None
    reason: str | None
    tier: Bracket | None  # the row the price lies in (None: the position gives its bracket, or no tiers)
    candidates: tuple = ()  # (row, price) of every tier-consistent root
    published: tuple = ()  # (formula text, where, source) of the exchange's formulas for this mode
    hedged: bool = False  # solved with the same market's opposite leg moving with the price


@dataclass(frozen=True)
class Explanation:
    """One position's trace (see the module's docstring)."""

    symbol: str
    side: str
    index: int | None
    rule: str
    rule_file: str
    mode: str
    margin_mode: str
    date: _dt.date | None
    inputs: tuple  # Input
    tier: Bracket | None  # the row at the mark (None: the position gives its bracket, or the rule has no tiers)
    bracket_source: str | None
    values: tuple  # Step
    liquidation: Liquidation
    status: tuple  # (condition name, text, where, holds at the mark)
    unread: tuple  # (field, why): the position's fields the mode reads nowhere
    sources: dict  # source id -> verifier.model.rule.Source, of every id the trace names
    example: str | None = None  # a worked example's name (explain_example): ``symbol`` is then its market or ''


def explain_account(rule, account, date=None) -> tuple:
    """The :class:`Explanation` of every position of ``account`` under ``rule`` on ``date``, in the order
    :func:`~verifier.derive.account.evaluate_account` lists them (a spot-margin quote balance has none)."""
    from verifier.derive.account.evaluation import _hedge_partners, _sum_others
    from verifier.derive.account.legs import read_legs
    from verifier.derive.account.setting import setting_for

    setting = setting_for(rule, account, date)
    mode = setting.mode
    legs = read_legs(setting, account)
    partners = _hedge_partners(account, mode, legs)
    _sum_others(mode, legs, partners, account)
    return tuple(_explain_leg(setting, account, legs, i, partners.get(i, ()))
                 for i, leg in enumerate(legs) if not leg.position.quote)


def explain_example(rule, example) -> Explanation:
    """The trace of one of the rule's worked examples (its ``given`` values, ``mode``, ``market`` and ``date``),
    the same steps as a position's: each given value at its line of the rule file, the parameters in force, the
    tier row looked up (when the example names a market and gives no bracket), each definition it can compute, the
    liquidation price (when it gives every input of it) or why not.  The rule's site shows it beside the example.

    >>> from verifier.read import load_rule
    >>> rule = load_rule("binance/usdm-perpetual")
    >>> trace = explain_example(rule, next(e for e in rule.examples if "B5" in e.name))
    >>> [i.origin for i in trace.inputs][:2], round(float(trace.liquidation.price), 2)
    (['example', 'example'], 26316.89)
    """
    from verifier.derive.account.setting import parameter_values
    from verifier.derive.account.compiled import compiled_mode

    view = rule.at(example.date)
    mode = view.mode(example.mode)
    compiled = compiled_mode(mode)
    parameters = parameter_values(mode, example.date)
    given = {name: Fraction(value) for name, value in example.given.items()}
    inputs, values = [], dict(parameters)
    for name, value in given.items():
        spec = mode.symbols.get(name) or mode.parameters.get(name)
        if spec is None:
            continue
        values[spec.sympy] = value
        where = _where_rule(rule, ("examples", example.index, "given", name), ("examples", example.index, "given"))
        inputs.append(Input(name, value, spec.meaning, "example", where, example.source))
    for parameter in sorted(mode.parameters.values(), key=lambda p: p.name):
        if parameter.sympy in parameters and parameter.name not in given:
            inputs.append(Input(parameter.name, parameters[parameter.sympy], parameter.meaning, "parameter",
                                _declared(rule, mode, "parameters", parameter.name), parameter.source,
                                since=_since(parameter, example.date)))
    tier, table = None, None
    missing = [name for name in mode.tier_symbols if name not in given]
    if rule.tiers is not None and example.market is not None:
        def table():
            return view.tiers.lookup(example.market, example.date)
    if missing and table is not None and mode.tier_basis is not None:
        tier = _example_bracket(view, mode, compiled, values, table, missing, rule)
        if tier is not None:
            for name, column, value in tier.values:
                values[mode.symbols[name].sympy] = value
                inputs.append(Input(name, value, mode.symbols[name].meaning, "tiers", _declared(
                    rule, mode, "symbols", name), mode.symbols[name].source, column=column))
    steps = tuple(Step(name, d.text, d.meaning, compiled.value(mode, name, values),
                       _declared(rule, mode, "definitions", name), d.source) for name, d in mode.definitions.items())
    status = tuple((name, c.text, _declared(rule, mode, "conditions", name), _holds_values(compiled, mode, name, values))
                   for name, c in mode.conditions.items())
    liquidation = _example_liquidation(rule, view, mode, example, given, parameters, table, compiled, values)
    side = {1: "long", -1: "short"}.get(given.get("s"), "")
    sources = [example.source, *(i.source for i in inputs), *(st.source for st in steps), liquidation.source]
    cited = {key: rule.sources[key] for key in sources if key and key in rule.sources}
    return Explanation(example.market or "", side, example.index, rule.id, rule.file, mode.name,
                       mode.account, example.date, tuple(inputs), tier, "catalog" if tier is not None else None,
                       steps, liquidation, status, (), dict(sorted(cited.items())), example=example.name)


def _example_bracket(view, mode, compiled, values, table, missing, rule) -> Bracket | None:
    """The row of the example's market holding its basis at its given price (None: it cannot be computed)."""
    try:
        found = table()
    except EvaluationError:
        return None
    basis = compiled.tier_basis(mode, values)
    row = found.row_for(basis) if basis is not None else None
    if row is None:
        return None
    used = tuple((name, mode.tier_symbols[name], Fraction(row.values[mode.tier_symbols[name]])) for name in missing
                 if mode.tier_symbols[name] in row.values)
    market = view.markets.market(found.market) if view.markets is not None else None
    version = market.tiers_at(found.effective) if market is not None else None
    catalog = CatalogVersion(view.markets.id, found.market, "tiers", version.provenance.effective,
                             version.provenance.seen, version.provenance.source, str(found.file)) \
        if version is not None else None
    return Bracket(row.number, row.floor, row.cap, found.bounds, view.tiers.basis_text, basis, "given price", used,
                   catalog, _where_rule(rule, ("tiers", "basis")))


def _holds_values(compiled, mode, name, values):
    from verifier.derive.account.compiled import Undecidable

    try:
        return compiled.holds(mode, name, values)
    except (Undecidable, EvaluationError, ZeroDivisionError):
        return None


def _example_liquidation(rule, view, mode, example, given, parameters, table, compiled, values) -> Liquidation:
    condition = mode.conditions.get("liquidation")
    if condition is None:
        return Liquidation("", view.price, None, None, None, f"the {mode.name} mode has no liquidation condition",
                           None)
    declared = _declared(rule, mode, "conditions", "liquidation")
    price, reason, candidates, tier = None, None, (), None
    try:
        from verifier.derive.derivation import derive_rule
        from verifier.derive.tiers import solve_form

        form = derive_rule(view).closed_form(mode.name, "liquidation")
        symbols = {mode.symbols[n].sympy for n in given if n in mode.symbols}
        lacking = sorted(s.name for root in form.roots for s in root.free_symbols
                         if s not in symbols and s not in parameters and s.name != form.solve_for
                         and s.name not in mode.tier_symbols)
        if lacking:
            reason = "the example does not give " + ", ".join(dict.fromkeys(lacking))
        else:
            solved = solve_form(form, mode, {n: v for n, v in given.items() if n in mode.symbols}, parameters,
                                table)
            price, candidates = solved.price, solved.candidates
            reason = None if price is not None else "no price reaches the liquidation condition"
            if solved.tier is not None and table is not None:
                row = next((r for r in table().rows if r.number == solved.tier), None)
                if row is not None:
                    at = dict(values)
                    at[mode.symbols[view.price].sympy] = price
                    tier = Bracket(row.number, row.floor, row.cap, table().bounds, view.tiers.basis_text,
                                   compiled.tier_basis(mode, at), "liquidation price",
                                   tuple((n, c, Fraction(row.values[c])) for n, c in mode.tier_symbols.items()
                                         if c in row.values), None, _where_rule(rule, ("tiers", "basis")))
    except (EvaluationError, DerivationError) as exc:
        reason = str(exc)
    return Liquidation(condition.text, condition.solve_for, declared, condition.source, price, reason, tier,
                       tuple(candidates), _published(rule, mode, None), False)


# --------------------------------------------------------------------------------------------- one position


def _explain_leg(setting, account, legs, index, partners) -> Explanation:
    rule, mode = setting.rule, setting.mode
    leg = legs[index]
    values = leg.exact(mode, setting.parameters)
    inputs = _inputs(setting, account, legs, index, partners)
    tier = _bracket(setting, leg, values, "mark") if leg.bracket_source == "catalog" else None
    steps = tuple(Step(name, d.text, d.meaning, _value(setting, name, values), _declared(rule, mode, "definitions", name),
                       d.source) for name, d in mode.definitions.items())
    status = tuple((name, c.text, _declared(rule, mode, "conditions", name), _holds(setting, name, values))
                   for name, c in mode.conditions.items())
    liquidation = _liquidation(setting, account, legs, index, partners)
    unread = tuple((name, f"rule {rule.id} reads no such field in its {mode.name} mode")
                   for name in sorted(leg.position.fields) if name not in _read_fields(setting, account) and
                   name != "price")
    sources = [i.source for i in inputs] + [s.source for s in steps] + [liquidation.source, *(
        p[2] for p in liquidation.published)]
    if rule.tiers is not None:
        sources.append(rule.tiers.source)
    cited = {s: rule.sources[s] for s in sources if s and s in rule.sources}
    return Explanation(leg.position.symbol, leg.position.side, leg.position.index, rule.id, rule.file, mode.name,
                       account.margin_mode, setting.date, inputs, tier, leg.bracket_source, steps, liquidation,
                       status, unread, dict(sorted(cited.items())))


def _value(setting, name, values):
    """Definition ``name`` at the leg's values (None: it lacks an input, or divides by zero there)."""
    return setting.compiled.value(setting.mode, name, values)


def _holds(setting, name, values):
    """Whether condition ``name`` holds at the mark (None: it cannot be decided there)."""
    from verifier.derive.account.compiled import Undecidable

    try:
        return setting.compiled.holds(setting.mode, name, values)
    except (Undecidable, EvaluationError, ZeroDivisionError):
        return None


def _read_fields(setting, account) -> set:
    """Every ccxt field a reading of the mode uses for this account's margin mode."""
    out = set()
    for spec in setting.mode.symbols.values():
        reading = spec.reading(account.margin_mode)
        if reading is not None:
            out |= fields_of(reading)
    return out


# --------------------------------------------------------------------------------------------- the inputs


def _inputs(setting, account, legs, index, partners) -> tuple:
    rule, mode, leg = setting.rule, setting.mode, legs[index]
    position, market = leg.position, leg.market
    out = []
    for name, spec in mode.symbols.items():
        declared = _declared(rule, mode, "symbols", name)
        if spec.others and name in leg.values:
            # the other positions (a hedge partner moves with the price instead: not in the sum)
            shares = tuple((_label(legs[j].position), legs[j].at_mark.get(spec.others))
                           for j in range(len(legs)) if j != index and j not in partners)
            out.append(Input(name, leg.values[name], spec.meaning, "others", declared, spec.source,
                             shares=shares, summed=spec.others))
            continue
        value = leg.tier_values.get(name, leg.values.get(name))  # a bracket looked up at the mark: tier_values
        if value is None:
            continue
        if spec.from_tiers:
            column = spec.from_tiers
            if leg.bracket_source == "catalog":
                out.append(Input(name, value, spec.meaning, "tiers", declared, spec.source, column=column,
                                 catalog=_version(market, "tiers")))
            else:
                out.append(Input(name, value, spec.meaning, "position-bracket", declared, spec.source,
                                 reading=spec.snapshot_formula(account.margin_mode), column=column,
                                 fields=_fields(account, leg, spec)))
            continue
        reading = spec.snapshot_formula(account.margin_mode)
        if spec.market and (reading is None or not _read_from_position(account, leg, spec)):
            own = position.market_fields.get(spec.market)
            if own is not None and own == value:
                out.append(Input(name, value, spec.meaning, "position-own", declared, spec.source,
                                 fields=(Field(spec.market, own, _where(account, position.at(spec.market)),
                                               note="the exchange's own value, reported with the position"),)))
            else:
                out.append(Input(name, value, spec.meaning, "catalog", declared, spec.source,
                                 fields=(Field(spec.market, value, None),), catalog=_version(market, "market")))
            continue
        origin = "account" if fields_of(spec.reading(account.margin_mode)) == {"walletBalance"} and \
            "walletBalance" not in position.fields else "position"
        out.append(Input(name, value, spec.meaning, origin, declared, spec.source, reading=reading,
                         fields=_fields(account, leg, spec)))
    for parameter in sorted(mode.parameters.values(), key=lambda p: p.name):
        if parameter.sympy not in setting.parameters:
            continue
        since = _since(parameter, setting.date)
        out.append(Input(parameter.name, setting.parameters[parameter.sympy], parameter.meaning, "parameter",
                         _declared(rule, mode, "parameters", parameter.name), parameter.source, since=since))
    return tuple(out)


def _read_from_position(account, leg, spec) -> bool:
    """Whether a symbol with both a reading and a market field was read from the position (its fields present)."""
    reading = spec.reading(account.margin_mode)
    return reading is not None and fields_of(reading) <= set(leg.position.fields) | {"side"}


def _fields(account, leg, spec) -> tuple:
    """The fields ``spec``'s reading uses, each with its value and place (or the catalog that filled it)."""
    position = leg.position
    reading = spec.reading(account.margin_mode)
    if reading is None:
        return ()
    out = []
    for name in sorted(fields_of(reading)):
        if name == "side":
            out.append(Field("side", Fraction(position.sign), _where(account, position.at("side")),
                             note=f"{position.side}: 1 for a long, -1 for a short"))
        elif name in position.fields:
            out.append(Field(name, position.fields[name], _where(account, position.at(name)),
                             via=position.origins.get(name)))
        elif name == "walletBalance" and account.wallet_balance is not None:
            pool = f"the {account.settle} cross pool's wallet" if account.settle else "the account's wallet"
            out.append(Field(name, account.wallet_balance, _where(account, account.at("walletBalance")), note=pool))
        else:
            version = _version(leg.market, "market")
            out.append(Field(name, leg.market.fill({}).get(name), None, note="the position gives none: the market "
                             "catalog's", catalog=version))
    return tuple(out)


def _label(position) -> str:
    return (f"#{position.index} " if position.index is not None else "") + f"{position.symbol} {position.side}"


def _since(parameter, date):
    """The effective date of the parameter's value in force on ``date`` (None: open, the first value)."""
    since = None
    for day, _ in parameter.values:
        if day is None or date is None or day <= date:
            since = day
    return since


def _version(market, part) -> CatalogVersion | None:
    """The catalog version of ``market`` (a MarketData) used for ``part`` on its date, with its file."""
    if market.market is None:
        return None
    version = market.spec if part == "market" else market.market.tiers_at(market.date)
    if version is None:
        return None
    provenance = version.provenance
    catalog = market.catalog
    entry = catalog.entries.get(market.symbol) if catalog is not None else None
    file = entry[0] if isinstance(entry, tuple) and entry else None
    if part == "tiers" and getattr(version, "table", None) is not None and getattr(version.table, "file", None):
        file = version.table.file
    return CatalogVersion(catalog.id if catalog is not None else "", market.symbol, part, provenance.effective,
                          provenance.seen, provenance.source, str(file) if file else None)


# --------------------------------------------------------------------------------------------- tiers, price


def _bracket(setting, leg, values, at, price=None) -> Bracket | None:
    """The tier row of ``leg``'s table holding its basis at ``values`` (with the price moved to ``price``)."""
    mode, rule = setting.mode, setting.rule
    if mode.tier_basis is None or rule.tiers is None:
        return None
    values = dict(values)
    if price is not None:
        values[mode.symbols[rule.price].sympy] = price
    try:
        table = leg.market.tier_table()
        basis = setting.compiled.tier_basis(mode, values)
    except EvaluationError:
        return None
    row = table.row_for(basis) if basis is not None else None
    if row is None:
        return None
    used = tuple((name, column, Fraction(row.values[column])) for name, column in mode.tier_symbols.items()
                 if column in row.values and name in leg.tier_values)
    return Bracket(row.number, row.floor, row.cap, table.bounds, rule.tiers.basis_text, basis, at, used,
                   _version(leg.market, "tiers"), _where_rule(rule, ("tiers", "basis")))


def _liquidation(setting, account, legs, index, partners) -> Liquidation:
    from verifier.derive.account.pricing import liquidation

    rule, mode, leg = setting.rule, setting.mode, legs[index]
    condition = mode.conditions.get("liquidation")
    if condition is None:
        return Liquidation("", rule.price, None, None, None, f"the {mode.name} mode has no liquidation condition",
                           None)
    price, reason = liquidation(setting, legs, index, partners, account)
    declared = _declared(rule, mode, "conditions", "liquidation")
    published = _published(rule, mode, account)
    tier, candidates = None, ()
    if not partners and rule.tiers is not None and leg.bracket_source == "catalog":
        try:
            from verifier.derive.derivation import derive_rule
            from verifier.derive.tiers import solve_form

            form = derive_rule(rule).closed_form(mode.name, "liquidation")
            solved = solve_form(form, mode, leg.values, setting.parameters, leg.market.tier_table)
            candidates = solved.candidates
        except (EvaluationError, DerivationError):
            candidates = ()
        if price is not None:
            tier = _bracket(setting, leg, leg.exact(mode, setting.parameters), "liquidation price", price)
    return Liquidation(condition.text, condition.solve_for, declared, condition.source, price, reason, tier,
                       tuple(candidates), published, bool(partners))


def _published(rule, mode, account) -> tuple:
    """(formula, where, source) of the exchange's published liquidation-price formulas for this mode and the
    account's position mode, in force on the rule's date (the rule's check proves each equal to the derivation)."""
    out = []
    for item in rule.published.get("liquidation_price", ()):
        if mode.name not in item.modes:
            continue
        if item.position_mode is not None and account is not None and item.position_mode != account.position_mode:
            continue
        if account is None and item.position_mode not in (None, "one-way"):  # a worked example: one-way terms
            continue
        out.append((item.formula.text, _where_rule(rule, ("published", "liquidation_price", item.index)),
                    item.source))
    return tuple(out)


# --------------------------------------------------------------------------------------------- places


FORMULA_KEYS = {"definitions": "formula", "conditions": "when"}
"""The key a definition's or a condition's formula is written under: the trace points at the formula's line."""


def _declared(rule, mode, section, name) -> Where | None:
    """Where the rule writes ``name`` of ``section`` ('symbols', 'parameters', 'definitions', 'conditions'): the
    mode's own first, else the rule's; a definition or condition at its formula."""
    key = FORMULA_KEYS.get(section)
    paths = [("modes", mode.name, section, name), (section, name)]
    if key is not None:
        paths = [(*path, key) for path in paths] + paths
    return _where_rule(rule, *paths)


def _where_rule(rule, *paths) -> Where | None:
    document = rule.document
    if document is None:
        return Where(rule.file, None)
    positions = document.positions
    for path in paths:
        if tuple(path) in positions:
            return Where(rule.file, positions[tuple(path)][0], ".".join(str(p) for p in path))
    return Where(rule.file, None)


def _where(account, place) -> Where | None:
    """A place in the user's file, as the account's reader locates it (its line found only now, for the trace)."""
    try:
        diagnostic = account.locator.diagnostic("MV000", "", place)
    except Exception:  # noqa: BLE001 - a place the reader cannot locate: the trace names no line, never fails
        return None
    return Where(diagnostic.file, diagnostic.line or None, diagnostic.json_path)
