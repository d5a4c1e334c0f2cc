"""The generated pages, as Markdown text (plus SVG charts), from the loaded rules.

Nothing here knows an exchange: every number and formula comes from the rule files; the
reference position used for charts and the comparison comes from the plugin's options in
``mkdocs.yml``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from verifier.docs import charts
from verifier.docs.compute import chart_inputs, example_rows, liquidation_price
from verifier.docs.render import esc, math_html, md_cell, show
from verifier.docs.stages import DERIVE_MISSING, SIMULATE_MISSING, derive_prices, proof_results

HOME = "index.md"
COMPARISON = "comparison.md"
CROSS_VS_ISOLATED = "cross-vs-isolated.md"
RULE_FORMAT = "reference/rule-format.md"
TIER_FORMAT = "reference/tier-format.md"
CLI = "cli.md"


@dataclass
class Options:
    """What the site shows beyond the rules: the reference position of the charts and comparison."""

    position: dict = field(default_factory=lambda: {"contracts": 1, "contractSize": 1, "entryPrice": 100})
    market: str | None = None
    leverage: list = field(default_factory=lambda: [1, 2, 5, 10, 20, 50, 100])
    inverse_position: dict | None = None  # for rules whose collateral is the base coin
    comparison_leverage: float = 10
    chart_mode: str = "isolated"
    rules_dir: str = "rules"


@dataclass
class Page:
    path: str
    markdown: str
    assets: dict = field(default_factory=dict)  # site path -> bytes


def rule_page_path(rule) -> str:
    return f"rules/{rule.id}.md"


def site_copy_path(file: str, rules_dir: str) -> str:
    """Where a file under rules/ is shipped inside the site (same relative place, under rules/)."""
    import os

    return "rules/" + os.path.relpath(os.path.abspath(file), os.path.abspath(rules_dir)).replace(os.sep, "/")


def rule_file_site_path(rule, rules_dir: str) -> str:
    return site_copy_path(rule.file, rules_dir)


def rel(from_page: str, to: str) -> str:
    """A relative link from one docs path to another (MkDocs resolves and checks it)."""
    return posixpath.relpath(to, posixpath.dirname(from_page) or ".")


_STATUS = {"pass": "✅ pass", "fail": "❌ fail", "error": "💥 error", "skip": "⏭ skip", "n/a": "➖ n/a"}


def _verification_section(rule) -> list:
    """The verify stage's report for this rule (cached per rule content; see verifier.docs.verification)."""
    from verifier.docs import verification

    report = verification.report_for(rule)
    lines = ["## Verification", "",
             f"`margin-verifier verify` under the deterministic `{report.get('profile')}` profile: the worked "
             "examples, the published-formula proofs, and every property of the library (derivation against "
             "simulation, economic invariants) for each mode. *n/a*: the property does not apply to this rule; "
             "*skip*: the rule file opts out, with its reason. Results are cached by the rule's content hash and "
             "the verifier's version.", ""]
    if report.get("error"):
        return lines + [f"*Verification could not run: {esc(report['error'])}*", ""]
    if report.get("diagnostics"):
        lines += ["Problems: " + "; ".join(esc(d) for d in report["diagnostics"]), ""]
    rows = []
    for r in report.get("rows", []):
        rows.append([f"<code>{esc(r.get('property') or r['name'])}</code>", esc(r.get("mode") or "all"),
                     _STATUS.get(r["status"], esc(r["status"])), str(r.get("tried", 0)),
                     f"{r.get('seconds', 0):.2f}s", esc(r.get("message") or "")])
    if not rows:
        return lines + ["No results.", ""]
    lines += [f"Summary: **{verification.summary(report['rows'])}**.", "",
              _html_table(["property", "mode", "status", "examples tried", "time", "reason / message"], rows), ""]
    return lines


def _verified_cell(report, mode: str) -> str:
    from verifier.docs import verification

    if report.get("error"):
        return "could not run"
    rows = verification.rows_for_mode(report, mode)
    if not rows:
        return "not run"
    bad = any(r["status"] in ("fail", "error") for r in rows)
    ran = any(r["status"] == "pass" for r in rows)
    mark = " ❌" if bad else (" ✅" if ran else "")
    return md_cell(verification.summary(rows)) + mark


def _mark(passed) -> str:
    return {True: "✅ pass", False: "❌ fail", None: "⏳ not computed"}[passed]


def _anchor(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() or ch == " " else " " for ch in text.lower()).split())


# --------------------------------------------------------------------------------------------- home


def home_page(rules, extra_pages: dict) -> Page:
    lines = [
        "# margin-verifier",
        "",
        "Crypto exchanges each define margin level, maintenance-margin tiers and liquidation price their own way, "
        "on help pages that drift. **margin-verifier** keeps those rules as **data**: one rule file per exchange "
        "product under `rules/`, with a source beside every number and formula. The toolkit checks the files, "
        "derives closed-form liquidation prices with SymPy, simulates cross and isolated accounts exactly, and "
        "verifies that the two agree. Every page under *Rules* is generated from a rule file when this site is built.",
        "",
        "## The rules",
        "",
    ]
    for rule in rules:
        page = rule_page_path(rule)
        cross = next((m for m in rule.modes.values() if m.account == "cross"), None)
        quick = []
        if cross is not None:
            quick.append(f"[{cross.name} liquidation formula]({rel(HOME, page)}#{_anchor(cross.name + ' mode')})")
        quick.append(f"[sources]({rel(HOME, page)}#sources)")
        quick.append(f"[worked examples]({rel(HOME, page)}#worked-examples)")
        lines.append(f"- **[{md_cell(rule.title)}]({rel(HOME, page)})** (`{rule.id}`): " + ", ".join(quick))
    lines += ["", "## Coverage", "",
              "Which exchange, product and margin mode have a rule; whether the exchange's published formula is "
              "proved equivalent to the derived one; whether the verifier's properties hold for the mode (`verify`, "
              "profile ci; details under *Verification* on the rule page); how many worked examples pass.", "",
              "| exchange | product | mode | rule | published formula | verified | worked examples |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    from verifier.docs import verification
    for rule in rules:
        proofs = proof_results(rule)
        examples = example_rows(rule)
        for mode in rule.modes.values():
            published = [p for entries in rule.published.values() for p in entries if mode.name in p.modes]
            if not published:
                proof = "none published"
            elif proofs is None:
                proof = DERIVE_MISSING
            else:
                statuses = [str(getattr(proofs.get((p.quantity, p.index)), "status", "not proved")) for p in published]
                proof = ", ".join(statuses)
            rows = [r for r in examples if r["example"].mode == mode.name]
            passing = sum(1 for r in rows if r["passed"])
            ex = f"{passing} / {len(rows)} pass" if rows else "none"
            if any(r["passed"] is False for r in rows):
                ex += " ❌"
            elif rows and passing == len(rows):
                ex += " ✅"
            lines.append(f"| {rule.exchange} | {rule.product} | {mode.name} | "
                         f"[{md_cell(rule.title)}]({rel(HOME, rule_page_path(rule))}#{_anchor(mode.name + ' mode')}) "
                         f"| {md_cell(proof)} | {_verified_cell(verification.report_for(rule), mode.name)} | {ex} |")
    lines += ["", "## How to read a rule page", "",
              "Each rule page follows the rule file, top to bottom:", "",
              "1. **Sources**: the exchange pages the rule is transcribed from, linked, with the date they were read.",
              "2. **Symbols** and **parameters**: every name used in a formula, with its unit and meaning; parameters "
              "carry the dates from which each value is in force.",
              "3. **Definitions**: named formulas (notional, unrealised PnL, maintenance margin...), as written and "
              "fully expanded.",
              "4. **Margin modes**: for each mode (cross, isolated...) its equity, the conditions (liquidation, "
              "bankruptcy...) with their boundary (`<` or `<=`), the derived prices and the exchange's *published* "
              "formula with its proof status.",
              "5. **Tier tables**: the maintenance brackets; the bracket is chosen by the notional *at the price "
              "being tested*.",
              "6. **Worked examples**: expected values (from the source) against the values computed here, with a "
              "pass mark.",
              "7. **Chart** of liquidation price against leverage, for a long and a short.",
              "8. **The rule file** itself, shipped with this site.", "",
              "## More", "",
              f"- [Cross vs isolated, explained]({rel(HOME, CROSS_VS_ISOLATED)})",
              f"- [Exchange comparison]({rel(HOME, COMPARISON)})",
              f"- [Rule-file format]({rel(HOME, RULE_FORMAT)}) and [tier-table format]({rel(HOME, TIER_FORMAT)})",
              f"- [Command-line reference]({rel(HOME, CLI)})"]
    for path, title in extra_pages.items():
        lines.append(f"- [{title}]({rel(HOME, path)})")
    return Page(HOME, "\n".join(lines) + "\n")


# --------------------------------------------------------------------------------------------- rule page


def _html_table(headers, rows) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="mv-table"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody></table></div>'


def _source_link(rule, source_id) -> str:
    if not source_id:
        return ""
    source = rule.sources.get(source_id)
    if source is None:
        return esc(source_id)
    return f'<a href="#source-{esc(source_id)}" title="{esc(source.title)}">{esc(source_id)}</a>'


def _symbol_math(spec) -> str:
    return math_html(spec.sympy) if spec.sympy is not None else esc(spec.name)


def _domain_text(spec) -> str:
    parts = [f"{op} {show(bound)}" for op, bound in spec.domain]
    if spec.one_of:
        parts.append("one of " + ", ".join(show(v) for v in spec.one_of))
    return esc(" and ".join(parts))


def _origin(spec) -> str:
    if spec.from_tiers:
        return f"tier table column <code>{esc(spec.from_tiers)}</code>"
    if spec.others:
        return f"sum of <code>{esc(spec.others)}</code> over the account's other positions"
    readings = [f"{esc(k if k != '*' else 'snapshot')}: <code>{esc(v)}</code>" for k, v in spec.snapshot.items()]
    return "; ".join(readings) or "input"


def _symbols_table(rule, symbols) -> str:
    rows = [[_symbol_math(s), f"<code>{esc(s.unit)}</code>", esc(s.meaning), _domain_text(s), _origin(s),
             _source_link(rule, s.source)] for s in symbols.values()]
    return _html_table(["symbol", "unit", "meaning", "domain", "value from", "source"], rows)


def _definitions_table(rule, definitions) -> str:
    rows = [[f"<code>{esc(d.name)}</code>", f"<code>{esc(d.text)}</code>", math_html(d.expr),
             f"<code>{esc(d.unit)}</code>", esc(d.meaning or ""), _source_link(rule, d.source)]
            for d in definitions.values()]
    return _html_table(["name", "as written", "expanded", "unit", "meaning", "source"], rows)


def rule_page(rule, options: Options) -> Page:
    path = rule_page_path(rule)
    slug = rule.id.replace("/", "-")
    derived = derive_prices(rule)
    proofs = proof_results(rule)
    file_site = rule_file_site_path(rule, options.rules_dir)
    file_name = rel(path, file_site)
    lines = [f"# {rule.title}", "",
             f"Rule `{rule.id}` · exchange **{rule.exchange}** · product **{rule.product}** · "
             "modes " + ", ".join(f"[{m}](#{_anchor(m + ' mode')})" for m in rule.modes) + " · "
             f"rule file [`{file_name}`]({file_name})", ""]
    if rule.description:
        lines += [rule.description.strip(), ""]
    lines += ['!!! tip "Quick links"', ""]
    for mode in rule.modes.values():
        lines.append(f"    - [{mode.name} mode: liquidation formula, derived and published](#{_anchor(mode.name + ' mode')})")
    lines += ["    - [Worked examples: expected vs computed](#worked-examples)",
              "    - [Sources](#sources)", ""]

    # Sources
    lines += ["## Sources", ""]
    rows = []
    for source in rule.sources.values():
        rows.append([f'<span id="source-{esc(source.id)}"></span><code>{esc(source.id)}</code>',
                     f'<a href="{esc(source.url)}">{esc(source.title)}</a>', esc(source.retrieved),
                     esc(source.provenance or ""), esc(source.note or "")])
    lines += [_html_table(["id", "title (link)", "retrieved", "provenance", "note"], rows), ""]

    # Symbols and parameters
    lines += ["## Symbols", "", "Names the formulas are written in, with units and meanings.", "",
              _symbols_table(rule, rule.symbols), ""]
    lines += ["## Parameters", ""]
    if rule.parameters:
        rows = []
        for p in rule.parameters.values():
            values = "<br>".join(f"from {esc(d.isoformat())}: <b>{esc(show(v))}</b>" for d, v in p.values)
            rows.append([math_html(p.sympy), f"<code>{esc(p.unit)}</code>", esc(p.meaning), values,
                         _source_link(rule, p.source), esc(p.note or "")])
        lines += [_html_table(["parameter", "unit", "meaning", "values (effective dates)", "source", "note"],
                              rows), ""]
    else:
        lines += ["This rule has no dated parameters.", ""]
    if rule.display.price_tick is not None:
        lines += [f"Prices are displayed to a tick of {show(rule.display.price_tick)}, rounded "
                  f"{rule.display.price_rounding or 'as published'}.", ""]

    # Definitions
    shared = {}
    for mode in rule.modes.values():
        for name, d in mode.definitions.items():
            if all(name in m.definitions and m.definitions[name].text == d.text for m in rule.modes.values()):
                shared[name] = d
    lines += ["## Definitions", "", "Shared by every mode. *Expanded* substitutes every definition it uses.", "",
              _definitions_table(rule, shared), ""]

    # Modes
    lines += ["## Margin modes", ""]
    for mode in rule.modes.values():
        lines += [f"### {mode.name} mode", "", f"*{mode.account} account.* {mode.meaning}", ""]
        own_symbols = {k: v for k, v in mode.symbols.items() if k not in rule.symbols}
        if own_symbols:
            lines += ["Symbols of this mode:", "", _symbols_table(rule, own_symbols), ""]
        own_defs = {k: v for k, v in mode.definitions.items() if k not in shared}
        if own_defs:
            lines += ["Definitions of this mode:", "", _definitions_table(rule, own_defs), ""]
        for cond in mode.conditions.values():
            lines += [f"#### {mode.name}: {cond.name}", "",
                      f"Condition as written: `{cond.text}` (boundary `{cond.operator}`; source "
                      f"[{cond.source}](#source-{cond.source})). Expanded:", "",
                      f'<div class="mv-formula">{math_html(cond.relation, block=True)}</div>', ""]
            if cond.note:
                lines += [f"*{cond.note}*", ""]
            if derived is None:
                lines += [f"**Derived {cond.name} price** ({cond.solve_for}): *{DERIVE_MISSING}*.", ""]
            else:
                expr, valid = derived.get(mode.name, {}).get(cond.name, (None, ()))
                if expr is None:
                    lines += [f"**Derived {cond.name} price**: none found.", ""]
                else:
                    lines += [f"**Derived {cond.name} price** ({cond.solve_for} solved from the condition's "
                              "boundary; the tier symbols take the bracket at that price):", "",
                              f'<div class="mv-formula">{math_html(expr, block=True)}</div>', ""]
                    if valid:
                        lines += ["Valid where " + ", ".join(math_html(v) for v in valid) + ".", ""]
        for quantity, entries in rule.published.items():
            for entry in entries:
                if mode.name not in entry.modes:
                    continue
                if proofs is None:
                    status = DERIVE_MISSING
                else:
                    result = proofs.get((entry.quantity, entry.index))
                    status = "not proved" if result is None else str(result.status)
                    if result is not None and getattr(result, "method", None):
                        status += f" ({result.method})"
                    if result is not None and getattr(result, "counterexample", None):
                        status += f"; counterexample: {result.counterexample}"
                lines += [f"#### {mode.name}: published {quantity.replace('_', ' ')}", "",
                          f"The exchange's own closed form (source [{entry.source}](#source-{entry.source})"
                          + (f", position mode {entry.position_mode}" if entry.position_mode else "") + "):", "",
                          f'<div class="mv-formula">{math_html(entry.formula.expr, block=True)}</div>', "",
                          f"As written: `{entry.formula.text}`", "",
                          f"**Proof status:** {status}.", ""]
                if entry.where:
                    lines += ["Holds where " + ", ".join(f"`{k} = {show(v)}`" for k, v in entry.where.items())
                              + ".", ""]
                if entry.note:
                    lines += [f"*{entry.note}*", ""]

    # Tiers
    lines += ["## Tier tables", ""]
    if rule.tiers is None:
        lines += ["This rule has no tier table.", ""]
    else:
        lines += [f"The bracket is chosen by the basis `{rule.tiers.basis_text}` "
                  f"(source [{rule.tiers.source}](#source-{rule.tiers.source})).", ""]
        for market, table in rule.tiers.tables.items():
            columns = [c for c in table.columns if c != "<basis>"]
            tier_file = rel(path, site_copy_path(table.file, options.rules_dir))
            lines += [f"### {market}", "",
                      f"Bounds `{table.bounds}`" + (f", effective {table.effective}" if table.effective else "")
                      + f"; file [`{tier_file}`]({tier_file}).", ""]
            rows = [[str(r.number), show(r.floor), "∞" if r.cap is None else show(r.cap)]
                    + [esc(show(r.values[c])) if c in r.values else "" for c in columns] for r in table.rows]
            lines += [_html_table(["tier", "floor", "cap"] + [f"<code>{esc(c)}</code> ({esc(table.columns[c])})"
                                                               for c in columns], rows), ""]

    # Examples
    lines += ["## Worked examples", "",
              "Each expectation comes from the example's source; *computed* is evaluated exactly here.", ""]
    rows = []
    for r in example_rows(rule):
        ex = r["example"]
        given = "<br>".join(f"<code>{esc(k)}</code> = {esc(show(v))}" for k, v in ex.given.items())
        computed = esc(show(r["computed"])) if r["computed"] is not None else esc(r["error"] or "none")
        how = esc(r["method"] or "")
        rows.append([esc(ex.name), esc(ex.mode), given, f"<code>{esc(r['quantity'])}</code>",
                     esc(show(r["expected"])), computed, esc(show(ex.tolerance)), how, _mark(r["passed"]),
                     _source_link(rule, ex.source)])
    lines += [_html_table(["example", "mode", "given", "quantity", "expected", "computed", "tolerance", "computed by",
                           "result", "source"], rows) if rows else "No worked examples yet.", ""]

    # Chart
    chart_path = f"assets/charts/{slug}-leverage.svg"
    chart_lines, svg = _leverage_chart(rule, options, path, chart_path)
    lines += chart_lines

    lines += _verification_section(rule)
    lines += ["", "## Rule file", "",
              f"The complete rule file, as shipped with this site: [`{file_site}`]({file_name}).", ""]
    return Page(path, "\n".join(lines), {chart_path: svg} if svg is not None else {})


def chart_position(rule, options: Options) -> dict:
    """The reference position for this rule: the inverse one when the rule's collateral is the base coin."""
    if rule.collateral_unit is not None and str(rule.collateral_unit) == "base" and options.inverse_position:
        return options.inverse_position
    return options.position


def _leverage_chart(rule, options: Options, path: str, chart_path: str):
    """(markdown lines, svg or None): liquidation price against leverage, long and short, or the reason why not."""
    lines = ["## Liquidation price against leverage", ""]
    with_liq = [m for m in rule.modes.values() if "liquidation" in m.conditions]
    if not with_liq:
        return lines + ["No chart: this rule has no liquidation condition.", ""], None
    mode_name = options.chart_mode if any(m.name == options.chart_mode for m in with_liq) else with_liq[0].name
    if rule.product and "spot" in str(rule.product):
        return lines + [
            f"No chart: `{rule.id}` is spot margin. Its leverage is borrowed / own funds, not a position's "
            "notional / margin, and the liquidation condition is on the account's margin level over every asset "
            "held and owed; the reference position (ccxt position fields: contracts, contractSize, entryPrice) "
            "does not describe such an account, so a price against leverage would be invented, not read from "
            "the rule.", ""], None
    pos = chart_position(rule, options)
    series, methods, origins = [], set(), {}
    for side in ("long", "short"):
        ys = []
        for lev in options.leverage:
            try:
                values, origin = chart_inputs(rule, mode_name, pos, side, lev)
                origins.update(origin)
                price, method = liquidation_price(rule, mode_name, "liquidation", values, market=options.market)
                methods.add(method)
            except Exception:  # noqa: BLE001 - a point we cannot compute is left out
                price = None
            ys.append(None if price is None or price <= 0 else float(price))
        series.append((side, list(options.leverage), ys))
    svg = charts.leverage_chart(series, title=f"{rule.id}: {mode_name} liquidation price",
                                ylabel=f"liquidation price ({rule.price})")
    if svg is None:
        return lines + [f"No chart: no liquidation price could be computed for the reference position "
                        f"({mode_name} mode).", ""], None
    fields = ", ".join(f"{k} {v}" for k, v in pos.items())
    lines += [f"A single {mode_name} position ({esc(fields)}; set in `mkdocs.yml`), its margin being notional / "
              "leverage" + (f", tiers of {options.market}" if options.market and rule.tiers is not None else "")
              + f"; prices computed exactly by {' and '.join(sorted(m for m in methods if m))}.", "",
              f"![Liquidation price against leverage, long and short, {mode_name} mode]({rel(path, chart_path)})",
              "", "Where each input comes from: "
              + "; ".join(f"`{k}`: {esc(v).replace('`', '')}" for k, v in origins.items()) + ".", ""]
    return lines, svg


# --------------------------------------------------------------------------------------------- comparison


def comparison_page(rules, options: Options) -> Page:
    lev = options.comparison_leverage
    pos = options.position
    lines = ["# Exchange comparison", "",
             f"The same position under every shipped rule: {pos.get('contracts')} contract(s) × "
             f"{pos.get('contractSize', 1)} entered at {pos.get('entryPrice')}, margin = notional / leverage "
             f"(leverage **{lev}** in the table), one position alone in its account. The reference position is set "
             "in `mkdocs.yml` (plugin `margin-verifier`, option `position`).", "",
             "| rule | mode | long: liquidation price | short: liquidation price | computed by |",
             "| --- | --- | --- | --- | --- |"]
    series = []
    for rule in rules:
        for mode in rule.modes.values():
            cells, methods = [], set()
            for side in ("long", "short"):
                try:
                    values, _ = chart_inputs(rule, mode.name, chart_position(rule, options), side, lev)
                    price, method = liquidation_price(rule, mode.name, "liquidation", values, market=options.market)
                    methods.add(method)
                except Exception:  # noqa: BLE001
                    price = None
                cells.append(show(price) if price is not None and price > 0 else "none")
            lines.append(f"| [{md_cell(rule.title)}]({rel(COMPARISON, rule_page_path(rule))}) | {mode.name} | "
                         f"{cells[0]} | {cells[1]} | {', '.join(sorted(m for m in methods if m))} |")
        mode_name = options.chart_mode if options.chart_mode in rule.modes else next(iter(rule.modes))
        for side in ("long", "short"):
            ys = []
            for x in options.leverage:
                try:
                    values, _ = chart_inputs(rule, mode_name, chart_position(rule, options), side, x)
                    price, _ = liquidation_price(rule, mode_name, "liquidation", values, market=options.market)
                except Exception:  # noqa: BLE001
                    price = None
                ys.append(None if price is None or price <= 0 else float(price))
            series.append((f"{rule.id} {mode_name} {side}", list(options.leverage), ys))
    chart = "assets/charts/comparison-leverage.svg"
    svg = charts.leverage_chart(series, title="Liquidation price against leverage, every rule",
                                ylabel="liquidation price")
    if svg is not None:
        lines += ["", "## Chart", "",
                  f"![Liquidation price against leverage for every rule]({rel(COMPARISON, chart)})", ""]
    return Page(COMPARISON, "\n".join(lines), {chart: svg} if svg is not None else {})


# --------------------------------------------------------------------------------------------- cross vs isolated


def cross_vs_isolated_page(rules, scenarios_dir) -> Page:
    lines = ["# Cross vs isolated, explained", "",
             "**Cross margin**: one shared pool of collateral backs every position. Profits on one position hold "
             "up the others, but when the account is liquidated every position in it goes.", "",
             "**Isolated margin**: each position (or pair) has its own allocated collateral. A liquidation there "
             "touches nothing else, and the most you can lose is what you allocated.", "",
             "## What each rule counts as equity", "",
             "The difference is visible in the rules themselves: the equity a condition compares is defined per mode.",
             ""]
    for rule in rules:
        lines += [f"### {rule.title}", ""]
        rows = []
        for mode in rule.modes.values():
            equity = mode.definitions.get("equity")
            rows.append([esc(mode.name), esc(mode.account), esc(mode.meaning),
                         math_html(equity.expr) if equity is not None else "",
                         f"<code>{esc(equity.text)}</code>" if equity is not None else ""])
        lines += [_html_table(["mode", "account", "meaning", "equity", "as written"], rows), "",
                  f"Details: [{rule.title}]({rel(CROSS_VS_ISOLATED, rule_page_path(rule))}).", ""]
    lines += ["## Scenarios", ""]
    assets = {}
    scenario_files = sorted(p for p in scenarios_dir.rglob("*") if p.suffix in (".yaml", ".yml", ".json")) \
        if scenarios_dir is not None and scenarios_dir.is_dir() else []
    from verifier.docs.stages import stage_function

    run = stage_function("verifier.simulate", "simulate_file")
    if not scenario_files:
        lines += ["No scenarios are bundled yet.", ""]
    elif run is None:
        lines += [f"{len(scenario_files)} scenario(s) are bundled; *{SIMULATE_MISSING}*.", ""]
    else:
        lines += ["Each bundled scenario is run by the reference simulator (exact arithmetic) when this site is "
                  "built. The tables show each account after each step; the chart its margin level.", ""]
        for path in scenario_files:
            lines += _scenario_section(path, run, assets)
    return Page(CROSS_VS_ISOLATED, "\n".join(lines), assets)


def scenario_thresholds(scenario) -> list:
    """[(label, level)]: the margin-call and liquidation margin levels of each account kind in a scenario.

    Read from the simulator's view of the rule on the scenario date (``Scenario.rule`` is a SimRule whose
    modes hold the parameters in force, scenario overrides included). A condition written
    ``margin_level <op> <parameter>`` gives that parameter's value; with no ``margin_level`` definition the
    simulator shows the liquidation condition's lhs / rhs, whose threshold is 1.
    """
    from fractions import Fraction

    sim_rule = scenario.rule
    kinds = []
    for account in scenario.data.get("accounts", []):
        key = account.get("mode") or account.get("kind")
        if key and key not in kinds:
            kinds.append(key)
    out, seen = [], set()
    for key in kinds:
        try:
            mode = sim_rule.mode(key) if key in sim_rule.modes else sim_rule.default_mode(key)
        except Exception:  # noqa: BLE001 - an ambiguous kind draws no line
            continue
        view = mode.view
        params = {str(sym): value for sym, value in mode.params.items()}
        for cond_name, words in (("margin_call", "margin call"), ("liquidation", "liquidation")):
            cond = view.conditions.get(cond_name)
            if cond is None:
                continue
            level = None
            sides = [side.strip() for side in cond.text.split(cond.operator, 1)]
            if "margin_level" in view.definitions and len(sides) == 2 and "margin_level" in sides:
                other = sides[1] if sides[0] == "margin_level" else sides[0]
                level = params.get(other)
            elif "margin_level" not in view.definitions and cond_name == "liquidation":
                level = Fraction(1)
            if level is None:
                continue
            label = f"{mode.name} {words} at margin level {show(level)}"
            if (label, level) not in seen:
                seen.add((label, level))
                out.append((label, float(level)))
    return out


def _scenario_section(path, run, assets) -> list:
    """Render one simulated scenario (``verifier.simulate.simulate_file(path)`` -> Run with ``rows``)."""
    try:
        result = run(path)
        data = result.scenario.data
        rows = list(result.rows)
    except Exception as exc:  # noqa: BLE001 - a scenario that cannot run is reported, not fatal
        return [f"### {path.stem}", "", f"*The simulation could not run: {esc(exc)}*", ""]
    title = data.get("title") or path.stem
    lines = [f"### {md_cell(title)}", "", f"Scenario file `scenarios/{path.name}`, rule `{data.get('rule')}`.", ""]
    if data.get("description"):
        lines += [str(data["description"]).strip(), ""]
    accounts = []
    for row in rows:
        for cell in row["accounts"]:
            if cell["id"] not in accounts:
                accounts.append(cell["id"])
    table = []
    levels = {a: [None] * len(rows) for a in accounts}
    for i, row in enumerate(rows):
        cells = {c["id"]: c for c in row["accounts"]}
        prices = ", ".join(f"{k} {v}" for k, v in row.get("prices", {}).items())
        out = [str(i + 1), esc(row["label"]), esc(prices)]
        for a in accounts:
            c = cells.get(a)
            if c is None:
                out.append("")
                continue
            level = c.get("marginLevel")
            if level is not None:
                levels[a][i] = float(level)
            out.append(f"{esc(c.get('status', ''))}<br>equity {esc(c.get('equity', ''))}"
                       + (f"<br>margin level {esc(show(__import__('fractions').Fraction(level)))}" if level else ""))
        table.append(out)
    lines += [_html_table(["step", "what happens", "prices"] + [f"account <code>{esc(a)}</code>" for a in accounts],
                          table), ""]
    if result.failures:
        lines += [f"**{len(result.failures)} expectation(s) of this scenario did not hold.**", ""]
    else:
        lines += ["Every expectation written in the scenario holds. ✅", ""]
    series = [(a, ys) for a, ys in levels.items() if any(y is not None for y in ys)]
    if series:
        chart = f"assets/charts/scenario-{path.stem}.svg"
        thresholds = scenario_thresholds(result.scenario)
        assets[chart] = charts.level_chart(list(range(1, len(rows) + 1)), series, thresholds,
                                           title=path.stem, ylabel="margin level")
        lines += [f"![Margin level of each account over the steps of {md_cell(title)}]"
                  f"({rel(CROSS_VS_ISOLATED, chart)})", ""]
        if thresholds:
            lines += ["Dashed lines: " + "; ".join(esc(label) for label, _ in thresholds)
                      + f" (the rule's parameters in force on {esc(data.get('date'))}, with the scenario's own "
                      "overrides).", ""]
    return lines


# --------------------------------------------------------------------------------------------- references


def _schema_type(node) -> str:
    if "const" in node:
        return f"`{node['const']!r}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "oneOf" in node or "anyOf" in node:
        alts = [_schema_type(n) for n in node.get("oneOf", node.get("anyOf", []))]
        return " or ".join(a for a in alts if a) or "any"
    if kind == "array" and isinstance(node.get("items"), dict):
        return f"list of {_schema_type(node['items'])}"
    if "$ref" in node:
        return f"see `{node['$ref'].split('/')[-1]}`"
    return kind or "any"


def _schema_sections(node, path, lines, depth=0, seen=None):
    props = node.get("properties")
    if not props and isinstance(node.get("additionalProperties"), dict):
        inner = node["additionalProperties"]
        lines += [f"{'#' * min(2 + depth, 6)} `{path}.<name>`", "",
                  "A mapping; each key is a name" + (f" ({md_cell(node['propertyNames'].get('description', ''))})"
                                                     if isinstance(node.get("propertyNames"), dict) else "")
                  + f", each value: {_schema_type(inner)}.", ""]
        if inner.get("description"):
            lines += [md_cell(inner["description"]), ""]
        if depth < 4 and (inner.get("properties") or isinstance(inner.get("additionalProperties"), dict)):
            _schema_sections(inner, f"{path}.<name>", lines, depth + 1)
        return
    if not props:
        return
    required = set(node.get("required", []))
    lines += [f"{'#' * min(2 + depth, 6)} `{path}`", "", "| key | type | required | description |",
              "| --- | --- | --- | --- |"]
    for key, sub in props.items():
        lines.append(f"| `{key}` | {md_cell(_schema_type(sub))} | {'yes' if key in required else ''} | "
                     f"{md_cell(sub.get('description', ''))} |")
    lines.append("")
    if depth < 4:
        for key, sub in props.items():
            target = sub.get("items") if sub.get("type") == "array" and isinstance(sub.get("items"), dict) else sub
            if target.get("properties") or isinstance(target.get("additionalProperties"), dict):
                _schema_sections(target, f"{path}.{key}" + ("[]" if target is not sub else ""), lines, depth + 1)


def schema_page(schema: dict, path: str, title: str, schema_file: str) -> Page:
    lines = [f"# {title}", "", md_cell(schema.get("description", "")), "",
             f"Generated from the published JSON Schema `{schema_file}` ({schema.get('$schema', '')}). Editors "
             "that speak the YAML language server use the same file for completion and checking.", ""]
    _schema_sections(schema, "$", lines)
    for name, sub in (schema.get("$defs") or {}).items():
        lines += [f"## Definition `{name}`", "", md_cell(sub.get("description", "")), ""]
        _schema_sections(sub, name, lines, 1)
    return Page(path, "\n".join(lines))


def cli_page(parser) -> Page:
    import argparse
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        lines = ["# Command-line reference", "",
                 "Generated from the `margin-verifier` command's own argument parser when this site is built.", "",
                 "Exit codes: **0** all good; **1** a worked example or verification failed; **2** invalid input "
                 "or usage; **3** internal error (a bug; `--debug` shows the traceback).", "",
                 "## margin-verifier", "", "```text", parser.format_help().rstrip(), "```", ""]
        for action in parser._actions:  # argparse has no public accessor for sub-commands
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    lines += [f"## margin-verifier {name}", "", md_cell(sub.description or ""), "",
                              "```text", sub.format_help().rstrip(), "```", ""]
                    rows = [a for a in sub._actions if not isinstance(a, argparse._HelpAction)]
                    if rows:
                        lines += ["| argument | default | help |", "| --- | --- | --- |"]
                        for a in rows:
                            names = ", ".join(a.option_strings) or a.metavar or a.dest
                            default = "" if a.default in (None, argparse.SUPPRESS) or a.default is False else a.default
                            choices = f" (one of {', '.join(map(str, a.choices))})" if a.choices else ""
                            lines.append(f"| `{md_cell(names)}` | {md_cell(default)} | "
                                         f"{md_cell((a.help or '') + choices)} |")
                        lines.append("")
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return Page(CLI, "\n".join(lines))
