"""Random positions for the rule pages' calculators, and what the evaluate job answers for each (the expectation).

A case is what a reader types: a mode, a market of the catalog, a side and the text of each field the mode asks
for; about one in six is a mistake (a negative or zero size, a zero price, a leverage above the market's limit,
text that is not a number, a required field left blank, a market the catalog does not list).  :func:`expected`
runs the same position through the evaluate job, in process, and returns what the page must show: every number
exact (a Fraction's str), or the codes and messages of the refusal.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal
from fractions import Fraction

from verifier.derive.account.market import MarketData
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_accounts
from verifier.model.account import AccountSet
from verifier.read.account import account_from_data
from verifier.report.evaluate import price_text

TODAY = datetime.date(2026, 12, 7)
MISTAKES = ("negative size", "zero size", "zero entry", "zero mark", "leverage above the limit", "not a number",
            "blank required", "blank margin", "unknown market")


def _text(value: float, places: int) -> str:
    """A decimal with at most ``places`` decimals, as a person types it (no exponent, no trailing zeros)."""
    text = format(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _significant(value: float, digits: int = 5) -> str:
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return _text(value, places)


def cases(rule, spec: dict, rng: random.Random, n: int) -> list[dict]:
    """``n`` random positions for ``rule``'s calculator (``spec``: its generated data)."""
    modes = [mode for mode in spec["modes"] if "unusable" not in mode]
    symbols = sorted(spec["markets"])
    out = []
    for _ in range(n):
        mode = rng.choice(modes)
        symbol = rng.choice(symbols)
        out.append(_case(rule, mode, symbol, rng))
    return out


def _case(rule, mode: dict, symbol: str, rng: random.Random) -> dict:
    market = MarketData.of(rule, symbol, None)
    size = Fraction(market.field("contractSize") or 1)
    limit = market.leverage_limit()
    top = int(limit[0]) if limit else 125
    table = market.tier_table() if rule.tiers is not None else None
    highest = float(table.rows[-1].floor) if table is not None and len(table.rows) > 1 else 1e6
    entry = 10 ** rng.uniform(-3, 5)
    notional = 10 ** rng.uniform(1, math.log10(max(highest * 2, 100)))  # in the quote currency
    inverse = rule.product.inverse
    contracts = max(1, round(notional / float(size))) if inverse else max(0.001, notional / (entry * float(size)))
    leverage = rng.randint(1, max(1, min(top, 125)))
    own = (notional / entry if inverse else notional) / leverage  # the margin at that leverage, in collateral units
    factor = rng.choice([0.0, 0.15, 0.5, 0.9, 1.0, 1.1, 1.5, 3.0, 40.0]) * rng.uniform(0.9, 1.1)
    values = {"contracts": str(contracts) if inverse else _text(contracts, 3) or "0.001",
              "entryPrice": _significant(entry), "markPrice": _significant(entry * (1 + rng.uniform(-0.3, 0.3))),
              "collateral": _significant(own * factor) if factor else "0",
              "walletBalance": _significant(own * factor) if factor else "0", "leverage": str(leverage),
              "maintenanceMarginPercentage": rng.choice(["0.004", "0.005", "0.01", "0.025", "0.05", "0.1"]),
              "maintenanceAmount": rng.choice(["0", "0", _significant(own * 0.01 + 1e-6, 3)]),
              "takerFeeRate": rng.choice(["0.0005", "0.0006", "0.00075"])}
    if values["contracts"] in ("0", ""):
        values["contracts"] = "0.001"
    raw = {name: values[name] for name in mode["inputs"]}
    case = {"mode": mode["name"], "symbol": symbol, "side": rng.choice(["long", "short"]), "raw": raw,
            "mistake": None}
    if rng.random() < 1 / 6:
        _mistake(case, rng.choice(MISTAKES), limit, rng)
    return case


def _mistake(case: dict, kind: str, limit, rng: random.Random) -> None:
    raw = case["raw"]
    if kind == "negative size":
        raw["contracts"] = "-" + raw["contracts"]
    elif kind == "zero size":
        raw["contracts"] = "0"
    elif kind in ("zero entry", "zero mark"):
        raw["entryPrice" if kind == "zero entry" else "markPrice"] = "0"
    elif kind == "leverage above the limit" and "leverage" in raw and limit is not None:
        raw["leverage"] = str(int(limit[0]) + rng.randint(1, 30))
    elif kind == "not a number":
        raw[rng.choice(sorted(raw))] = rng.choice(["abc", "1,5", "1e", "--2", " ", "12 000", "0x10", "½"])
    elif kind == "blank required":
        raw[rng.choice(["contracts", "entryPrice", "markPrice"])] = ""
    elif kind == "blank margin" and ({"collateral", "walletBalance"} & set(raw)):
        raw[sorted({"collateral", "walletBalance"} & set(raw))[0]] = ""
    elif kind == "unknown market":
        case["symbol"] = "NOPE/USDT:USDT"
    else:
        return
    case["mistake"] = kind


def snapshot(case: dict, account: str) -> dict:
    """The account snapshot the case describes: blank fields are absent, walletBalance is the account's."""
    position = {"symbol": case["symbol"], "side": case["side"]}
    data = {"marginMode": account, "mode": case["mode"], "positions": [position]}
    for name, text in case["raw"].items():
        if text == "":
            continue
        (data if name == "walletBalance" else position)[name] = text
    return data


def expected(rule, case: dict) -> dict:
    """What the evaluate job answers for the case: {"errors": [[code, message], ...]} or the exact numbers."""
    account = rule.modes[case["mode"]].account
    try:
        read = account_from_data(snapshot(case, account))
        result = evaluate_accounts(rule, AccountSet("snapshot", (read,)), today=TODAY)
    except VerifierError as exc:
        found = [[d.code, d.message] for d in exc.diagnostics] or [[exc.code, str(exc)]]
        return {"errors": sorted(found)}
    [evaluation] = result.evaluations
    [p] = evaluation.positions
    shown = p.display if p.display.price_tick is not None else evaluation.display
    text = lambda v: None if v is None else str(Fraction(v))  # noqa: E731
    return {"price": text(p.liquidation_price), "priceText": price_text(shown, p.liquidation_price),
            "reason": p.reason, "tier": p.tier, "liquidationTier": p.liquidation_tier,
            "maintenanceMargin": text(p.maintenance_margin),
            "unrealizedPnl": text(p.unrealized_pnl), "marginRatio": text(p.margin_ratio), "status": p.status}


# The page's answer in the same shape (run in the browser on MVCalculator.evaluate's result).
PAGE_RESULT_JS = """
(r) => {
  const Q = window.MVQ;
  if (r.errors) return {errors: r.errors.map(e => [e.code, e.message]).sort()};
  const t = (v) => v === null || v === undefined ? null : Q.str(v);
  return {price: t(r.price), priceText: MVCalculator.priceText(r), reason: r.reason, tier: r.tier,
          liquidationTier: r.priceTier,
          maintenanceMargin: t(r.maintenanceMargin), unrealizedPnl: t(r.unrealizedPnl),
          marginRatio: t(r.marginRatio), status: r.status};
}
"""
