"""Step 3 of evaluating an account: each position read into a :class:`Leg` with its market's data.

The rule's symbols are read from the position's ccxt fields (each symbol's ``snapshot:`` reading); what the
position lacks comes from its market (:class:`~verifier.derive.account.market.MarketData`: ``contractSize``, the
symbols declared with ``market:``, the tier table); every value is checked against its symbol's domain, every
problem located in the account's file.  Then the leg's definitions at its mark, with the tier row the mark's
basis falls in (MV606 / MV607 at the position's symbol when the catalog has no table for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from verifier.derive.account.market import MarketData
from verifier.errors import EvaluationError
from verifier.model.market import POSITION_FIELDS
from verifier.model.snapshot import evaluate_reading, fields_of
from verifier.model.symbols import in_domain


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

    def exact(self, mode, parameters: dict) -> dict:
        """SymPy symbol -> Fraction: the leg's values, its tier values and the parameters in force."""
        out = dict(parameters)
        for name, value in self.values.items():
            out[mode.symbols[name].sympy] = value
        for name, value in self.tier_values.items():
            out[mode.symbols[name].sympy] = value
        return out


def read_legs(setting, account) -> list:
    """Every position of ``account`` read as a :class:`Leg`, its definitions at its mark computed (the market data
    resolved once per market)."""
    markets: dict = {}
    legs = []
    for position in account.positions:
        market = markets.get(position.symbol)
        if market is None:
            market = markets[position.symbol] = MarketData.of(setting.rule, position.symbol, setting.date)
            if account.kind == "futures":
                _catalog_call(account, position, market.check_listed)
                _catalog_call(account, position, lambda: market.check_type(setting.rule.product))
        leg = read_leg(setting, account, position, market)
        at_mark_values(setting, account, leg)
        legs.append(leg)
    return legs


def read_leg(setting, account, position, market: MarketData) -> Leg:
    """The rule's symbols read from one position, its market filling what it lacks (tier columns and market
    fields the position gives override the catalog)."""
    rule, mode, needed = setting.rule, setting.mode, setting.needed
    fields = _reading_fields(account, position, market)
    values, tier_values = {}, {}
    for name, spec in mode.symbols.items():
        if spec.others or (setting.reads is not None and name not in setting.reads):
            continue
        text = spec.snapshot_formula(account.margin_mode)
        value = _read_symbol(account, position, name, spec, text, fields) if text else None
        if value is None and spec.market and name in needed:
            value = market.field(spec.market)
            if value is None:
                error = market.missing(f"{name} ({spec.meaning}) comes from the market field {spec.market}")
                raise account.error(error.code, str(error), position.at("symbol"), hint=error.hint)
        if value is None and text and not spec.from_tiers and name in needed:
            raise _missing_field(account, position, spec, name, fields, market)
        if value is not None:
            _check_domain(account, position, name, spec, value)
            (tier_values if spec.from_tiers else values)[name] = value
    tiered = rule.tiers is not None and account.kind == "futures" and any(
        n not in tier_values for n in mode.tier_symbols if setting.reads is None or n in setting.reads)
    if tiered:
        _catalog_call(account, position, market.tier_table)
    return Leg(position, market, {**values, **tier_values}, tier_values, tiered)


def at_mark_values(setting, account, leg: Leg) -> None:
    """Every definition of the mode at the leg's own values (tiers at the mark), except ones needing the others."""
    mode, compiled = setting.mode, setting.compiled
    values = dict(setting.parameters)
    for name, value in leg.values.items():
        if name not in mode.others:
            values[mode.symbols[name].sympy] = value
    missing = [name for name in mode.tier_symbols if name not in leg.tier_values]
    if mode.tier_symbols and not missing:
        leg.bracket_source = "position"
    if leg.tiered and mode.tier_basis is not None and missing:
        basis = compiled.tier_basis(mode, values)
        if basis is None:
            raise account.error("MV603", "cannot evaluate the position: the tier basis needs " + ", ".join(
                sorted(s.name for s in mode.tier_basis.expr.free_symbols if s not in values)),
                                leg.position.at())
        table = leg.market.tier_table()
        row = table.row_for(basis)
        if row is None:
            raise account.error("MV603", f"cannot evaluate the position: no tier row of {leg.market.symbol} holds "
                                         f"basis {basis}", leg.position.at())
        leg.tier, leg.bracket_source = row.number, "catalog"
        for name in missing:
            leg.tier_values[name] = Fraction(row.values[mode.tier_symbols[name]])
            values[mode.symbols[name].sympy] = leg.tier_values[name]
    others = {mode.symbols[n].sympy for n in mode.others}
    for name, definition in mode.definitions.items():
        if definition.expr.free_symbols & others:
            continue
        value = compiled.value(mode, name, values)
        if value is not None:
            leg.at_mark[name] = value


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
        raise account.error("MV602", f"cannot read {name} ({spec.meaning}) as {text}: {exc}", position.at()) \
            from None


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
    reading = spec.snapshot_formula(account.margin_mode)
    names = sorted(fields_of(spec.reading(account.margin_mode)))
    on_account = names == ["walletBalance"] and "walletBalance" not in position.fields
    place = account.at(names[0]) if on_account else position.at(names[0] if len(names) == 1 else None)
    # numbers in a message are exact fractions (str of a Fraction: 3, 1/3); reports format through verifier.report
    wanted = " and ".join(f"{op} {Fraction(b)}" for op, b in spec.domain) or \
        "one of " + ", ".join(str(Fraction(v)) for v in spec.one_of)
    origins = "; ".join(f"{n} is {position.origins[n]}" for n in names if n in position.origins)
    hint = f"the rule reads {name} as {reading}" + (f" ({origins})" if origins else "") + "; check the snapshot's fields"
    raise account.error("MV602", f"{name} ({spec.meaning}) must be {wanted}; {reading} gives {Fraction(value)}", place,
                        hint=hint)


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
    return account.error("MV600", f"{where} is missing {', '.join(map(repr, missing))} (needed for {name}: "
                                  f"{spec.meaning.strip()})", place if place.key else (account.at() if on_account else
                                                                                 position.at()), hint=hint)


def _origin_hint(position, missing) -> str | None:
    """For a ccxt export: where the rule reads each missing field (or that its ccxt mapping does not read it)."""
    if not position.origins and position.index is None:
        return None
    notes = [f"{name}: read from {position.origins[name]}" if name in position.origins else
             f"{name}: the rule's ccxt mapping does not read it from a ccxt export for this position" for name in
             missing]
    return "; ".join(notes) if position.origins or position.reported is not None else None
