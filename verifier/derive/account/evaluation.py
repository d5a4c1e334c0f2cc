"""Evaluating an account under a rule (an account snapshot or a ccxt export's margin pool): :func:`evaluate_account`, read top-down.

1. :mod:`~verifier.derive.account.setting`: the rule as of the date, the mode for the account, the parameters in
   force, the symbols the answer needs, the mode compiled -- decided once;
2. :mod:`~verifier.derive.account.market` and :mod:`~verifier.derive.account.legs`: each position read into a leg
   with its market's data on that date (catalog fields it lacks, its tier table), its definitions at its mark;
3. here: the mode's ``others:`` symbols (each a total over the account computed once, less the leg's own share)
   and the hedge partners of a cross hedge account;
4. :mod:`~verifier.derive.account.pricing`: each leg's liquidation price solved exactly and tier-consistently, or
   the reason it has none; then its status from the rule's own conditions and the rule's ``margin_ratio``
   (``margin_level`` for spot margin).

A spot-margin account's quote balance counts in the others sums and has no price of its own.  The result is
numbers (exact :class:`~fractions.Fraction`) and reasons; :mod:`verifier.report.evaluate` writes it.  Every
problem is an :class:`~verifier.errors.EvaluationError` with a located diagnostic (the account's places; what the
rule lacks is located in the rule file).

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "1", "contractSize": "1", "entryPrice": "60000", "markPrice": "60000",
...     "collateral": "1000"}]})
>>> result = evaluate_account(load_rule("binance/usdm-perpetual"), account, date=datetime.date(2024, 10, 1))
>>> result.positions[0].liquidation_price, result.positions[0].tier, result.status
(Fraction(11790000, 199), 2, 'normal')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from verifier.model.display import Display

# The steps (legs, pricing, setting: SymPy and the derivation) are imported where they run, so that the result types
# below load without them: the compiled evaluation (verifier.derive.account.program) builds the same results.

STATUSES = ("normal", "margin_call", "liquidation")
"""From best to worst; an account's status is the worst of its positions'.  A position that lacks an input its
conditions need (not its price: see :mod:`~verifier.derive.account.legs`) has status ``unknown``, and so has the
account unless another position is liquidated."""

UNKNOWN = "unknown"

RATIOS = ("margin_ratio", "margin_level")
"""The account-level ratio a rule defines (futures: margin_ratio, spot margin: margin_level), first found."""


@dataclass(frozen=True)
class PositionEvaluation:
    """One position's numbers, exact."""

    symbol: str
    side: str
    liquidation_price: Fraction | None  # None: no price exists (see reason)
    reason: str | None  # why there is no liquidation price
    maintenance_margin: Fraction | None  # at the mark; None when the rule defines none
    unrealized_pnl: Fraction | None
    tier: int | None  # the tier row at the mark (None: the position gives its tier values, or no tier table)
    status: str
    display: Display = Display(None, None)  # the market's tick and the rule's rounding (a reporter rounds with it)
    market_data: tuple = ()  # (part, Provenance) of the catalog versions used: 'market', 'tiers'
    index: int | None = None  # the position's place in its file
    margin_mode: str | None = None  # 'cross' or 'isolated': the pool it was evaluated in
    mode: str | None = None  # the rule's mode that evaluated it
    mark_price: Fraction | None = None  # the rule's price symbol as read from the position
    bracket: tuple = ()  # ((tier symbol, value), ...) the maintenance values used
    bracket_source: str | None = None  # 'catalog' (the tier table at the mark) or 'position' (given by the file)
    margin_ratio: Fraction | None = None  # the rule's margin_ratio of the position (isolated) or its pool (cross)
    reported: object = None  # verifier.model.account.Reported: the exchange's own price, when the file has one
    settle: str | None = None  # the settlement currency of its cross pool
    differences: tuple = ()  # legs.CatalogDifference: its own values against the catalog's in force
    lacks: tuple = ()  # (symbol, why) of inputs it does not give that only other quantities need (status 'unknown')
    status_reason: str | None = None  # why its status is 'unknown' when it lacks nothing (a condition without a value)
    liquidation_tier: int | None = None  # the tier row at the liquidation price (None: no price, or tier None)

    @property
    def tier_moves(self) -> bool:
        """Whether the liquidation price lies in another tier row than the mark (both known)."""
        return self.tier is not None and self.liquidation_tier is not None and self.tier != self.liquidation_tier

    @property
    def distance(self) -> Fraction | None:
        """(liquidation price - mark) / mark: how far the price can move before liquidation (signed)."""
        if self.liquidation_price is None or not self.mark_price:
            return None
        return (self.liquidation_price - self.mark_price) / self.mark_price


class _Exact:
    """A :class:`PositionEvaluation` number the compiled evaluation (:mod:`verifier.derive.account.run`) leaves as a
    GMP rational in the result's ``_exact`` mapping, made the :class:`~fractions.Fraction` it always is when first
    read and then kept as if given (most callers read one or two of a position's numbers: each conversion costs
    about what the rest of a warm evaluation's arithmetic does).  A non-data descriptor: a value in the instance's
    own ``__dict__`` (every result made the usual way, and one already read) is found before it; without one it
    gives the field's default.  Equality, hash, repr, copies and pickles read the field through it: unchanged."""

    __slots__ = ("name", "default")

    def __init__(self, name: str, default):
        self.name, self.default = name, default

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.default
        made = instance.__dict__
        value = made.get("_exact", _NOTHING).get(self.name, _NOTHING)
        if value is _NOTHING:
            return self.default
        fraction = made[self.name] = object.__new__(Fraction)  # the value's own numerator and denominator (lowest)
        fraction._numerator, fraction._denominator = int(value.numerator), int(value.denominator)
        return fraction


_NOTHING: dict = {}  # what an absent entry reads as (itself a mapping: absent at both levels)

LAZY = ("liquidation_price", "maintenance_margin", "unrealized_pnl", "mark_price", "margin_ratio")
"""The numbers a compiled result may hold as GMP rationals until read (:class:`_Exact`)."""

for _name in LAZY:
    setattr(PositionEvaluation, _name, _Exact(_name, PositionEvaluation.__dataclass_fields__[_name].default
                                              if _name in ("mark_price", "margin_ratio") else None))


def has_value(position, name: str) -> bool:
    """Whether ``position``'s number ``name`` is not None, without making a Fraction of a lazy one."""
    made = position.__dict__
    if name in made:
        return made[name] is not None
    return name in made.get("_exact", _NOTHING) or getattr(position, name) is not None


@dataclass(frozen=True)
class AccountEvaluation:
    """What :func:`evaluate_account` found: per position, the account's margin level and status."""

    rule: str
    mode: str
    display: Display  # how the rule displays prices (each position's own display has its market's tick)
    positions: tuple
    margin_level: Fraction | None  # spot margin: the rule's margin_level (assets over liabilities)
    status: str
    stale: tuple = ()  # (symbol, part, Provenance, days, next version's date or None) of market data seen too long ago
    stale_after_days: int = 30
    catalog: str | None = None  # the id of the rule's market catalog (what `import` takes)
    exchange: str | None = None  # the catalog's ccxt exchange id
    margin_ratio: Fraction | None = None  # futures: the rule's margin_ratio of a cross pool (isolated: per position)
    margin_mode: str | None = None
    settle: str | None = None  # a cross pool's settlement currency (ccxt exports)
    wallet_balance: Fraction | None = None  # a cross pool's wallet
    ratio_reason: str | None = None  # why margin_ratio / margin_level is None
    quote: str | None = None  # spot margin: the asset the account is valued in
    symbol: str | None = None  # spot margin, isolated: the pair
    totals: tuple = ()  # unified margin: (AccountTotal, Reported, ours) of each total the exchange printed
    derivatives: tuple = ()  # unified margin: DerivativeShare of each fetch_positions() row beside the balance


@dataclass(frozen=True)
class DerivativeShare:
    """A unified account's position (``verifier.model.account.Derivative``) with its maintenance margin in the
    account's currency (at its settle coin's price) and its share of the account's maintenance margin."""

    position: object
    maintenance_value: Fraction | None
    share: Fraction | None
    liquidation: object = None  # unified_positions.PositionPrice: its market's price that liquidates the account


def evaluate_account(rule, account, date=None, today=None) -> AccountEvaluation:
    """Evaluate ``account`` (:class:`verifier.model.account.Account`) under ``rule`` with values in force on ``date``.

    Market data last seen longer before ``date`` (else ``today``; neither: not checked) than the rule's threshold is
    listed in the result's ``stale``.
    """
    from verifier.derive.account.legs import read_legs
    from verifier.derive.account.setting import setting_for

    setting = setting_for(rule, account, date)
    rule, mode = setting.rule, setting.mode
    legs = read_legs(setting, account)
    partners = _hedge_partners(account, mode, legs)
    summed = _sum_others(mode, legs, partners, account)
    out = tuple(_evaluate_leg(setting, legs, index, partners.get(index, ()), account, summed)
                for index, leg in enumerate(legs) if not leg.position.quote)
    pool_ratio = out[0].margin_ratio if out and mode.account == "cross" and mode.others else None
    level = None
    if "margin_level" in mode.definitions and legs:
        level = next((p.margin_ratio for p in out), None)
        pool_ratio = None
    status = max((p.status for p in out if p.status != UNKNOWN), key=STATUSES.index, default="normal")
    if status != "liquidation" and any(p.status == UNKNOWN for p in out):
        status = UNKNOWN
    catalog = rule.markets
    totals = tuple((total, reported, _total(setting, legs, total.ours)) for total, reported in account.totals)
    derivatives = _shares(account, legs, rule.price)
    if derivatives:
        from verifier.derive.account.unified_positions import position_prices

        derivatives = tuple(replace(share, liquidation=found)
                            for share, found in zip(derivatives, position_prices(setting, legs, account, date)))
    return AccountEvaluation(rule.id, mode.name, rule.display, out, level, status, _stale(rule, legs, date or today),
                             rule.stale_after_days, catalog.id if catalog else None,
                             catalog.exchange if catalog else None, pool_ratio, account.margin_mode, account.settle,
                             account.wallet_balance, _ratio_reason(mode, out, pool_ratio if level is None else level),
                             account.quote, account.symbol, totals, derivatives)


def _shares(account, legs, price) -> tuple:
    """Each position beside a unified balance: its maintenance margin at its settle coin's price, and its share of
    the account's (the sum of the coins' maintenance_margin)."""
    if not account.derivatives:
        return ()
    prices = {leg.position.symbol.partition("/")[0]: leg.values.get(price) for leg in legs}
    whole = sum((leg.at_mark.get("maintenance_margin", Fraction(0)) for leg in legs), Fraction(0))
    out = []
    for derivative in account.derivatives:
        coin_price = prices.get(derivative.settle)
        value = derivative.maintenance * coin_price if derivative.maintenance is not None and coin_price else None
        out.append(DerivativeShare(derivative, value, value / whole if value is not None and whole else None))
    return tuple(out)


def _total(setting, legs, name) -> Fraction | None:
    """Our value of an account total: a definition free of the others' sums is one coin's, summed over the coins;
    one that uses them is the account's, the same at every coin (taken at the first); None where it has no value."""
    if not legs:
        return None
    if all(name in leg.at_mark for leg in legs):
        return sum((leg.at_mark[name] for leg in legs), Fraction(0))
    leg = next((leg for leg in legs if not leg.position.quote), None)
    if leg is None or leg.lacks:
        return None
    return setting.compiled.value(setting.mode, name, leg.exact(setting.mode, setting.parameters))


def _ratio_reason(mode, positions, ratio) -> str | None:
    """Why the account (or a position) has no margin ratio or level: the rule defines none, or it is no number."""
    if not any(name in mode.definitions for name in RATIOS):
        return f"the {mode.name} mode defines no margin_ratio"
    if ratio is not None:
        return None
    lacking = next((p for p in positions if p.lacks and not has_value(p, "margin_ratio")), None)
    if lacking is not None:
        symbol, why = lacking.lacks[0]
        return f"it needs {symbol}, which {lacking.symbol} lacks: {why}"
    if mode.account == "cross" or not _all_have(positions, "margin_ratio"):
        what = "margin level" if "margin_level" in mode.definitions else "margin ratio"
        return f"the {what} is not a finite number here (nothing in its denominator)"
    return None


def _all_have(positions, name: str) -> bool:
    """Whether every position's number ``name`` is not None: :func:`has_value` of each, written out (an account's
    ratio reason asks it of every position, once an account on the compiled path)."""
    for position in positions:
        made = position.__dict__
        value = made.get(name, _NOTHING)
        if value is _NOTHING:
            if name not in made.get("_exact", _NOTHING) and getattr(position, name) is None:
                return False
        elif value is None:
            return False
    return True


def _stale(rule, legs, on) -> tuple:
    """(symbol, part, provenance, days, next) of every catalog version used that was last seen too long before
    ``on`` (``next``: the effective date of the version after it, when it is used across a gap in the record)."""
    if on is None:
        return ()
    found, seen = [], set()
    for leg in legs:
        if leg.position.symbol in seen:
            continue
        seen.add(leg.position.symbol)
        for part, provenance, following in leg.market.stale(on, rule.stale_after_days):
            found.append((leg.position.symbol, part, provenance, (on - provenance.seen).days, following))
    return tuple(found)


def _hedge_partners(account, mode, legs) -> dict:
    """leg index -> indices of the other legs of the same market, for a cross account in hedge mode.

    Those legs share one liquidation price: their definitions move with the price (see
    :mod:`verifier.derive.hedge`).  One-way accounts and isolated modes have no partners.
    """
    if account.position_mode != "hedge" or mode.account != "cross" or not mode.others:
        return {}
    by_market: dict = {}
    for i, leg in enumerate(legs):
        if not leg.position.quote:
            by_market.setdefault(leg.position.symbol, []).append(i)
    return {i: [j for j in group if j != i] for group in by_market.values() if len(group) > 1 for i in group}


def _sum_others(mode, legs, partners, account) -> set:
    """Each ``others:`` symbol: its definition summed over the other legs at their marks (hedge partners excluded).

    The total over the account is computed once; each leg's sum is the total less its own share (exact).  Returns
    the (leg index, symbol) pairs it summed (not those the position gives itself).
    """
    summed = set()
    for name, definition in mode.others.items():
        if all(name in leg.values for leg in legs):
            continue
        unknown = [j for j, leg in enumerate(legs) if definition not in leg.at_mark]
        total = sum((leg.at_mark.get(definition, Fraction(0)) for leg in legs), Fraction(0))
        for i, leg in enumerate(legs):
            if name in leg.values:
                continue
            excluded = [i, *partners.get(i, ())]
            lacking = [j for j in unknown if j not in excluded]
            if lacking:
                if leg.position.quote:  # a quote balance has no price of its own: nothing needs its sum
                    continue
                other = legs[lacking[0]]
                if other.lacks:
                    symbol, why = next(iter(other.lacks.items()))
                    raise account.error("MV600", f"cannot compute {definition} of this position at its mark, which "
                                                 f"{name} sums for the other positions: it lacks {symbol} ({why})",
                                        other.position.at(), hint="give it: the other positions' prices need it")
                raise account.error("MV603", f"cannot compute {definition} of this position at its mark, which "
                                             f"{name} sums for the other positions", other.position.at(),
                                    hint="every input of " + definition + " must come from the position")
            leg.values[name] = total - sum((legs[j].at_mark.get(definition, Fraction(0)) for j in excluded),
                                           Fraction(0))
            summed.add((i, name))
    return summed


def _with_partners(mode, legs, index, partners, summed, values) -> dict:
    """The leg's values as its status sees the account at the marks: hedge partners are left out of the others'
    sums only so that the price can move them with the leg (:mod:`verifier.derive.hedge`); at the mark they are in
    the account."""
    if not partners:
        return values
    values = dict(values)
    for name, definition in mode.others.items():
        if (index, name) in summed:
            values[mode.symbols[name].sympy] += sum((legs[j].at_mark[definition] for j in partners), Fraction(0))
    return values


def _evaluate_leg(setting, legs, index, partners, account, summed) -> PositionEvaluation:
    from verifier.derive.account.pricing import liquidation, liquidation_tier

    rule, mode, compiled = setting.rule, setting.mode, setting.compiled
    leg = legs[index]
    values = leg.exact(mode, setting.parameters)
    price, reason = liquidation(setting, legs, index, partners, account)
    whole = _with_partners(mode, legs, index, partners, summed, values)
    status_reason = None
    if leg.lacks:  # its conditions at the mark need what it does not give: said, not guessed
        status = UNKNOWN
    else:
        try:
            statuses = [name for name in ("liquidation", "margin_call")
                        if name in mode.conditions and _holds(compiled, mode, name, whole, leg, account)]
            status = statuses[0] if statuses else "normal"
        except Undecided as exc:  # a ratio with nothing in its denominator (nothing owed): no status, said why
            status, status_reason = UNKNOWN, exc.why
    ratio = next((compiled.value(mode, name, values) for name in RATIOS if name in mode.definitions), None)
    position = leg.position
    return PositionEvaluation(
        position.symbol, position.side, price, reason, leg.at_mark.get("maintenance_margin"),
        leg.at_mark.get("upnl"), leg.tier, status, leg.market.display(rule.display),
        leg.market.provenance(), index=position.index, margin_mode=account.margin_mode, mode=mode.name,
        mark_price=leg.values.get(rule.price), bracket=tuple(sorted(leg.tier_values.items())),
        bracket_source=leg.bracket_source, margin_ratio=ratio, reported=position.reported, settle=account.settle,
        differences=tuple(leg.differences), lacks=tuple(leg.lacks.items()), status_reason=status_reason,
        liquidation_tier=liquidation_tier(setting, leg, price))


class Undecided(Exception):
    """A condition with no value at the leg's values (it divides by zero there): the status is unknown, ``why``."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _holds(compiled, mode, name, values, leg, account) -> bool:
    """Whether condition ``name`` holds at the leg's values, exactly; undecidable is never 'normal': a condition
    that divides by zero there makes the status unknown (:class:`Undecided`), one that lacks a value is an error."""
    from verifier.derive.account.compiled import Undecidable

    try:
        return compiled.holds(mode, name, values)
    except Undecidable as exc:
        if exc.zero:
            raise Undecided(undecidable_message(name, mode.conditions[name].text) + ": a ratio with nothing in its "
                            "denominator (a margin level with nothing owed) has no value, and the rule does not say "
                            "what it means") from None
        raise account.error("MV603", f"cannot decide the {name} condition: it still needs " + ", ".join(exc.needs),
                            leg.position.at()) from None


def undecidable_message(name, text) -> str:
    """A condition that divides by zero at a position's values (the site's calculator says the same)."""
    return f"cannot decide the {name} condition ({text}): it divides by zero at these values"
