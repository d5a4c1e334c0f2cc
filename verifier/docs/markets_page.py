"""The markets a rule's catalog covers: a section of the rule page, and one page per first letter of the markets.

The rule page says how many markets there are, from which sources and of which dates, and links to the letter
pages; a letter page shows each market's specification in force (with its dates and source) and its tier table,
the table and the older versions folded (``<details>``), so thousands of rows never make one endless page.
Nothing here knows an exchange: everything comes from the catalog.
"""

from __future__ import annotations

from verifier.docs.layout import Page, rule_page_path
from verifier.docs.markup import esc, html_table, number, rel


def markets_path(rule, group: str) -> str:
    return f"rules/{rule.id}/markets/{group}.md"


def group_of(symbol: str) -> str:
    """The letter page a market is listed on: its first character (digits together, others as 'other')."""
    first = symbol[:1].upper()
    return "0-9" if first.isdigit() else first if first.isascii() and first.isalpha() else "other"


def groups(catalog) -> dict:
    """letter -> [symbol, ...] in symbol order."""
    out: dict = {}
    for symbol in catalog.symbols():
        out.setdefault(group_of(symbol), []).append(symbol)
    return dict(sorted(out.items()))


def markets_section(rule, path: str) -> list:
    """The rule page's "Markets" section: coverage, dates, sources and links to the letter pages."""
    lines = ["## Markets", ""]
    catalog = rule.markets
    if catalog is None:
        return lines + ["This rule has no market catalog: every per-market value comes from the account snapshot.",
                        ""]
    markets = catalog.markets()
    tiered = sum(1 for m in markets if m.tiers)
    lines += [f"The market catalog `{esc(catalog.id)}` (ccxt exchange `{esc(catalog.exchange)}`) lists "
              f"**{len(markets)} markets**, {tiered} with tier tables. Each value is dated: `evaluate --date` uses "
              "the version in force that day, and warns when the data was last seen more than "
              f"{rule.stale_after_days} days before it. Refresh with "
              f"`margin-verifier import {esc(catalog.id)} --live {esc(catalog.exchange)}`.", ""]
    lines += [html_table(["data", "markets", "first in force", "last seen", "sources"], _coverage(markets)), ""]
    links = " · ".join(f"[{g}]({rel(path, markets_path(rule, g))}) ({len(s)})" for g, s in groups(catalog).items())
    lines += [f"Markets by first letter: {links}", ""]
    rows = [[f'<span id="market-source-{esc(s.id)}"></span><code>{esc(s.id)}</code>',
             f'<a href="{esc(s.url)}">{esc(s.title)}</a>', esc(s.provenance or ""), esc(s.note or "")]
            for s in catalog.sources.values()]
    return lines + ["Catalog sources:", "", html_table(["id", "title (link)", "provenance", "note"], rows), ""]


def _coverage(markets) -> list:
    rows = []
    for part, label in (("specs", "specification (tick, contract size, leverage, fees)"), ("tiers", "tier tables")):
        versions = [v for m in markets for v in getattr(m, part)]
        if not versions:
            rows.append([label, "0", "", "", ""])
            continue
        latest = [getattr(m, part)[-1] for m in markets if getattr(m, part)]
        sources = sorted({v.provenance.source for v in latest})
        rows.append([label, str(len(latest)), esc(min(v.provenance.effective for v in versions).isoformat()),
                     esc(f"{min(v.provenance.seen for v in latest)} – {max(v.provenance.seen for v in latest)}"),
                     ", ".join(f"<code>{esc(s)}</code>" for s in sources[:6]) + (" …" if len(sources) > 6 else "")])
    return rows


def market_pages(rule) -> list:
    """One page per letter of the rule's catalog (none without a catalog)."""
    catalog = rule.markets
    if catalog is None:
        return []
    return [_letter_page(rule, group, symbols) for group, symbols in groups(catalog).items()]


def _letter_page(rule, group: str, symbols: list) -> Page:
    path = markets_path(rule, group)
    catalog = rule.markets
    lines = [f"# {rule.title}: markets {group}", "",
             f"From the market catalog of [{esc(rule.id)}]({rel(path, rule_page_path(rule))}#markets): "
             f"{len(symbols)} markets. Dates: *effective* is the first day a version is known to be in force, *seen* "
             "the last day an import found it unchanged.", ""]
    for symbol in symbols:
        lines += _market(catalog, catalog.market(symbol))
    return Page(path, "\n".join(lines))


def _market(catalog, market) -> list:
    lines = [f"## {market.symbol}", ""]
    spec = market.spec_at(None)
    if spec is not None:
        fields = [name for name in catalog.fields if name in spec.fields]
        headers = ["type", "base / quote / settle"] + [f"<code>{esc(n)}</code>" for n in fields]
        row = [esc(spec.type), esc(f"{spec.base} / {spec.quote} / {spec.settle or '-'}")]
        row += [esc(number(spec.fields[n])) for n in fields]
        lines += [html_table(headers, [row]), "",
                  f"Specification {_dates(spec.provenance)}, source {_source(spec.provenance)}.", ""]
        if len(market.specs) > 1:
            lines += _folded(f"{len(market.specs) - 1} older specification version(s)",
                             [html_table(["effective", "seen", "changed"], [_spec_row(a, b) for a, b in
                                                                          zip(market.specs, market.specs[1:])])])
    else:
        lines += ["No specification recorded (tier table only).", ""]
    if market.tiers:
        current = market.tiers[-1]
        lines += _folded(f"Tier table ({len(current.table.rows)} brackets, {current.table.bounds}), "
                         f"{_dates(current.provenance)}, source {_source(current.provenance)}",
                         [_tier_table(catalog, current.table)])
        for version in reversed(market.tiers[:-1]):
            lines += _folded(f"Older tier table, {_dates(version.provenance)}, source "
                             f"{_source(version.provenance)}", [_tier_table(catalog, version.table)])
    return lines


def _spec_row(old, new) -> list:
    changed = [f"{n} {number(old.fields.get(n))} → {number(new.fields.get(n))}"
               for n in sorted(set(old.fields) | set(new.fields)) if old.fields.get(n) != new.fields.get(n)]
    return [esc(new.provenance.effective.isoformat()), esc(new.provenance.seen.isoformat()),
            esc("; ".join(changed) or "type or names")]


def _tier_table(catalog, table) -> str:
    columns = list(catalog.layout.columns)
    rows = [[str(r.number), esc(number(r.floor)), "∞" if r.cap is None else esc(number(r.cap))]
            + [esc(number(r.values[c])) for c in columns] for r in table.rows]
    return html_table(["tier", "floor", "cap"] + [f"<code>{esc(c)}</code>" for c in columns], rows)


def _folded(summary: str, body: list) -> list:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _dates(provenance) -> str:
    return esc(f"effective {provenance.effective}, seen {provenance.seen}, retrieved {provenance.retrieved}")


def _source(provenance) -> str:
    return f"<code>{esc(provenance.source)}</code>"


def tier_layout_lines(rule) -> list:
    """How the catalog's tier tables read (bounds, columns and units), for the rule page's tier section."""
    layout = rule.markets.layout if rule.markets is not None else None
    if layout is None:
        return []
    rows = [[f"<code>{esc(c.name)}</code>", f"<code>{esc(c.unit)}</code>", esc(c.meaning), f"<code>{esc(c.ccxt)}"
             "</code>"] for c in layout.columns.values()]
    return [f"Bounds `{layout.bounds}`, basis in `{layout.basis_unit}` ({esc(layout.basis_meaning)}). Each market's "
            f"table, dated, is on its [market page](#markets).", "",
            html_table(["column", "unit", "meaning", "read by import from ccxt"], rows), ""]

