"""How an import changes what the rule computes: a reference position's liquidation price before and after.

The reference is one isolated long (the rule's first isolated mode; else its first mode with a liquidation
condition, with the collateral as its wallet) at a stated leverage (capped by the market's maximum), entered at a
price of 100, so its liquidation price reads as a percentage of the entry price.  Its notional is where the
brackets changed (the smallest notional whose bracket values differ), unless one is imposed.  It is
evaluated with :func:`verifier.derive.account.evaluate_account` under the rule with the catalog before the import
and with the catalog after it, on the import's effective date; a market the rule cannot price says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.derive.account import evaluate_account
from verifier.derive.account.definitions import position_definitions
from verifier.errors import DerivationError, EvaluationError
from verifier.model.account import Account, Position

ENTRY = Fraction(100)
"""The reference entry (and mark) price: liquidation prices then read as percentages of it."""


@dataclass(frozen=True)
class Reference:
    """The reference position: its leverage, and its notional (in the quote currency) when one is imposed; else,
    per market, the smallest notional whose bracket values changed (:func:`changed_notional`), or ``fallback``."""

    notional: Fraction | None = None
    leverage: Fraction = Fraction(10)
    fallback: Fraction = Fraction(10000)


def changed_notional(before, after, columns=None) -> Fraction | None:
    """A notional inside the first stretch where two tier tables give different values of ``columns`` (all when
    None; a rule reads only some, e.g. the rate and the amount) (None: they agree).

    The stretches are cut at every floor and cap of both tables; the middle of each (twice the last bound for the
    open end) is looked up in both.

    >>> from verifier.model.tiers import TierRow, TierTable
    >>> def table(*rows): return TierTable("X", "[floor, cap)", None, {}, rows, "")
    >>> old = table(TierRow(1, Fraction(0), Fraction(50), {"r": 1}), TierRow(2, Fraction(50), None, {"r": 2}))
    >>> new = table(TierRow(1, Fraction(0), Fraction(300), {"r": 1}), TierRow(2, Fraction(300), None, {"r": 2}))
    >>> changed_notional(old, new)
    Fraction(175, 1)
    """
    bounds = sorted({b for t in (before, after) for r in t.rows for b in (r.floor, r.cap) if b is not None})
    for low, high in zip(bounds, bounds[1:] + [None]):
        point = (low + high) / 2 if high is not None else (low * 2 if low > 0 else Fraction(1))
        rows = [t.row_for(point) for t in (before, after)]
        values = [None if r is None else {k: v for k, v in r.values.items() if columns is None or k in columns}
                  for r in rows]
        if values[0] != values[1]:
            return point
    return None


@dataclass(frozen=True)
class Move:
    """A reference liquidation price before and after (None: none, or not computed: see the reasons)."""

    symbol: str
    notional: Fraction
    leverage: Fraction | None
    before: Fraction | None
    after: Fraction | None
    before_reason: str | None = None
    after_reason: str | None = None

    @property
    def change(self) -> Fraction | None:
        """after - before, in percent of the entry price (None unless both exist)."""
        if self.before is None or self.after is None:
            return None
        return (self.after - self.before) / ENTRY * 100


def liquidation_moves(before_rule, after_rule, symbols, date, reference: Reference = Reference()) -> dict:
    """symbol -> :class:`Move` of the reference position for each of ``symbols`` on ``date``."""
    mode = _mode(after_rule)
    if mode is None or after_rule.product.spot:
        return {}
    return {symbol: _move(before_rule, after_rule, mode, symbol, date, reference) for symbol in symbols}


def _mode(rule):
    with_liquidation = [m for m in rule.modes.values() if "liquidation" in m.conditions]
    isolated = [m for m in with_liquidation if m.account == "isolated"]
    return (isolated or with_liquidation or [None])[0]


def _move(before_rule, after_rule, mode, symbol, date, reference) -> Move:
    market = after_rule.markets.market(symbol)
    spec = market.spec_at(date) if market is not None else None
    columns = set(mode.tier_symbols.values())
    notional = reference.notional or _auto_notional(before_rule, market, symbol, date, columns) or reference.fallback
    leverage = reference.leverage
    if spec is not None and spec.max_leverage is not None:
        leverage = min(leverage, spec.max_leverage)
    try:
        account = _account(after_rule, mode, symbol, spec, notional, leverage, date)
    except (EvaluationError, DerivationError) as exc:
        return Move(symbol, notional, leverage, None, None, f"not computed: {exc}", f"not computed: {exc}")
    before, before_reason = _price(before_rule, account, date)
    after, after_reason = _price(after_rule, account, date)
    return Move(symbol, notional, leverage, before, after, before_reason, after_reason)


def _auto_notional(before_rule, market, symbol, date, columns) -> Fraction | None:
    """Where the brackets changed, for a market whose tier table changed on ``date``."""
    old_market = before_rule.markets.market(symbol) if before_rule.markets is not None else None
    old = old_market.tiers_at(date) if old_market is not None else None
    new = market.tiers_at(date) if market is not None else None
    return changed_notional(old.table, new.table, columns) if old is not None and new is not None else None


def _account(rule, mode, symbol, spec, notional, leverage, date) -> Account:
    """The reference position: a long of ``notional`` (quote currency) entered at :data:`ENTRY`, isolated with its
    initial margin at ``leverage`` (the rule's ``initial_margin``), or cross with that as its whole wallet."""
    fields = {"entryPrice": ENTRY, "markPrice": ENTRY, "leverage": leverage}
    size = spec.contract_size if spec is not None and spec.contract_size is not None else None
    if size is not None:
        fields["contractSize"] = size
    per_contract = size if size is not None else Fraction(1)
    # contracts of an inverse market are quoted in the quote currency, of a linear one in the base asset
    fields["contracts"] = notional / per_contract if rule.product.inverse else notional / (ENTRY * per_contract)
    opening = Account("futures", "isolated", (Position(symbol, "long", fields),), file="<reference position>")
    collateral = position_definitions(rule, opening, ("initial_margin",), date)[0].get("initial_margin")
    if collateral is None:
        raise EvaluationError("the rule's initial_margin cannot be computed for the reference position")
    fields["collateral"] = collateral
    wallet = collateral if mode.account == "cross" else None
    return Account("futures", mode.account, (Position(symbol, "long", fields),), wallet_balance=wallet,
                   mode=mode.name, file="<reference position>")


def _price(rule, account, date) -> tuple:
    """(liquidation price or None, why there is none or why it was not computed)."""
    try:
        position = evaluate_account(rule, account, date=date).positions[0]
    except (EvaluationError, DerivationError) as exc:
        return None, f"not computed: {exc}"
    return position.liquidation_price, position.reason
