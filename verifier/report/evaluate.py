"""The ``evaluate`` job's reports: the JSON object of design.md section 4, and its text table.

Decimals are strings, exact (:func:`verifier.report.numbers.decimal_text`); a liquidation price is shown at the
rule's display tick, rounded as the rule says (:meth:`verifier.model.Display.round_price`), and exact when the
rule has no tick.  Where no liquidation price exists it is ``null`` and ``liquidationPriceReason`` says why.

>>> from fractions import Fraction
>>> from verifier.derive.account import AccountEvaluation, PositionEvaluation
>>> from verifier.model.rule import Display
>>> btc = PositionEvaluation("BTC/USDT:USDT", "long", Fraction(11790000, 199), None, Fraction(250), Fraction(0), 2,
...                          "normal")
>>> evaluation = AccountEvaluation("binance/usdm-perpetual", "isolated", Display(Fraction(1, 100), "half-up"),
...                                (btc,), None, "normal")
>>> evaluation_data(evaluation)["positions"][0]["liquidationPrice"]
'59246.23'
>>> print(evaluation_text(evaluation), end="")
BTC/USDT:USDT long: liquidation price 59246.23, maintenance margin 250, unrealised PnL 0, tier 2
margin level None; status normal
"""

from __future__ import annotations

from verifier.report.diagnostics import json_text
from verifier.report.numbers import decimal_text, fixed_text

FORMATS = ("text", "json")


def price_text(display, price) -> str | None:
    """A price at the display tick (rounded as the rule says), else exact; None stays None."""
    if price is None:
        return None
    if display.price_tick is None:
        return decimal_text(price)
    return fixed_text(display.round_price(price), display.price_decimals)


def position_data(display, position) -> dict:
    """One position in ccxt's field names."""
    data = {"symbol": position.symbol, "side": position.side,
            "liquidationPrice": price_text(display, position.liquidation_price),
            "maintenanceMargin": decimal_text(position.maintenance_margin),
            "unrealizedPnl": decimal_text(position.unrealized_pnl), "tier": position.tier}
    if position.liquidation_price is None:
        data["liquidationPriceReason"] = position.reason
    return data


def evaluation_data(evaluation) -> dict:
    """The section-4 object: ``positions``, ``marginLevel`` and ``status``."""
    return {"positions": [position_data(evaluation.display, p) for p in evaluation.positions],
            "marginLevel": decimal_text(evaluation.margin_level), "status": evaluation.status}


def evaluation_text(evaluation) -> str:
    """One line per position, then the account's margin level and status."""
    lines = []
    for p in evaluation_data(evaluation)["positions"]:
        price = p["liquidationPrice"] or f"none ({p['liquidationPriceReason']})"
        lines.append(f"{p['symbol']} {p['side']}: liquidation price {price}, maintenance margin "
                     f"{p['maintenanceMargin']}, unrealised PnL {p['unrealizedPnl']}, tier {p['tier']}")
    lines.append(f"margin level {decimal_text(evaluation.margin_level)}; status {evaluation.status}")
    return "\n".join(lines) + "\n"


def render(evaluation, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    return json_text(evaluation_data(evaluation)) if fmt == "json" else evaluation_text(evaluation)
