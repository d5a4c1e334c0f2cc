"""The page of one rule: a calculator of one position (:mod:`verifier.docs.calculator`), then the rule file top to
bottom: sources, symbols, parameters, definitions, margin modes (:mod:`verifier.docs.rule_modes`), tier tables, the
markets covered (:mod:`verifier.docs.markets_page`), worked examples, the recorded exchange responses
(:mod:`verifier.docs.rule_conformance`), a unified rule's positions priced one by one (:func:`positions_section`),
the leverage chart (a unified rule: the account margin rate against a
coin's price, :mod:`verifier.docs.unified_chart`), verification, the file.

Nothing here knows an exchange: every number and formula comes from the rule file.
"""

from __future__ import annotations

from verifier.docs import charts, compute, prices, problems, verification
from verifier.docs.calculator import calculator
from verifier.docs.layout import Options, Page, chart_position, rule_page_path, site_copy_path
from verifier.docs.markets_page import markets_section, tier_layout_lines
from verifier.docs.markup import (STATUS, anchor, esc, html_table, math_html, number, passed_mark, rel,
                                  source_link)
from verifier.docs.rule_conformance import conformance_section
from verifier.docs.rule_modes import modes_section, symbols_table
from verifier.docs.unified_chart import unified_chart_section
from verifier.model.numbers import decimal_text


def rule_page(rule, options: Options) -> Page:
    path = rule_page_path(rule)
    chart_path = f"assets/charts/{rule.id.replace('/', '-')}-leverage.svg"
    chart_lines, svg = leverage_section(rule, options, path, chart_path)
    calc = calculator(rule, path, options)
    assets = {chart_path: svg} if svg is not None else {}
    if rule.product.unified:  # a unified rule's position is a coin: its chart is the account's margin rate
        rate_path = f"assets/charts/{rule.id.replace('/', '-')}-margin-rate.svg"
        rate_lines, rate_svg = unified_chart_section(rule, path, rate_path)
        chart_lines += rate_lines
        assets.update({rate_path: rate_svg} if rate_svg is not None else {})
    lines = (_header(rule, options, path) + calc.lines + _sources(rule) + _symbols_and_parameters(rule)
             + modes_section(rule) + _tiers(rule, options, path) + markets_section(rule, path) + _examples(rule)
             + conformance_section(rule) + positions_section(rule)
             + chart_lines
             + verification_section(rule) + _rule_file(rule, options, path))
    return Page(path, "\n".join(lines), {**assets, **calc.assets}, calc.scripts)


def _file_link(rule, options: Options, path: str) -> tuple[str, str]:
    """(the rule file's site path, the link to it from ``path``)."""
    site = site_copy_path(rule.file, options.rules_dirs)
    return site, rel(path, site)


def _header(rule, options: Options, path: str) -> list:
    _, link = _file_link(rule, options, path)
    modes = ", ".join(f"[{m}](#{anchor(m + ' mode')})" for m in rule.modes)
    lines = [f"# {rule.title}", "",
             f"Rule `{rule.id}` · exchange **{rule.exchange}** · product **{rule.product}** · modes {modes} · "
             f"rule file [`{link}`]({link})", ""]
    if rule.description:
        lines += [rule.description.strip(), ""]
    lines += ['!!! tip "Quick links"', ""]
    lines += [f"    - [{m.name} mode: liquidation formula, derived and published](#{anchor(m.name + ' mode')})"
              for m in rule.modes.values()]
    return lines + ["    - [Calculator: try a position](#calculator)",
                    "    - [Worked examples: expected vs computed](#worked-examples)", "    - [Sources](#sources)", ""]


def _sources(rule) -> list:
    rows = [[f'<span id="source-{esc(s.id)}"></span><code>{esc(s.id)}</code>',
             f'<a href="{esc(s.url)}">{esc(s.title)}</a>', esc(s.retrieved), esc(s.provenance or ""),
             esc(s.note or "")] for s in rule.sources.values()]
    return ["## Sources", "", html_table(["id", "title (link)", "retrieved", "provenance", "note"], rows), ""]


def _symbols_and_parameters(rule) -> list:
    lines = ["## Symbols", "", "Names the formulas are written in, with units and meanings.", "",
             symbols_table(rule, rule.symbols), "", "## Parameters", ""]
    if rule.parameters:
        rows = [[math_html(p.sympy), f"<code>{esc(p.unit)}</code>", esc(p.meaning),
                 "<br>".join(f"{'open' if d is None else 'from ' + esc(d.isoformat())}: <b>{esc(number(v))}</b>"
                           for d, v in p.values),
                 source_link(rule, p.source), esc(p.note or "")] for p in rule.parameters.values()]
        lines += [html_table(["parameter", "unit", "meaning", "values (effective dates)", "source", "note"], rows), ""]
    else:
        lines += ["This rule has no dated parameters.", ""]
    if rule.display.price_rounding is not None:
        tick = (f"a tick of {number(rule.display.price_tick)}" if rule.display.price_tick is not None
                else "each market's own tick (from the market catalog)")
        lines += [f"Liquidation prices are shown at {tick}, rounded {rule.display.price_rounding}, with the exact "
                  "value beside.", ""]
    return lines


def _tiers(rule, options: Options, path: str) -> list:
    lines = ["## Tier tables", ""]
    if rule.tiers is None:
        return lines + ["This rule reads no tier table.", ""]
    lines += [f"The bracket is chosen by the basis `{rule.tiers.basis_text}` "
              f"(source [{rule.tiers.source}](#source-{rule.tiers.source})), evaluated at the price being tested, "
              "in the market's table in force on the date asked for.", ""]
    return lines + tier_layout_lines(rule)


def _shown(value) -> str:
    """An expected or computed value: a number, or whether a condition holds."""
    if isinstance(value, bool):
        return "holds" if value else "does not hold"
    return number(value)


def _examples(rule) -> list:
    rows = []
    for r in compute.example_rows(rule):
        ex = r["example"]
        if r["error"] is not None:
            problems.report(rule.file, f"worked example {ex.name!r}, {r['quantity']}", r["error"])
        given = "<br>".join(f"<code>{esc(k)}</code> = {esc(number(v))}" for k, v in ex.given.items())
        computed = esc(_shown(r["computed"])) if r["computed"] is not None else esc(r["error"] or "none")
        expected = esc(_shown(r["expected"]))
        if not isinstance(r["expected"], bool):
            expected += f"<br><small>± {esc(number(ex.tolerance))}</small>"
        if r["method"]:
            computed += f"<br><small>by {esc(r['method'])}</small>"
        name = f"{esc(ex.name)}<br><small>{esc(ex.mode)} mode · source {source_link(rule, ex.source)}</small>"
        rows.append([name, given, f"<code>{esc(r['quantity'])}</code>", expected, computed, passed_mark(r["passed"])])
    headers = ["example", "given", "quantity", "expected (± tolerance)", "computed", "result"]
    return ["## Worked examples", "",
            "Each expectation comes from the example's source; *computed* is evaluated exactly here.", "",
            html_table(headers, rows) if rows else "No worked examples yet.", ""] + _explained_examples(rule)


def _explained_examples(rule) -> list:
    """Each worked example's trace, folded: what ``evaluate --explain`` prints for a position, written by the same
    code (:func:`verifier.derive.account.explain.explain_example`, :func:`verifier.report.explain.explanation_text`)
    at build time."""
    from verifier.derive.account.explain import explain_example
    from verifier.errors import DerivationError, EvaluationError
    from verifier.report.explain import explanation_text

    out = []
    for example in rule.examples:
        try:
            text = explanation_text(explain_example(rule, example), sources=False)  # the page lists them
        except (EvaluationError, DerivationError) as exc:
            problems.report(rule.file, f"worked example {example.name!r}, explained", str(exc))
            continue
        out += ["<details>", f"<summary>Why: {esc(example.name)}</summary>", "",
                f'<pre class="mv-explain"><code>{esc(text)}</code></pre>', "", "</details>", ""]
    if not out:
        return []
    return ["### Each worked example, explained", "",
            "The chain from the example's given values to each number, as `evaluate --explain` shows it for a "
            "position (docs: Check my positions, `--explain`): every input and where it comes from, the tier and "
            "its bounds, each value with its formula, line of the rule file and source (see Sources above), and the "
            "liquidation price.",
            ""] + out


def positions_section(rule) -> list:
    """A unified rule that reads ``fetch_positions()`` beside its balance: which product rule prices each kind of
    position (``ccxt: balances: positions: rules:``) and the account figures the summed rows must explain; nothing
    for another rule."""
    mapping = getattr(rule, "ccxt", None)
    balances = getattr(mapping, "balances", None)
    if balances is None or balances.positions is None:
        return []
    lines = ["## Positions beside the balance", "",
             "`evaluate` reads `fetch_positions()` beside the balance: each position's maintenance margin "
             f"(`{esc(balances.positions.path.text)}`) "
             + ("is summed into its coin's" if balances.summed
                else "is read beside its coin's, which stays the balance's own")
             + (f", and its notional (`{esc(balances.position_notional.text)}`) into its coin's fee term"
                if balances.position_notional is not None else "")
             + ". Each position whose kind the table names is priced one by one: the price of its own market at "
               "which the account is liquidated, everything else held, under its product rule; a kind the table "
               "does not name is refused (MV627).", ""]
    if balances.position_rules:
        rows = [[f"<code>{esc(r.symbols)}</code>", f"<code>{esc(r.rule)}</code>", source_link(rule, r.source),
                 esc(r.note or "")] for r in balances.position_rules]
        lines += [html_table(["positions (ccxt symbol)", "product rule", "source", "note"], rows), ""]
    checks = [(what, check) for what, check in (("maintenance margin", balances.position_account),
                                                ("notional", balances.position_account_notional))
              if check is not None]
    if checks:
        lines += ["The account figures the positions must explain (else the export is refused, MV626, naming both):",
                  ""]
        lines += [f"- the account's {what} `{esc(check.path.text)}`"
                  + (f", within a relative {decimal_text(check.rtol)}" if check.rtol is not None else ", exactly")
                  + f" ({source_link(rule, check.source)})" for what, check in checks]
        lines.append("")
    return lines


def _rule_file(rule, options: Options, path: str) -> list:
    site, link = _file_link(rule, options, path)
    return ["", "## Rule file", "", f"The complete rule file, as shipped with this site: [`{site}`]({link}).", ""]


# --------------------------------------------------------------------------------------------- leverage chart


def leverage_section(rule, options: Options, path: str, chart_path: str):
    """(markdown lines, svg or None): liquidation price against leverage, long and short, or the reason why not."""
    lines = ["## Liquidation price against leverage", ""]
    reason = prices.no_reference_price(rule)
    if reason is not None:
        return lines + [f"No chart: {reason}", ""], None
    mode_name = prices.chart_mode(rule, options)
    series = prices.leverage_series(rule, mode_name, options)
    svg = charts.leverage_chart([(side, xs, [p.price for p in points]) for side, xs, points in series],
                                title=f"{rule.id}: {mode_name} liquidation price",
                                ylabel=f"liquidation price ({rule.price})")
    if svg is None:
        return lines + [f"No chart: no liquidation price exists for the reference position ({mode_name} mode).",
                        ""] + prices.gaps(series), None
    position = chart_position(rule, options)
    _, origins = compute.chart_inputs(rule, mode_name, position, "long", options.leverage[0], options.market)
    fields = ", ".join(f"{k} {v}" for k, v in position.items())
    tiers = f", tiers of {options.market}" if options.market and rule.tiers is not None else ""
    lines += [f"A single {mode_name} position ({esc(fields)}; set in `mkdocs.yml`), its margin being notional / "
              f"leverage{tiers}; prices computed exactly by the derivation.", "",
              f"![Liquidation price against leverage, long and short, {mode_name} mode]({rel(path, chart_path)})", "",
              "Where each input comes from: "
              + "; ".join(f"`{k}`: {esc(v).replace('`', '')}" for k, v in origins.items()) + ".", ""]
    return lines + prices.gaps(series), svg


# --------------------------------------------------------------------------------------------- verification


def verification_section(rule) -> list:
    """The verify stage's report for this rule (cached per rule content; see verifier.docs.verification)."""
    report = verification.report_for(rule)
    lines = ["## Verification", "",
             f"`margin-verifier verify` under the deterministic `{report.get('profile')}` profile: the worked "
             "examples, the published-formula proofs, and every property of the library (derivation against "
             "simulation, economic invariants) for each mode. *n/a*: the property does not apply to this rule; "
             "*skip*: the rule file opts out, with its reason. Results are cached by the rule's content hash and "
             "the verifier's version.", ""]
    if report.get("diagnostics"):
        lines += ["Problems: " + "; ".join(esc(d) for d in report["diagnostics"]), ""]
    # a property's name may wrap after an underscore (the longest, some 70 characters, is wider than the column)
    rows = [[f"<code>{esc(r.get('property') or r['name']).replace('_', '_<wbr>')}</code>", esc(r.get("mode") or "all"),
             STATUS.get(r["status"], esc(r["status"])), str(r.get("tried", 0)), f"{r.get('seconds', 0):.2f}s",
             esc(r.get("message") or "")] for r in report.get("rows", [])]
    if not rows:
        return lines + ["No results.", ""]
    return lines + [f"Summary: **{verification.summary(report['rows'])}**.", "",
                    html_table(["property", "mode", "status", "examples tried", "time", "reason / message"], rows), ""]
