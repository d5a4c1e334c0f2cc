"""The ``compare`` job's reports: cross and isolated side by side, as a JSON object, a text table or Markdown, opening
with the verdict (:mod:`verifier.compare.verdict`) in one line of plain words (``verdict.text`` in JSON).

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


# --------------------------------------------------------------------------------------------- the verdict


def _join(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _shock_name(label: str) -> str:
    """A shock's label as the verdict names it: quoted when it holds a comma or a space."""
    return f"'{label}'" if any(c in label for c in ", ") else label


def _change(amounts: dict, verb: bool = True) -> str:
    """What a mode's equity did: 'loses 1,000 USDT', 'gains 1,300 USDT', 'loses nothing' (``verb`` False: the
    amount alone, for a second mode that did the same)."""
    if all(a == 0 for a in amounts.values()):
        return "loses nothing"
    if all(a >= 0 for a in amounts.values()):
        return ("loses " if verb else "") + _money_text(amounts)
    if all(a <= 0 for a in amounts.values()):
        return ("gains " if verb else "") + _money_text({c: -a for c, a in amounts.items()})
    return "changes by " + _money_text({c: -a for c, a in amounts.items()})


def _outcome(s, winner: str, inside: bool = False) -> str:
    """'it loses 1,000 USDT and cross 1,500 (500 USDT better)': both modes' changes and the difference (``inside``
    parentheses already: '...: 500 USDT better')."""
    other = "cross" if winner == "isolated" else "isolated"
    mine, theirs = _change(s.lost[winner]), _change(s.lost[other])
    same_verb = mine.split()[0] == theirs.split()[0] and "nothing" not in mine + theirs
    if same_verb and len(s.lost[other]) == 1:
        theirs = grouped_text(next(iter(s.lost[other].values())), 2)
        theirs = theirs.lstrip("-") if mine.startswith("gains") else theirs
    better = f"{_money_text(s.by)} better"
    return f"it {mine} and {other} {theirs}" + (f": {better}" if inside else f" ({better})")


def _wins(shocks, winner: str) -> str:
    """'loses less', or 'does better' where the mode that does better gains."""
    return "loses less" if all(a >= 0 for s in shocks for a in s.lost[winner].values()) else "does better"


def _losses(shocks) -> str:
    """Which mode loses less at each shock, and by how much."""
    winners = {s.less for s in shocks}
    if len(winners) == 1 and None not in winners and "mixed" not in winners:
        [winner] = winners
        if len(shocks) == 1:
            return (f"{winner} {_wins(shocks, winner)} at {_shock_name(shocks[0].shock)}: "
                    f"{_outcome(shocks[0], winner)}")
        where = "both shocks" if len(shocks) == 2 else f"all {len(shocks)} shocks"
        return f"{winner} {_wins(shocks, winner)} at {where}: " + "; ".join(
            f"at {_shock_name(s.shock)} {_outcome(s, winner)}" for s in shocks)
    parts = []
    for winner in ("isolated", "cross"):
        mine = [s for s in shocks if s.less == winner]
        if mine:
            parts.append(f"{winner} {_wins(mine, winner)} at " + _join(
                f"{_shock_name(s.shock)} ({_outcome(s, winner, inside=True)})" for s in mine))
    same = [s for s in shocks if s.less is None]
    if same:
        plural = {"loses": "lose", "gains": "gain", "changes": "change"}
        parts.append("both modes " + _join(
            " ".join([plural[_change(s.lost["cross"]).split()[0]]] + _change(s.lost["cross"]).split()[1:])
            + f" at {_shock_name(s.shock)}" for s in same))
    mixed = [s for s in shocks if s.less == "mixed"]
    if mixed:
        parts.append("it depends on the currency at " + _join(
            f"{_shock_name(s.shock)} (cross {_change(s.lost['cross'])}, isolated {_change(s.lost['isolated'])})"
            for s in mixed))
    return "; ".join(parts)


def _liquidations(verdict) -> str:
    """At which shocks (and steps of a path) each mode is liquidated."""
    at = verdict.liquidated_at
    if not at["cross"] and not at["isolated"]:
        return "neither mode is liquidated by these shocks"

    def where(mode) -> str:
        named = [_shock_name(s.shock) + (f" (step {s.first_step[mode]})" if s.steps > 1 else "")
                 for s in verdict.shocks if s.liquidated[mode]]
        return f"{mode} is liquidated at {_join(named)}" if named else f"{mode} is not"

    return f"{where('isolated')}, {where('cross')}"


def _nearest_text(nearest, name: bool = True) -> str:
    price = price_text(nearest.display, nearest.liquidation_price)
    return (f"{nearest.position} at {price}" if name else price) + f" ({percent_text(nearest.distance)} from the mark)"


def _without_shocks(verdict) -> str:
    """Where each mode is first liquidated, and the most each can lose."""
    most = verdict.most_lost
    text = (f"isolated can lose at most {_money_text(most['isolated'])} (its isolated margins), cross "
            f"{_money_text(most['cross'])} (the whole cross wallet)")
    near = verdict.nearest
    if near["isolated"] is None and near["cross"] is None:
        return text + "; neither has a liquidation price"
    ranked = sorted((m for m in ("isolated", "cross") if near[m] is not None), key=lambda m: abs(near[m].distance))
    first = ranked[0]
    text += f"; {first} is liquidated {'sooner' if len(ranked) == 2 else 'first'}: {_nearest_text(near[first])}"
    if len(ranked) == 2:
        second = near[ranked[1]]
        same = second.position == near[first].position
        text += f", {ranked[1]} at {_nearest_text(second, name=not same)}"
    else:
        text += f"; {'cross' if first == 'isolated' else 'isolated'} has no liquidation price"
    return text + "; --shock shows what each loses"


def verdict_text(comparison) -> str:
    """The verdict in one line of plain words.

    >>> import datetime
    >>> from verifier.read.whatif import parse_shocks
    >>> from verifier.jobs.compare import compare_files
    >>> result = compare_files("binance/usdm-perpetual", ["examples/compare/futures-isolated-1000.yaml"],
    ...                        shocks=parse_shocks("-10%,-35%"), date=datetime.date(2026, 10, 1))
    >>> print(verdict_text(result))
    Verdict: isolated loses less at both shocks: at -10% it loses 1,000 USDT and cross 1,500 (500 USDT better); at -35% it loses 1,000 USDT and cross 5,000 (4,000 USDT better); isolated is liquidated at -10% and -35%, cross is liquidated at -35%.
    """
    verdict = comparison.verdict
    at_marks = [f"{mode} is already at its liquidation condition at the marks ({', '.join(verdict.at_marks[mode])})"
                for mode in ("isolated", "cross") if verdict.at_marks[mode]]
    if verdict.shocks:
        said = [_losses(verdict.shocks), _liquidations(verdict)]
    else:
        said = [_without_shocks(verdict)]
    if comparison.unified is not None:
        said.append(_unified_verdict(comparison.unified))
    return "Verdict: " + "; ".join(at_marks + said) + "."


def _unified_verdict(column) -> str:
    """Where the unified account is liquidated (its positions held through every shock)."""
    rate = _rate_text(column.at_mark.margin_rate)
    if column.at_mark.liquidated:
        return f"unified ({column.rule.id}) is liquidated at the marks (margin rate {rate})"
    if not column.shocks:
        return f"unified ({column.rule.id}) has margin rate {rate} at the marks"
    at = column.liquidated_at
    where = f"is liquidated at {_join([_shock_name(s) for s in at])}" if at else "is liquidated by none of them"
    return f"unified ({column.rule.id}, margin rate {rate} at the marks) {where}"


def _rate_text(rate) -> str:
    return "none" if rate is None else approx_text(rate * 100, 2) + "%"


def verdict_data(comparison) -> dict:
    """The verdict in JSON: its ``text`` (the line the text report opens with) and the figures it says."""
    verdict = comparison.verdict

    def nearest(n) -> dict | None:
        return None if n is None else {"position": n.position, "liquidationPrice": decimal_text(n.liquidation_price),
                                       "distanceFromMark": decimal_text(n.distance)}

    return {"text": verdict_text(comparison),
            "shocks": [{"shock": s.shock, "losesLess": s.less, "by": _money(s.by),
                        "lost": {mode: _money(s.lost[mode]) for mode in MODES},
                        "liquidated": {mode: list(s.liquidated[mode]) for mode in MODES}} for s in verdict.shocks],
            "liquidatedAt": {mode: list(verdict.liquidated_at[mode]) for mode in MODES},
            "nearestLiquidation": {mode: nearest(verdict.nearest[mode]) for mode in MODES},
            "atLiquidationAtTheMarks": {mode: list(verdict.at_marks[mode]) for mode in MODES}}


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
                "distanceFromMark": decimal_text(p.distance), "status": p.status, "ruleMode": p.mode,
                "tier": p.tier, "liquidationTier": p.liquidation_tier}
        if p.liquidation_price is None:
            data["liquidationPriceReason"] = p.reason
        return data

    data = {"symbol": holding.symbol, "side": holding.side, "label": holding.label, "marginMode": holding.given_mode,
            "markPrice": decimal_text(holding.mark), "settle": holding.settle,
            "cross": priced(cross) | {"maxLoss": decimal_text(wallet.cross_wallet),
                                      "liquidatedWith": list(wallet.positions)},
            "isolated": priced(isolated) | {"maxLoss": decimal_text(allocated.amount),
                                            "allocated": decimal_text(allocated.amount),
                                            "allocatedFrom": allocated.how,
                                            "allocatedValue": decimal_text(allocated.value)}}
    for mode, traces in comparison.closed.explained.items():  # --explain
        if holding.index in traces:
            from verifier.report.explain import explanation_data

            data[mode]["explain"] = explanation_data(traces[holding.index])
    return data


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
        "verdict": verdict_data(c),
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
        "unified": _unified_data(c.unified) if c.unified is not None else None,
    }


def _unified_state_data(state) -> dict:
    return {"label": state.label, "marginRate": decimal_text(state.margin_rate) if state.margin_rate is not None
            else None, "status": state.status, "liquidated": state.liquidated,
            "coins": [{"coin": coin, "held": decimal_text(held), "usdPrice": decimal_text(price),
                       "maintenanceMarginUsd": decimal_text(margin)} for coin, held, price, margin in state.coins]}


def _unified_data(column) -> dict:
    """The unified column: the rule, the account at the marks and after each step of each shock."""
    return {"rule": column.rule.id, "atMark": _unified_state_data(column.at_mark),
            "shocks": [{"shock": label, "steps": [_unified_state_data(s) for s in steps]}
                       for label, steps in column.shocks],
            "liquidatedAt": list(column.liquidated_at)}


# --------------------------------------------------------------------------------------------- tables


def position_rows(comparison) -> tuple[list, list]:
    """(header, rows) of the side-by-side table: each position's liquidation price in each mode, its distance from
    the mark, and the isolated margin backing it (and where that comes from)."""
    header = ["position", "held", "mark", "cross liq.", "from mark", "isolated liq.", "from mark", "isolated margin"]
    rows = []
    for h in comparison.book.holdings:
        cross, isolated = comparison.closed.cross[h.index], comparison.closed.isolated[h.index]
        allocated = comparison.allocated[h.index]
        how = {"account": "its collateral",
               "initial": f"initial at {decimal_text(allocated.value)}x" if allocated.value is not None else "initial",
               "amount": "--allocate", "percent": f"{percent_text(allocated.value)} of the cross wallet"}[allocated.how]
        rows.append([h.label, h.given_mode, decimal_text(h.mark),
                     price_text(cross.display, cross.liquidation_price) or "none",
                     percent_text(cross.distance) or "-",
                     price_text(isolated.display, isolated.liquidation_price) or "none",
                     percent_text(isolated.distance) or "-", f"{grouped_text(allocated.amount, 2)} ({how})"])
    return header, rows


def shock_rows(comparison) -> tuple[list, list]:
    """(header, rows): per shock (and step of a path), what each mode has liquidated, the equity it has lost since
    the marks, and the equity it has left (:data:`SHOCK_LEGEND` says what each includes)."""
    header = ["shock", "cross liquidated", "cross lost", "cross equity left", "isolated liquidated", "isolated lost",
              "isolated equity left"]
    unified = dict(comparison.unified.shocks) if comparison.unified is not None else None
    if unified is not None:
        header += ["unified margin rate", "unified status"]
    rows = []
    for outcome in comparison.outcomes:
        start = outcome.at_mark
        reference = {c: max(start.cross.equity.get(c, 0), start.isolated.equity.get(c, 0))
                     for c in list(start.cross.equity) + list(start.isolated.equity)}
        for number, step in enumerate(outcome.steps):
            label = outcome.shock.label if len(outcome.steps) == 1 else f"{outcome.shock.label} #{number + 1}: " \
                                                                        f"{step.label}"
            row = [label]
            for mode in MODES:
                o = step.mode(mode)
                lost = {c: amount - o.equity.get(c, 0) for c, amount in reference.items()}
                row += [", ".join(o.liquidated) or "-", _money_text(lost), _money_text(o.equity)]
            if unified is not None:
                state = unified[outcome.shock.label][number]
                row += [_rate_text(state.margin_rate), state.status]
            rows.append(row)
    return header, rows


def unified_rows(state) -> tuple[list, list]:
    """(header, rows) of the unified account's coins in one state."""
    return (["coin", "held", "USD price", "positions' maintenance margin (USD)"],
            [[coin, decimal_text(held), decimal_text(price), decimal_text(margin)]
             for coin, held, price, margin in state.coins])


UNIFIED_LEGEND = ("account margin rate {rate}, status {status}; each settlement currency is a coin holding the cross "
                  "wallet plus its positions' unrealised PnL, with their maintenance margin in USD; in the shocks "
                  "table the positions are held (none liquidated step by step)")


SHOCK_LEGEND = ("lost: the equity at the marks minus the equity after the shock (losses realised by liquidations and "
                "the unrealised losses of open positions); equity left: in cross, the cross wallet with the positions' "
                "unrealised PnL; in isolated, the isolated margins with their positions' unrealised PnL, plus what "
                "stays outside them")
"""What the shock table's figures include (printed under it)."""


def _wallet_line(comparison, w) -> str:
    """A settlement currency's cross wallet, saying what it is made of, and how isolated splits it."""
    isolated = [h.label for h in comparison.book.holdings if h.settle == w.settle and h.given_mode == "isolated"]
    collateral = f"{grouped_text(w.collateral, 2)} collateral of the isolated positions ({', '.join(isolated)})"
    given = grouped_text(w.given, 2)
    if w.given_from == "cross":
        made = f"walletBalance {given} of the cross snapshot" + (f" + {collateral}, were they cross too"
                                                                   if w.collateral else "")
    elif w.given_from == "isolated":
        made = f"walletBalance {given} (outside the isolated positions) + {collateral}"
    else:
        made = f"{collateral} (no walletBalance given)"
    return (f"{w.settle}: cross wallet {grouped_text(w.cross_wallet, 2)} = {made}; in isolated, "
            f"{grouped_text(w.allocated, 2)} backs the positions and {grouped_text(w.free, 2)} stays outside them")


def _summary(comparison) -> list:
    lines = []
    for h in comparison.book.holdings:  # why a price is none, below the table (it would widen every row)
        for mode in MODES:
            closed = getattr(comparison.closed, mode)[h.index]
            if closed.liquidation_price is None:
                lines.append(f"{h.label}: no {mode} liquidation price: {closed.reason}")
            elif closed.tier_moves:  # the bracket at the mark is not the one the price is solved in
                lines.append(f"{h.label}: the {mode} liquidation price lies in tier {closed.liquidation_tier}, the "
                             f"mark in tier {closed.tier}")
    lines += [_wallet_line(comparison, w) for w in comparison.wallets.values()]
    loss = max_loss(comparison)
    lines.append(f"most that can be lost: cross {_money_text(loss['cross'])} (the whole cross wallet), isolated "
                 f"{_money_text(loss['isolated'])} (the isolated margins)")
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
    """The readable report (``markdown``: the same as Markdown tables): the verdict first, then the positions side
    by side and what each figure is made of, then the shocks."""
    table = _md_table if markdown else _text_table
    c = comparison
    title = f"positions under {c.rule.id}, " + (f"with the rule and market data in force on {c.date.isoformat()}"
                                                if c.date else "with the latest rule and market data")
    # bold, not headings: Markdown output is pasted into pages (the site's, an issue's) under their own headings
    strong = (lambda text: f"**{text}**") if markdown else (lambda text: text)  # noqa: E731
    lines = [strong(verdict_text(c)), "", strong(title), ""] + table(*position_rows(c)) + [""]
    lines += [("- " if markdown else "") + line for line in _summary(c)]
    if c.unified is not None:
        lines += ["", strong(f"unified: the same positions in {c.unified.rule.id}, at the marks"), ""]
        lines += table(*unified_rows(c.unified.at_mark))
        lines += ["", ("- " if markdown else "") + UNIFIED_LEGEND.format(
            rate=_rate_text(c.unified.at_mark.margin_rate), status=c.unified.at_mark.status)]
    if c.outcomes:
        lines += ["", strong("shocks, run by the reference simulator (moves from the marks)"), ""]
        lines += table(*shock_rows(c))
        lines += ["", ("- " if markdown else "") + SHOCK_LEGEND]
        lines += [("- " if markdown else "") + line for line in _check_lines(c)]
    text = "\n".join(lines) + "\n"
    if c.closed.explained:  # --explain: each position's trace in each mode, after the tables
        text += explained_comparison_text(c, markdown)
    return text


def explained_comparison_text(comparison, markdown: bool = False) -> str:
    """Each position's trace in cross, then in isolated (Markdown: each in a code block)."""
    from verifier.report.explain import explanation_text

    out = []
    for holding in comparison.book.holdings:
        for mode in ("cross", "isolated"):
            trace = comparison.closed.explained.get(mode, {}).get(holding.index)
            if trace is None:
                continue
            title = f"{holding.label} held {mode}: why its liquidation price is what it is"
            body = explanation_text(trace)
            out.append(f"\n**{title}**\n\n```text\n{body}```\n" if markdown else f"\n{body}")
    return "".join(out)


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


def own_value_warnings(comparison) -> list:
    """One MV658 warning per position that gives values of its own which ``evaluate`` uses before the catalog's (a
    ccxt export's ``market:`` fields, its own tier): compare's simulator prices every position by the catalog.

    >>> from types import SimpleNamespace as N
    >>> position = N(symbol="BTC/USDT:USDT", own_tier=Fraction(2600000), market_fields={})
    >>> comparison = N(book=N(holdings=(N(label="BTC/USDT:USDT", position=position),)))
    >>> print(own_value_warnings(comparison)[0].render())
    warning[MV658]: BTC/USDT:USDT gives its own tier limit 2600000, which evaluate uses; compare prices it by the market catalog's values (its tier by position value)
    """
    from verifier.errors import Diagnostic

    lines = []
    for holding in comparison.book.holdings:
        position = holding.position
        own = [f"{name} {decimal_text(value)}" for name, value in sorted((position.market_fields or {}).items())]
        if getattr(position, "own_tier", None) is not None:
            own.append(f"tier limit {decimal_text(position.own_tier)}")
        if own:
            lines.append(Diagnostic("MV658", f"{holding.label} gives its own {', '.join(own)}, which evaluate uses; "
                                    "compare prices it by the market catalog's values (its tier by position value)",
                                    file=None, severity="warning", subject=holding.label,
                                    summary="positions whose own values compare does not use"))
    return lines


def render(comparison, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json_text(comparison_data(comparison))
    return comparison_text(comparison, markdown=fmt == "markdown")
