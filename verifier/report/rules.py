"""``margin-verifier rules``: the rules in force as a table (text) or a document (json).

>>> from verifier.read.rule_list import MarketData, RuleEntry
>>> entry = RuleEntry("x/perp", "X perpetual", "x", "linear-perpetual", ("cross", "isolated"), "shipped",
...                   "rules/x/perp.yaml", None, ("2024-10-10",),
...                   MarketData("rules/x/markets/perp", 3, "2024-01-01", "2026-09-29", "2026-09-29", "2026-11-28", 69))
>>> print(render([entry], [], "text"), end="")
id      exchange  product           modes            from     changes on  market data
x/perp  x         linear-perpetual  cross, isolated  shipped  2024-10-10  3 markets, last seen 2026-09-29 (69 days ago)
1 rule in force (1 shipped)
"""

from __future__ import annotations

from dataclasses import asdict

from verifier.report.diagnostics import json_text

FORMATS = ("text", "json")


def render(entries, problems, fmt: str) -> str:
    """The listing in ``fmt``; in json the problems are part of the document."""
    if fmt == "json":
        return json_text({"rules": [_data(e) for e in entries], "problems": [d.to_json() for d in problems]})
    header = ("id", "exchange", "product", "modes", "from", "changes on", "market data")
    rows = [(e.id, e.exchange or "?", e.product or "?", ", ".join(e.modes), _origin(e), _changes(e.changes),
             _market(e.market)) for e in entries]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    shipped = sum(1 for e in entries if e.origin == "shipped")
    mine = len(entries) - shipped
    counts = f"{shipped} shipped" + (f", {mine} yours" if mine else "")
    lines.append(f"{len(entries)} rule{'s' if len(entries) != 1 else ''} in force ({counts})")
    return "\n".join(lines) + "\n"


def _data(entry) -> dict:
    data = asdict(entry)
    market = data.pop("market")
    return {"id": data["id"], "title": data["title"], "exchange": data["exchange"], "product": data["product"],
            "modes": list(data["modes"]), "origin": data["origin"], "file": data["file"], "replaces": data["replaces"],
            "changes": list(data["changes"]),
            "marketData": None if market is None else {
                "catalog": market["catalog"], "markets": market["markets"],
                "firstEffective": market["first_effective"], "lastEffective": market["last_effective"],
                "lastSeen": market["last_seen"], "retrieved": market["retrieved"], "ageDays": market["age_days"]}}


def _origin(entry) -> str:
    return entry.origin + (" (replaces shipped)" if entry.replaces else "")


def _changes(dates) -> str:
    if not dates:
        return "-"
    return ", ".join(dates) if len(dates) <= 3 else f"{dates[0]} .. {dates[-1]} ({len(dates)} dates)"


def _market(market) -> str:
    if market is None:
        return "-"
    count = f"{market.markets} market{'s' if market.markets != 1 else ''}"
    if market.last_seen is None:
        return f"{count}, undated"
    return f"{count}, last seen {market.last_seen} ({market.age_days} day{'s' if market.age_days != 1 else ''} ago)"
