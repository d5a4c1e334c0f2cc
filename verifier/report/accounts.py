"""The ``evaluate`` report of a file of several margin pools (a ccxt export): a table per position with the
exchange's own liquidation price beside ours, then a line per pool.

Every number comes from :mod:`verifier.report.numbers`; nothing says ``None``: a value that does not exist is
``-`` in text and null in JSON, with the reason beside it (``liquidationPriceReason``, the exchange's raw value).

>>> from fractions import Fraction as F
>>> percent_text(F(-1, 8))
'-12.50%'
>>> ratio_text(None), ratio_text(F(1, 3))
('-', '~0.333333333333')
"""

from __future__ import annotations

import json

from verifier.report.diagnostics import json_text, with_versions
from verifier.report.evaluate import position_data, price_text
from verifier.report.numbers import approx_text, decimal_text, fixed_text
from verifier.model.numbers import exact_text

FORMATS = ("text", "json")


def percent_text(value) -> str:
    return "-" if value is None else fixed_text(value * 100, 2) + "%"


def ratio_text(value) -> str:
    return "-" if value is None else approx_text(value)


def _bracket(position) -> str | None:
    bracket = position.bracket
    if not bracket:
        return None
    # the positions of one tier row share its bracket (the compiled program makes it once a row): written once
    key = (id(bracket), position.tier, position.bracket_source)
    found = _BRACKETS.get(key)
    if found is not None and found[0] is bracket:
        return found[1]
    parts = ", ".join(f"{name} {decimal_text(value)}" for name, value in bracket)
    tier = f"tier {position.tier}: " if position.tier is not None else ""
    text = f"{tier}{parts} ({position.bracket_source})"
    if len(_BRACKETS) > 4096:
        _BRACKETS.clear()
    _BRACKETS[key] = (bracket, text)  # the bracket held: its identity is not reused while the entry is there
    return text


_BRACKETS: dict = {}


def _reconciliation(check) -> dict | None:
    if check is None:
        return None
    return {"exchange": decimal_text(check.theirs), "exchangeRaw": check.raw, "field": check.field,
            "difference": decimal_text(check.difference), "ticks": decimal_text(check.ticks, 12),
            "relative": decimal_text(check.relative, 12), "verdict": check.verdict, "why": check.why}


def account_position_data(evaluation, position, check) -> dict:
    data = position_data(evaluation.display, position)
    data.update({"index": position.index, "marginMode": position.margin_mode, "settle": position.settle,
                 "ruleMode": position.mode, "markPrice": decimal_text(position.mark_price),
                 "bracket": _bracket(position), "distance": decimal_text(position.distance, 12),
                 "marginRatio": decimal_text(position.margin_ratio, 12), "status": position.status,
                 "reconciliation": _reconciliation(check)})
    return data


def unread_data(unread) -> list:
    """The export's fields the rule does not read (``verifier.read.ccxt_unread.Unread``), as JSON."""
    return [{"path": u.path, "part": u.part, "count": u.count, "why": u.why} for u in unread]


def unread_text(unread) -> list:
    """One line listing the fields of the export the rule does not read (then one per field the rule says why).

    >>> from verifier.read.ccxt_unread import Unread
    >>> print("\\n".join(unread_text((Unread("info.adl", 2), Unread("maintenanceMarginPercentage", 2, "no cum")))))
    not read from the positions (the rule does not use them): info.adl
    not read: maintenanceMarginPercentage (2 positions): no cum
    >>> print("\\n".join(unread_text((Unread("account.accountStatus", 1, None, "account"),))))
    not read from the account answer (the rule does not use them): account.accountStatus
    """
    lines = []
    for part in ("positions", "balance", "account"):
        plain = [u.path for u in unread if u.why is None and u.part == part]
        if plain:
            name = part if part != "account" else "account answer"
            lines.append(f"not read from the {name} (the rule does not use them): {', '.join(plain)}")
    for u in unread:
        if u.why is not None:
            where = f"{u.count} position{'s' if u.count != 1 else ''}" if u.part == "positions" else \
                ("balance" if u.part == "balance" else f"{u.part} answer")
            lines.append(f"not read: {u.path} ({where}): {u.why}")
    return lines


def set_data(evaluations, checks, skipped=(), unread=(), explained=None, evaluated_by=None) -> dict:
    """JSON: one object per pool, the positions in the file's order inside each, the skipped ones, and the fields
    of the export the rule does not read (``explained``: each position's ``explain`` object, ``--explain``)."""
    pools = []
    for evaluation in evaluations:
        pools.append({"marginMode": evaluation.margin_mode, "settle": evaluation.settle, "mode": evaluation.mode,
                      "walletBalance": decimal_text(evaluation.wallet_balance),
                      "marginRatio": decimal_text(evaluation.margin_ratio, 12),
                      "marginLevel": decimal_text(evaluation.margin_level, 12),
                      "marginRatioReason": evaluation.ratio_reason, "status": evaluation.status,
                      "quote": evaluation.quote, "symbol": evaluation.symbol,
                      "positions": [account_position_data(evaluation, p, checks.get(id(p)))
                                    for p in evaluation.positions]})
        if evaluation.totals:
            pools[-1]["totals"] = [total_data(entry, checks.get(id(entry))) for entry in evaluation.totals]
        if evaluation.derivatives:
            pools[-1]["derivatives"] = [derivative_data(d) for d in evaluation.derivatives]
        if explained:
            from verifier.report.explain import add_explanations

            add_explanations(pools[-1]["positions"], evaluation.positions, explained, evaluated_by, unread)
    verdicts: dict = {}
    for check in checks.values():
        if check is not None:
            verdicts[check.verdict] = verdicts.get(check.verdict, 0) + 1
    return {"accounts": pools, "skipped": [{"index": i, "symbol": s, "why": w} for i, s, w in skipped],
            "reconciliation": verdicts, "unread": unread_data(unread)}


def total_data(entry, check) -> dict:
    """A unified account's total: the rule's definition, ours, the exchange's figure and the verdict."""
    total, reported, ours = entry
    data = {"quantity": total.ours, "ours": decimal_text(ours, 12), "resolution": decimal_text(total.resolution)}
    data.update(_reconciliation(check) or {"exchange": decimal_text(reported.price), "field": reported.field})
    del data["ticks"]
    return data


def derivative_data(share) -> dict:
    """A unified account's position beside its balance: its maintenance margin in its settle coin, in the account's
    currency, and its share of the account's."""
    d = share.position
    return {"index": d.index, "symbol": d.symbol, "side": d.side, "settle": d.settle,
            "contracts": decimal_text(d.contracts), "maintenanceMargin": decimal_text(d.maintenance),
            "maintenanceMarginValue": decimal_text(share.maintenance_value, 12),
            "maintenanceMarginShare": decimal_text(share.share, 12), **_liquidation_data(share.liquidation)}


def _liquidation_data(found) -> dict:
    """A unified account's position: its market's price at which the account is liquidated, the others held."""
    if found is None:
        return {}
    return {"accountLiquidationPrice": decimal_text(found.price, 12),
            "accountLiquidationPriceExact": exact_text(found.price) if found.price is not None else None,
            "accountLiquidationReason": found.reason, "markPrice": decimal_text(found.mark),
            "distance": decimal_text(found.distance, 12), "pricedBy": found.rule,
            "ruleMaintenanceMargin": decimal_text(found.rule_maintenance, 12),
            "maintenanceMarginUsed": "rule" if found.rule is not None else None,
            **({"settlePrice": decimal_text(found.settle_price, 12)} if found.settle_price is not None else {})}


def derivative_lines(evaluation) -> list:
    """One line per position beside a unified balance."""
    lines = []
    for share in evaluation.derivatives:
        d = share.position
        lines.append(f"position #{d.index} {d.symbol} {d.side or ''} {decimal_text(d.contracts)} contracts: "
                     f"maintenance margin {decimal_text(d.maintenance) or '-'} {d.settle}"
                     + (f" = {approx_text(share.maintenance_value, 8)} {evaluation.quote}"
                        if share.maintenance_value is not None else "")
                     + (f", {percent_text(share.share)} of the account's" if share.share is not None else ""))
        found = share.liquidation
        if found is None:
            continue
        if found.price is not None:
            lines.append(f"  the account is liquidated at {d.symbol} {approx_text(found.price, 8)} "
                         f"({percent_text(found.distance)} from the mark {decimal_text(found.mark)}), "
                         + (f"{d.settle} at {approx_text(found.settle_price, 8)} {evaluation.quote} with it (an "
                            "inverse contract: its settle coin's price moves with its mark), "
                            if found.settle_price is not None else "")
                         + f"every other price held (priced by {found.rule})")
        else:
            lines.append(f"  no price of {d.symbol} liquidates the account: {found.reason}")
        if found.differs:
            lines.append(f"  warning: {found.rule}'s maintenance margin at the mark is "
                         f"{approx_text(found.rule_maintenance, 8)} {d.settle}, the exchange's {decimal_text(d.maintenance)}: the price uses {found.rule}'s")
    return lines


def total_lines(evaluation, checks) -> list:
    """One line per account total the exchange printed: ours beside theirs, and the verdict (why, when it fails).

    >>> from fractions import Fraction as F
    >>> from types import SimpleNamespace
    >>> from verifier.model.account import Reported
    >>> from verifier.model.ccxt_mapping import AccountTotal, FieldPath
    >>> path = "info.result.list[0].totalEquity"
    >>> entry = (AccountTotal("equity_value", FieldPath.parse(path), "api"), Reported(F(100), "100", path), F(101))
    >>> check = SimpleNamespace(relative=F(1, 100), verdict="disagree", why="relative difference 0.01 is more than 0.001")
    >>> print(total_lines(SimpleNamespace(totals=(entry,)), {id(entry): check})[0])
    account equity_value 101 against info.result.list[0].totalEquity 100 (relative 0.01): disagree: relative difference 0.01 is more than 0.001
    """
    lines = []
    for entry in evaluation.totals:
        total, reported, ours = entry
        check = checks.get(id(entry))
        relative = "" if check is None or check.relative is None else f" (relative {approx_text(check.relative, 9)})"
        line = (f"account {total.ours} {'-' if ours is None else approx_text(ours, 12)} against {reported.field} "
                f"{decimal_text(reported.price)}{relative}")
        if check is not None:
            line += f": {check.verdict}" + (f": {check.why}" if check.why else "")
        lines.append(line)
    return lines


def _shown_price(display, price) -> str:
    """At the market's tick as the rule rounds it; without a tick, to 8 places (``~`` when rounded: the exact
    value is in the next column)."""
    if price is None:
        return "none"
    return price_text(display, price) if display.price_tick is not None else approx_text(price, 8)


def set_text(evaluations, checks, skipped=(), unread=()) -> str:
    """A table of every position (file order: ``bracket`` the tier row at the mark, ``liq. tier`` the row at the
    liquidation price), then one line per pool."""
    rows = [("#", "market", "side", "mode", "bracket", "maint. margin", "liq. price", "exact", "liq. tier",
             "distance", "exchange", "diff (ticks)", "diff (rel.)", "verdict")]
    reasons = []
    entries = sorted(((p.index if p.index is not None else n, e, p) for e in evaluations
                      for n, p in enumerate(e.positions)), key=lambda t: t[0])
    for index, evaluation, p in entries:
        check = checks.get(id(p))
        shown = p.display if p.display.price_tick is not None else evaluation.display
        mode = p.margin_mode + (f" {p.settle}" if p.settle else "")
        exchange = "-" if check is None else (decimal_text(check.theirs) if check.theirs is not None
                                              else f"none ({json.dumps(check.raw)})")
        rows.append((str(index), p.symbol, p.side, mode, _bracket(p) or "-",
                     decimal_text(p.maintenance_margin) or "-", _shown_price(shown, p.liquidation_price),
                     "-" if p.liquidation_price is None else approx_text(p.liquidation_price, 18),
                     "-" if p.liquidation_tier is None else str(p.liquidation_tier), percent_text(p.distance), exchange,
                     "-" if check is None or check.ticks is None else approx_text(check.ticks, 12),
                     "-" if check is None or check.relative is None else approx_text(check.relative, 9),
                     "-" if check is None else check.verdict))
        if p.liquidation_price is None:
            reasons.append(f"#{index} {p.symbol}: no liquidation price: {p.reason}")
        elif p.tier_moves:
            reasons.append(f"#{index} {p.symbol}: the liquidation price lies in tier {p.liquidation_tier}, the mark in "
                           f"tier {p.tier}: the bracket changes on the way")
        if p.status_reason:
            reasons.append(f"#{index} {p.symbol}: status unknown: {p.status_reason}")
        if p.lacks:
            reasons.append(f"#{index} {p.symbol}: status unknown (and what is shown '-' at the mark): it lacks "
                           + "; ".join(f"{symbol} ({why})" for symbol, why in p.lacks))
        if check is not None and check.why:
            reasons.append(f"#{index} {p.symbol}: {check.verdict}: {check.why}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines += reasons
    for evaluation in evaluations:
        lines.append(_pool_line(evaluation))
        lines += derivative_lines(evaluation)
        lines += total_lines(evaluation, checks)
    lines += [f"skipped #{i} {s}: {w}" for i, s, w in skipped]
    lines += unread_text(unread)
    return "\n".join(lines) + "\n"


def _pool_line(evaluation) -> str:
    if evaluation.quote is not None:  # a spot-margin account: valued in its quote asset, judged by its margin level
        what = f"{evaluation.margin_mode} margin account" + (f" {evaluation.symbol}" if evaluation.symbol else "")
        level = (f"margin level {ratio_text(evaluation.margin_level)}" if evaluation.margin_level is not None
                 else f"no margin level: {evaluation.ratio_reason}" if evaluation.ratio_reason
                 else "no margin level (the mode defines none; its margin ratio is per asset, --format json)")
        return f"{what} (valued in {evaluation.quote}, {evaluation.mode}): {level}; status {evaluation.status}"
    if evaluation.margin_mode == "cross" and evaluation.ratio_reason:
        return (f"cross {evaluation.settle or ''} pool ({evaluation.mode}): wallet "
                f"{decimal_text(evaluation.wallet_balance) or '-'}, no margin ratio: {evaluation.ratio_reason}; "
                f"status {evaluation.status}")
    if evaluation.margin_mode == "isolated" and evaluation.ratio_reason:
        return f"isolated positions ({evaluation.mode}): no margin ratio: {evaluation.ratio_reason}; status " \
               f"{evaluation.status}"
    if evaluation.margin_mode == "cross":
        ratio = (f"margin level {ratio_text(evaluation.margin_level)}" if evaluation.margin_level is not None
                 else f"margin ratio {ratio_text(evaluation.margin_ratio)}")
        return (f"cross {evaluation.settle or ''} pool ({evaluation.mode}): wallet "
                f"{decimal_text(evaluation.wallet_balance) or '-'}, {ratio}; status {evaluation.status}")
    ratios = ", ".join(f"{p.symbol} {ratio_text(p.margin_ratio)}" for p in evaluation.positions)
    return f"isolated positions ({evaluation.mode}): margin ratio {ratios}; status {evaluation.status}"


def render_set(evaluations, checks, skipped=(), fmt: str = "text", unread=(), explained=None,
               evaluated_by=None) -> str:
    """The report in ``fmt``; ``explained`` (``--explain``): id(position) -> its trace, after the table (JSON: each
    position's ``explain``)."""
    if fmt == "json":
        return json_text(set_data(evaluations, checks, skipped, unread, explained, evaluated_by))
    text = set_text(evaluations, checks, skipped, unread)
    if explained:
        from verifier.report.explain import explained_text

        text += "\n" + explained_text(evaluations, explained, evaluated_by, unread)
    return text


def line_record(number: int, evaluations=None, checks=None, skipped=(), error=None, unread=(), explained=None,
                evaluated_by=None, warnings=()) -> str:
    """One output line of a JSON-lines run: the account of input line ``number``, or the problems that stopped it;
    each line is a whole document, with its ``versions`` and, when there are any, its ``warnings`` (diagnostics
    as JSON: the same the account would get on stderr alone, e.g. MV609 for its markets' old data).

    >>> from verifier.report.diagnostics import set_versions
    >>> set_versions(lambda: {"marginVerifier": "0.1.0", "rules": "2026-12-07"})  # as the command line does
    >>> record = json.loads(line_record(3, error=[]))
    >>> record["line"], record["errors"], sorted(record["versions"])
    (3, [], ['marginVerifier', 'rules'])
    >>> set_versions(None)
    """
    if error is not None:
        record = {"line": number, "errors": [d.to_json() for d in error]}
        return json.dumps(with_versions(record), ensure_ascii=False) + "\n"
    record = {"line": number, **set_data(evaluations, checks, skipped, unread if explained else (), explained,
                                         evaluated_by)}
    del record["unread"]  # the rest of the document is the same from line to line: written once (below)
    text = json.dumps(record, ensure_ascii=False)
    return text[:-1] + _tail(tuple(unread), tuple(warnings), with_versions({}).get("versions")) + "}\n"


_TAILS: dict = {}


def _tail(unread: tuple, warnings: tuple, versions) -> str:
    """The end of a line's document after its reconciliation verdicts: ``"unread"``, ``"warnings"`` (when there
    are any) and ``"versions"`` (when set), as ``json.dumps`` writes them inside the document (``, "key": value``).
    Most lines of a file share them (the same unread fields, the same old market data): each is encoded once."""
    # Found by the objects' identities (the lines of a file share them: the reader's Unread tuples and the stale
    # warnings are made once per distinct value), each held in the entry so that an identity is not reused while
    # it is there; else by value (hashing every field of each dataclass, a few microseconds a line).
    key = (tuple(map(id, unread)), tuple(map(id, warnings)), id(versions))
    found = _TAILS.get(key)
    if found is not None and found[0] is versions and _same(found[1], unread) and _same(found[2], warnings):
        return found[3]
    by_value = (unread, warnings, id(versions))
    found = _TAILS.get(by_value)
    if found is None or found[0] is not versions:
        if len(_TAILS) > 4096:
            _TAILS.clear()
        text = ", \"unread\": " + json.dumps(unread_data(unread), ensure_ascii=False)
        if warnings:
            text += ", \"warnings\": " + json.dumps([d.to_json() for d in warnings], ensure_ascii=False)
        if versions is not None:
            text += ", \"versions\": " + json.dumps(versions, ensure_ascii=False)
        found = _TAILS[by_value] = (versions, unread, warnings, text)
    _TAILS[key] = (versions, unread, warnings, found[3])
    return found[3]


def _same(held: tuple, given: tuple) -> bool:
    """Whether two tuples hold the very same objects, one for one."""
    return len(held) == len(given) and all(a is b for a, b in zip(held, given))


def progress_text(done: int, failed: int) -> str:
    """The progress line a terminal shows while a JSON-lines file is evaluated (rewritten in place)."""
    return f"\r{done} accounts evaluated, {failed} with problems"
