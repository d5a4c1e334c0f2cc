"""The ``evaluate`` job's reports: the JSON object docs/how-to/check-my-positions.md shows, its text table, and its warnings.

Decimals are strings, exact (:func:`verifier.report.numbers.decimal_text`).  A liquidation price is given twice:
``liquidationPrice`` at its market's tick (from the market catalog), rounded as the rule says
(:meth:`verifier.model.Display.round_price`), and ``liquidationPriceExact``, the exact value (to 18 decimal places
where its decimal does not terminate); ``priceTick`` is the tick used (null: none known, and both are exact).
Where no liquidation price exists both are ``null`` and ``liquidationPriceReason`` says why (a position whose
condition is reached only past its table's last bracket says it has outgrown the table).  ``tier`` is the tier row
holding the position at its mark, ``liquidationTier`` the row holding it at the liquidation price: they differ
when the price crosses a bracket on its way (null: unknown, e.g. the position gives its own bracket).

>>> from verifier.derive.account import AccountEvaluation, PositionEvaluation
>>> from verifier.model.rule import Display
>>> tick = Display(Fraction(1, 10), "half-up")
>>> btc = PositionEvaluation("BTC/USDT:USDT", "long", Fraction(11790000, 199), None, Fraction(250), Fraction(0), 2,
...                          "normal", tick, liquidation_tier=2)
>>> evaluation = AccountEvaluation("binance/usdm-perpetual", "isolated", Display(None, "half-up"), (btc,), None,
...                                "normal")
>>> data = evaluation_data(evaluation)["positions"][0]
>>> data["liquidationPrice"], data["liquidationPriceExact"], data["priceTick"]
('59246.2', '59246.231155778894472362', '0.1')
>>> print(evaluation_text(evaluation), end="")
BTC/USDT:USDT long: liquidation price 59246.2 (exact 59246.231155778894472362), maintenance margin 250, unrealised PnL 0, tier 2 at the mark and at the liquidation price
no margin ratio (the rule defines none); status normal
"""

from __future__ import annotations

from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.report.diagnostics import json_text
from verifier.report.numbers import decimal_text

FORMATS = ("text", "json")


def price_text(display, price) -> str | None:
    """A price at the display's tick (rounded as the rule says), else exact; None stays None."""
    if price is None:
        return None
    if display.price_tick is None:
        return decimal_text(price)
    return display.price_text(price)


def position_data(display, position) -> dict:
    """One position in ccxt's field names (``display``: the rule's, used when the position carries none)."""
    shown = position.display if position.display.price_tick is not None else display
    data = {"symbol": position.symbol, "side": position.side,
            "liquidationPrice": price_text(shown, position.liquidation_price),
            "liquidationPriceExact": decimal_text(position.liquidation_price),
            "priceTick": decimal_text(shown.price_tick),
            "maintenanceMargin": decimal_text(position.maintenance_margin),
            "unrealizedPnl": decimal_text(position.unrealized_pnl), "tier": position.tier,
            "liquidationTier": position.liquidation_tier}
    if position.liquidation_price is None:
        data["liquidationPriceReason"] = position.reason
    if position.lacks:
        data["lacks"] = [{"symbol": symbol, "why": why} for symbol, why in position.lacks]
    if position.status_reason:
        data["statusReason"] = position.status_reason
    if position.differences:
        data["ownValues"] = [difference_data(d) for d in position.differences]
    return data


def difference_data(difference) -> dict:
    """A value the position gives itself beside the catalog's (``used``: whether the position's was used)."""
    provenance = difference.provenance
    return {"symbol": difference.symbol, "field": difference.field, "position": decimal_text(difference.own),
            "catalog": decimal_text(difference.catalog), "used": difference.used,
            "catalogSource": provenance.source if provenance else None,
            "catalogEffective": provenance.effective.isoformat() if provenance else None}


def difference_warnings(evaluation) -> list:
    """One warning (MV617, a :class:`~verifier.errors.Diagnostic`) per value a position gives itself that the catalog version in force contradicts.

    >>> import datetime as dt
    >>> from verifier.derive.account import AccountEvaluation, PositionEvaluation
    >>> from verifier.derive.account.legs import CatalogDifference
    >>> from verifier.model.market import Provenance
    >>> seen = Provenance("meta", dt.date(2026, 11, 28), dt.date(2026, 11, 28), dt.date(2026, 11, 28))
    >>> btc = PositionEvaluation("BTC/USDC:USDC", "long", None, "r", None, None, None, "normal", index=3,
    ...                          differences=(CatalogDifference("maxLev", "maxLeverage", Fraction(40), Fraction(50),
    ...                                                         seen),))
    >>> e = AccountEvaluation("hyperliquid/perpetual", "cross", None, (btc,), None, "normal")
    >>> print(difference_warnings(e)[0].render())
    warning[MV617]: #3 BTC/USDC:USDC: maxLev is 40 in the position, 50 in the catalog (maxLeverage, source meta, effective 2026-11-28): the position's value is used
    """
    lines = []
    for position in evaluation.positions:
        if not position.differences:
            continue
        where = (f"#{position.index} " if position.index is not None else "") + position.symbol
        for d in position.differences:
            provenance = d.provenance
            catalog = f"{d.field}" + (f", source {provenance.source}, effective {provenance.effective.isoformat()}"
                                      if provenance else "")
            outcome = "the position's value is used" if d.used else \
                "the catalog's bracket is used (the position gives the bracket only in part)"
            lines.append(Diagnostic("MV617", f"{where}: {d.symbol} is {decimal_text(d.own)} in the position, "
                                    f"{decimal_text(d.catalog)} in the catalog ({catalog}): {outcome}", file=None,
                                    severity="warning", subject=f"{where} {d.symbol}",
                                    summary="values positions give themselves that the catalog version in force "
                                            "contradicts"))
    return lines


def evaluation_data(evaluation) -> dict:
    """The section-4 object: ``positions``, ``marginLevel`` (spot margin) or ``marginRatio`` (futures, where the
    rule defines one) and ``status``."""
    data = {"positions": [position_data(evaluation.display, p) for p in evaluation.positions],
            "marginLevel": decimal_text(evaluation.margin_level), "status": evaluation.status}
    if evaluation.margin_ratio is not None:
        data["marginRatio"] = decimal_text(evaluation.margin_ratio)
    return data


def _account_ratio_text(evaluation) -> str:
    """The account's margin level or margin ratio as the rule defines it, or why it has none (never 'None')."""
    if evaluation.margin_level is not None:
        return f"margin level {decimal_text(evaluation.margin_level)}"
    if evaluation.margin_ratio is not None:
        return f"margin ratio {decimal_text(evaluation.margin_ratio)}"
    if evaluation.margin_mode == "isolated" and any(p.margin_ratio is not None for p in evaluation.positions):
        return "margin ratio per position (isolated)"
    return f"no margin ratio ({evaluation.ratio_reason or 'the rule defines none'})"


def evaluation_text(evaluation) -> str:
    """One line per position, then the account's margin level and status."""
    lines = []
    for p in evaluation_data(evaluation)["positions"]:
        price = p["liquidationPrice"] or f"none ({p['liquidationPriceReason']})"
        if p["liquidationPrice"] is not None and Fraction(p["liquidationPrice"]) != Fraction(p["liquidationPriceExact"]):
            price += f" (exact {p['liquidationPriceExact']})"
        parts = [f"liquidation price {price}"] + [f"{label} {p[key]}" for label, key in (
            ("maintenance margin", "maintenanceMargin"), ("unrealised PnL", "unrealizedPnl"))
            if p[key] is not None]  # a value the rule does not define for this product is left out, never 'None'
        if p["tier"] is not None or p["liquidationTier"] is not None:
            parts.append(tiers_text(p["tier"], p["liquidationTier"]))
        if "lacks" in p:
            parts.append("no " + ", ".join(n for n, k in (("maintenance margin", "maintenanceMargin"), (
                "unrealised PnL", "unrealizedPnl")) if p[k] is None) + " or status: it lacks " + "; ".join(
                f"{item['symbol']} ({item['why']})" for item in p["lacks"]))
        lines.append(f"{p['symbol']} {p['side']}: " + ", ".join(parts))
    lines.append(f"{_account_ratio_text(evaluation)}; status {evaluation.status}")
    return "\n".join(lines) + "\n"


def tiers_text(tier, liquidation_tier) -> str:
    """The tier row at the mark and the one at the liquidation price, said together (either may be unknown).

    >>> tiers_text(2, 2), tiers_text(2, 3), tiers_text(2, None), tiers_text(None, 4)
    ('tier 2 at the mark and at the liquidation price', 'tier 2 at the mark, tier 3 at the liquidation price', 'tier 2 at the mark', 'tier 4 at the liquidation price')
    """
    if tier is not None and tier == liquidation_tier:
        return f"tier {tier} at the mark and at the liquidation price"
    said = [f"tier {tier} at the mark"] if tier is not None else []
    if liquidation_tier is not None:
        said.append(f"tier {liquidation_tier} at the liquidation price")
    return ", ".join(said)


def stale_warnings(evaluation, on) -> list:
    """The MV609 warnings (:class:`~verifier.errors.Diagnostic`, for stderr): one per market whose data in force
    on date ``on`` was last seen more than the rule's threshold before it (its specification, its tiers or both).

    >>> import datetime as dt
    >>> from verifier.model.market import Provenance
    >>> from verifier.derive.account import AccountEvaluation
    >>> seen = Provenance("ft", dt.date(2026, 9, 29), dt.date(2026, 9, 29), dt.date(2026, 11, 28))
    >>> e = AccountEvaluation("binance/usdm-perpetual", "isolated", None, (), None, "normal",
    ...                       (("BTC/USDT:USDT", "tiers", seen, 60),), 30, "binance/usdm-perpetual", "binanceusdm")
    >>> [warning] = stale_warnings(e, dt.date(2026, 11, 28))
    >>> print(warning.render())
    warning[MV609]: the tiers of BTC/USDT:USDT were last seen on 2026-09-29 (source ft), 60 days before 2026-11-28 (the rule warns after 30); hint: refresh them: margin-verifier import binance/usdm-perpetual --live binanceusdm, or --markets/--tiers with ccxt dumps
    >>> warning.subject
    'BTC/USDT:USDT (tiers 60 days old)'
    """
    key = (evaluation.stale, evaluation.stale_after_days, evaluation.catalog, evaluation.exchange, on)
    try:
        found = _STALE_SAID.get(key)
    except TypeError:  # an entry that cannot be hashed: said afresh
        found, key = None, None
    if found is None:
        found = tuple(_stale_warnings(evaluation, on))
        if key is not None:
            if len(_STALE_SAID) > 1000:
                _STALE_SAID.clear()
            _STALE_SAID[key] = found
    return list(found)


_STALE_SAID: dict = {}
"""The warnings of each set of stale entries (the accounts of one file mostly hold the same markets: said once;
a Diagnostic is frozen, so sharing one is the same as making it again)."""


def _stale_warnings(evaluation, on) -> list:
    parts: dict = {}
    for symbol, part, provenance, days, *rest in evaluation.stale:
        following = rest[0] if rest else None
        parts.setdefault(symbol, []).append(("tiers" if part == "tiers" else "market data", provenance, days,
                                             following))
    summary = (f"markets whose data were last seen more than {evaluation.stale_after_days} days before "
               f"{on.isoformat()} (the rule's stale_after_days)")
    refresh = (f"refresh them: margin-verifier import {evaluation.catalog} --live {evaluation.exchange}, or "
               "--markets/--tiers with ccxt dumps")
    out = []
    for symbol, found in parts.items():
        said = [f"{'the' if n == 0 else 'its'} {what}{f' of {symbol}' if n == 0 else ''}"
                f"{' were last seen' if n == 0 else ''} on {p.seen.isoformat()} (source {p.source}), {days} days "
                f"before{f' {on.isoformat()}' if n == 0 else ''}" for n, (what, p, days, _) in enumerate(found)]
        message = ", and ".join(said) + f" (the rule warns after {evaluation.stale_after_days})"
        gaps = sorted({following for *_, following in found if following is not None})
        hint = refresh
        if gaps:  # an older version carried across a gap in the record: a newer import would not fill it
            message += (f"; the record has nothing between then and the next version ({gaps[0].isoformat()})")
            hint = (f"import a recording of that time: margin-verifier import {evaluation.catalog} --markets/--tiers "
                    "DUMP --effective DATE")
        subject = f"{symbol} (" + ", ".join(f"{what} {days} days old" for what, _, days, _ in found) + (
            f"; nothing recorded until the next version, {gaps[0].isoformat()}" if gaps else "") + ")"
        out.append(Diagnostic("MV609", message, file=None, hint=hint, severity="warning", subject=subject,
                              summary=summary))
    return out


def evaluated_warnings(evaluated) -> list:
    """Every warning of an evaluate result (:class:`verifier.jobs.evaluate.Evaluated`: one file, one line of a
    JSON-lines file, one account of the API or of batch's exact path), each once: the MV609 staleness of its
    markets, then the MV617 values its positions give against the catalog's.  Every input path says these, so
    that the same positions get the same warnings however they are given."""
    found = [w for evaluation in evaluated.evaluations
             for w in stale_warnings(evaluation, evaluated.on) + difference_warnings(evaluation)]
    if len(evaluated.evaluations) == 1 and all(w.code == "MV609" for w in found):
        return found  # one pool's staleness: one warning a market already
    return list(dict.fromkeys(found))  # a market in two pools is said once


def render(evaluation, fmt: str = "text", unread=(), explained=None, evaluated_by=None) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`); ``unread``: the snapshot's fields the rule does not read
    (:class:`verifier.read.ccxt_unread.Unread`), said after the positions (JSON: ``unread``, only when some are);
    ``explained``: id(position) -> its ``--explain`` trace (:mod:`verifier.report.explain`), after them (JSON: each
    position's ``explain``), ``evaluated_by`` why the reference evaluation computed them."""
    if fmt == "json":
        data = evaluation_data(evaluation)
        if unread:
            data["unread"] = [{"path": u.path, "count": u.count, "why": u.why} for u in unread]
        if explained:
            from verifier.report.explain import add_explanations

            add_explanations(data["positions"], evaluation.positions, explained, evaluated_by)
        return json_text(data)
    text = evaluation_text(evaluation)
    text += "".join(f"not read: {u.path} ({u.count} position{'s' if u.count != 1 else ''}): {u.why}\n"
                    for u in unread)
    if explained:
        from verifier.report.explain import explained_text

        text += "\n" + explained_text((evaluation,), explained, evaluated_by)
    return text
