"""The ``compare`` job's reports: cross and isolated side by side, as a JSON object, a text table or Markdown.

Every number comes from :mod:`verifier.report.numbers`.  A liquidation price is shown at its market's tick,
rounded as the rule says (:func:`verifier.report.evaluate.price_text`), and given exactly in JSON
(``liquidationPriceExact``); a distance from the mark is a percentage, ``~`` where it is rounded to 2 places.
Money is per settlement currency.  JSON decimals are strings, exact (18 places where a decimal does not end);
``distanceFromMark`` is (liquidation price - mark) / mark as a fraction (-0.0629... for -6.29 %).

>>> percent_text(Fraction(-47, 747)), percent_text(Fraction(-1, 10))
('~-6.29%', '-10%')
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction  # noqa: F401 - for the doctest

from verifier.report.diagnostics import json_text
from verifier.report.evaluate import price_text
from verifier.report.evaluate import stale_warnings as _evaluate_stale_warnings
from verifier.report.numbers import approx_text, decimal_text, grouped_text

FORMATS = ("text", "json", "markdown")
MODES = ("cross", "isolated")


def percent_text(fraction) -> str | None:
    """-47/747 -> '~-6.29%'; None stays None."""
    return None if fraction is None else approx_text(fraction * 100, 2) + "%"


def _money(amounts: dict) -> dict:
    return {currency: decimal_text(amount) for currency, amount in amounts.items()}


def _money_text(amounts: dict) -> str:
    return ", ".join(f"{grouped_text(amount, 2)} {currency}" for currency, amount in amounts.items()) or "0"


# --------------------------------------------------------------------------------------------- the data


def max_loss(comparison) -> dict:
    """Mode -> currency -> the most that can be lost: the whole cross wallet; the sum of isolated allocations."""
    wallets = comparison.wallets.values()
    return {"cross": {w.settle: w.cross_wallet for w in wallets},
            "isolated": {w.settle: w.allocated for w in wallets}}


def _position_data(comparison, holding) -> dict:
    cross, isolated = comparison.closed.cross[holding.index], comparison.closed.isolated[holding.index]
    wallet, allocated = comparison.wallets[holding.settle], comparison.allocated[holding.index]

    def priced(p) -> dict:
        data = {"liquidationPrice": price_text(p.display, p.liquidation_price),
                "liquidationPriceExact": decimal_text(p.liquidation_price),
                "distanceFromMark": decimal_text(p.distance), "status": p.status, "ruleMode": p.mode}
        if p.liquidation_price is None:
            data["liquidationPriceReason"] = p.reason
        return data

    return {"symbol": holding.symbol, "side": holding.side, "label": holding.label, "marginMode": holding.given_mode,
            "markPrice": decimal_text(holding.mark), "settle": holding.settle,
            "cross": priced(cross) | {"maxLoss": decimal_text(wallet.cross_wallet),
                                      "liquidatedWith": list(wallet.positions)},
            "isolated": priced(isolated) | {"maxLoss": decimal_text(allocated.amount),
                                            "allocated": decimal_text(allocated.amount),
                                            "allocatedFrom": allocated.how,
                                            "allocatedValue": decimal_text(allocated.value)}}


def _step_data(step) -> dict:
    def mode(o) -> dict:
        return {"liquidated": list(o.liquidated), "realisedLoss": _money(o.realised_loss), "equity": _money(o.equity)}
    return {"label": step.label, "prices": {s: decimal_text(p) for s, p in step.prices.items()},
            "cross": mode(step.cross), "isolated": mode(step.isolated)}


def _check_data(check) -> dict:
    return {"shock": check.shock, "mode": check.mode, "positions": list(check.positions),
            "predictedStep": check.predicted, "simulatedStep": check.simulated, "route": check.route,
            "liquidationPrice": decimal_text(check.liquidation_price), "price": decimal_text(check.price),
            "market": check.market, "agrees": check.agrees}


def comparison_data(comparison) -> dict:
    """The JSON object: wallets, positions side by side, the most that can be lost, shocks, the cross-check."""
    c = comparison
    return {
        "rule": c.rule.id, "date": c.date.isoformat() if c.date else None, "accounts": list(c.book.files),
        "wallets": [{"settle": w.settle, "crossWallet": decimal_text(w.cross_wallet),
                     "walletBalance": decimal_text(w.given), "walletBalanceFrom": w.given_from,
                     "isolatedCollateral": decimal_text(w.collateral), "isolatedAllocated": decimal_text(w.allocated),
                     "isolatedFree": decimal_text(w.free), "crossPositions": list(w.positions)}
                    for w in c.wallets.values()],
        "positions": [_position_data(c, h) for h in c.book.holdings],
        "maxLoss": {mode: _money(amounts) for mode, amounts in max_loss(c).items()},
        "shocks": [{"shock": o.shock.label, "source": o.shock.source, "atMark": _step_data(o.at_mark),
                    "steps": [_step_data(s) for s in o.steps]} for o in c.outcomes],
        "simulatorSetup": c.setup,
        "crossCheck": {"checks": len(c.checks), "agrees": c.agrees,
                       "disagreements": [_check_data(k) for k in c.disagreements]},
    }


# --------------------------------------------------------------------------------------------- tables


def position_rows(comparison) -> tuple[list, list]:
    """(header, rows) of the side-by-side table of liquidation prices, distances and maximum losses."""
    header = ["position", "held", "mark", "cross liq.", "distance", "isolated liq.", "distance", "allocated"]
    rows = []
    for h in comparison.book.holdings:
        cross, isolated = comparison.closed.cross[h.index], comparison.closed.isolated[h.index]
        allocated = comparison.allocated[h.index]
        how = {"account": "as held",
               "initial": f"initial at {decimal_text(allocated.value)}x" if allocated.value is not None else "initial",
               "amount": "--allocate", "percent": f"{percent_text(allocated.value)} of wallet"}[allocated.how]
        rows.append([h.label, h.given_mode, decimal_text(h.mark),
                     price_text(cross.display, cross.liquidation_price) or "none",
                     percent_text(cross.distance) or "-",
                     price_text(isolated.display, isolated.liquidation_price) or "none",
                     percent_text(isolated.distance) or "-", f"{grouped_text(allocated.amount, 2)} ({how})"])
    return header, rows


def shock_rows(comparison) -> tuple[list, list]:
    """(header, rows): per shock (and step of a path), what each mode liquidates, its realised loss, equity left."""
    header = ["shock", "cross liquidated", "cross loss", "cross equity", "isolated liquidated", "isolated loss",
              "isolated equity"]
    rows = []
    for outcome in comparison.outcomes:
        for number, step in enumerate(outcome.steps):
            label = outcome.shock.label if len(outcome.steps) == 1 else f"{outcome.shock.label} #{number + 1}: " \
                                                                        f"{step.label}"
            row = [label]
            for mode in MODES:
                o = step.mode(mode)
                row += [", ".join(o.liquidated) or "-", _money_text(o.realised_loss), _money_text(o.equity)]
            rows.append(row)
    return header, rows


def _summary(comparison) -> list:
    lines = []
    for h in comparison.book.holdings:  # why a price is none, below the table (it would widen every row)
        for mode in MODES:
            closed = getattr(comparison.closed, mode)[h.index]
            if closed.liquidation_price is None:
                lines.append(f"{h.label}: no {mode} liquidation price: {closed.reason}")
    for w in comparison.wallets.values():
        source = {"cross": "the cross snapshot's walletBalance", "isolated": "walletBalance outside the isolated "
                  "positions + their collateral", None: "the isolated positions' collateral"}[w.given_from]
        lines.append(f"{w.settle}: cross wallet {grouped_text(w.cross_wallet, 2)} ({source}); isolated allocates "
                     f"{grouped_text(w.allocated, 2)} and keeps {grouped_text(w.free, 2)} outside the positions")
    loss = max_loss(comparison)
    lines.append(f"most that can be lost: cross {_money_text(loss['cross'])} (the whole cross wallet), isolated "
                 f"{_money_text(loss['isolated'])} (the sum of allocations)")
    for w in comparison.wallets.values():
        if len(w.positions) > 1:
            lines.append(f"in cross, {', '.join(w.positions)} are liquidated together ({w.settle} wallet); each cross "
                         "liquidation price holds the other positions at their marks")
    return lines


def _check_lines(comparison) -> list:
    if not comparison.checks:
        return []
    if comparison.agrees:
        return [f"cross-check: the simulator agrees with the liquidation prices on all {len(comparison.checks)} "
                f"(shock, mode, group) checks"]
    lines = [f"DISAGREEMENT: the simulator and the liquidation prices disagree on {len(comparison.disagreements)} of "
             f"{len(comparison.checks)} checks (a bug in margin-verifier or in the rule's closed forms):"]
    for k in comparison.disagreements:
        lines.append(f"  {k.shock}, {k.mode} {', '.join(k.positions)}: the liquidation prices say step "
                     f"{k.predicted}, the simulator step {k.simulated} ({k.route}, liquidation price "
                     f"{decimal_text(k.liquidation_price)}, price {decimal_text(k.price)})")
    return lines


def _text_table(header, rows) -> list:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def _md_table(header, rows) -> list:
    cell = lambda v: str(v).replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]


def comparison_text(comparison, markdown: bool = False) -> str:
    """The readable report (``markdown``: the same as Markdown tables)."""
    table = _md_table if markdown else _text_table
    c = comparison
    title = f"compare under {c.rule.id}" + (f" on {c.date.isoformat()}" if c.date else "") + ": " + \
        ", ".join(c.book.files)
    # bold, not headings: Markdown output is pasted into pages (the site's, an issue's) under their own headings
    strong = (lambda text: f"**{text}**") if markdown else (lambda text: text)  # noqa: E731
    lines = [strong(title), ""] + table(*position_rows(c)) + [""]
    lines += [("- " if markdown else "") + line for line in _summary(c)]
    if c.outcomes:
        lines += ["", strong("shocks, run by the reference simulator (moves from the marks)"), ""]
        lines += table(*shock_rows(c))
        lines += [""] + _check_lines(c)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Stale:
    """What :func:`verifier.report.evaluate.stale_warnings` reads, for compare's market data."""

    stale: tuple
    stale_after_days: int
    catalog: str | None
    exchange: str | None


def stale_warnings(comparison, on) -> list:
    """The MV609 warnings (stderr) of the market data compare used, as ``evaluate`` words them."""
    catalog = comparison.rule.markets
    return _evaluate_stale_warnings(_Stale(comparison.closed.stale, comparison.rule.stale_after_days,
                                           catalog.id if catalog else None, catalog.exchange if catalog else None), on)


def render(comparison, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json_text(comparison_data(comparison))
    return comparison_text(comparison, markdown=fmt == "markdown")
