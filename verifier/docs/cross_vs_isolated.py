"""Cross vs isolated, explained: what each rule counts as equity per mode, and every bundled scenario run by the
reference simulator (a table of each account after each step, and a chart of its margin level with the rule's
thresholds).
"""

from __future__ import annotations

from fractions import Fraction

from verifier.docs import charts, problems
from verifier.docs.compare_examples import EXAMPLES, example_section
from verifier.docs.layout import COMPARE_HOWTO, CROSS_VS_ISOLATED, Page, rule_page_path
from verifier.docs.markup import esc, html_table, math_html, md_cell, number, rel
from verifier.errors import VerifierError
from verifier.report.simulate import step_rows
from verifier.verify.scenarios import simulate_file

INTRO = ["# Cross vs isolated, explained", "",
         "**Cross margin**: one shared pool of collateral backs every position. Profits on one position hold up the "
         "others, but when the account is liquidated every position in it goes.", "",
         "**Isolated margin**: each position (or pair) has its own allocated collateral. A liquidation there touches "
         "nothing else, and the most you can lose is what you allocated.", "",
         "## What each rule counts as equity", "",
         "The difference is visible in the rules themselves: the equity a condition compares is defined per mode.", ""]


def cross_vs_isolated_page(rules, scenarios_dir, root=None) -> Page:
    """The page; with ``root`` (the repository), also the bundled ``compare`` examples run from it."""
    lines, assets = list(INTRO), {}
    for rule in rules:
        lines += _equity_section(rule)
    if root is not None:
        lines += _compare_section(root, assets)
    lines += ["## Scenarios", ""]
    files = sorted(p for p in scenarios_dir.rglob("*") if p.suffix in (".yaml", ".yml", ".json")) \
        if scenarios_dir is not None and scenarios_dir.is_dir() else []
    if not files:
        return Page(CROSS_VS_ISOLATED, "\n".join(lines + ["No scenarios are bundled yet.", ""]), assets)
    lines += ["Each bundled scenario is run by the reference simulator (exact arithmetic) when this site is built. "
              "The tables show each account after each step; the chart its margin level.", ""]
    for path in files:
        lines += _scenario_section(path, assets)
    return Page(CROSS_VS_ISOLATED, "\n".join(lines), assets)


def _compare_section(root, assets) -> list:
    """The same positions in both modes: the bundled accounts run through ``margin-verifier compare``."""
    lines = ["## The same positions, cross or isolated", "",
             "Each account below is run through `margin-verifier compare` when this site is built (the command is "
             "shown; its output is what the command prints with `--format markdown`). The liquidation prices come "
             "from the derive stage's exact closed forms; the shocks from the reference simulator, which never sees "
             "those closed forms; the two are checked against each other. How to run it on your own positions: "
             f"[Cross or isolated for my positions?]({rel(CROSS_VS_ISOLATED, COMPARE_HOWTO)}).", ""]
    for example in EXAMPLES:
        lines += example_section(example, root, CROSS_VS_ISOLATED, assets)
    return lines


def _equity_section(rule) -> list:
    rows = []
    for mode in rule.modes.values():
        equity = mode.definitions.get("equity")
        rows.append([esc(mode.name), esc(mode.account), esc(mode.meaning),
                     math_html(equity.expr) if equity is not None else "",
                     f"<code>{esc(equity.text)}</code>" if equity is not None else ""])
    return [f"### {rule.title}", "", html_table(["mode", "account", "meaning", "equity", "as written"], rows), "",
            f"Details: [{rule.title}]({rel(CROSS_VS_ISOLATED, rule_page_path(rule))}).", ""]


def scenario_thresholds(run) -> list:
    """[(label, level)]: the margin-call and liquidation margin levels of each account kind in a scenario.

    Read from the simulator's view of the rule on the scenario date (``run.simulator.rule`` is a SimRule whose modes
    hold the parameters in force, scenario overrides included). A condition written ``margin_level <op> <parameter>``
    gives that parameter's value; with no ``margin_level`` definition the simulator shows the liquidation
    condition's lhs / rhs, whose threshold is 1. Other conditions draw no line.
    """
    sim_rule, out = run.simulator.rule, []
    kinds = list(dict.fromkeys(a.mode or a.kind for a in run.scenario.accounts))
    for key in filter(None, kinds):
        mode = sim_rule.mode(key) if key in sim_rule.modes else sim_rule.default_mode(key)
        params = {str(symbol): value for symbol, value in mode.params.items()}
        for name, words in (("margin_call", "margin call"), ("liquidation", "liquidation")):
            level = _threshold(mode.view, name, params)
            label = f"{mode.name} {words} at margin level {number(level)}" if level is not None else None
            if label is not None and label not in [l for l, _ in out]:
                out.append((label, level))
    return out


def _threshold(view, name: str, params: dict) -> Fraction | None:
    condition = view.conditions.get(name)
    if condition is None:
        return None
    sides = [side.strip() for side in condition.text.split(condition.operator, 1)]
    if "margin_level" in view.definitions and len(sides) == 2 and "margin_level" in sides:
        return params.get(sides[1] if sides[0] == "margin_level" else sides[0])
    if "margin_level" not in view.definitions and name == "liquidation":
        return Fraction(1)
    return None


def _scenario_section(path, assets) -> list:
    """One simulated scenario: its table, whether its expectations hold, and its margin-level chart."""
    try:
        result = simulate_file(path)
    except VerifierError as exc:
        reason = problems.report(str(path), "running the scenario", exc)
        return [f"### {path.stem}", "", f"*The simulation could not run: {esc(reason)}*", ""]
    scenario, rows = result.scenario, step_rows(result)
    title = scenario.title or path.stem
    lines = [f"### {md_cell(title)}", "", f"Scenario file `scenarios/{path.name}`, rule `{scenario.rule_ref or scenario.rule.id}`.",
             ""]
    if scenario.description:
        lines += [scenario.description.strip(), ""]
    accounts = list(dict.fromkeys(cell["id"] for row in rows for cell in row["accounts"]))
    lines += [_steps_table(rows, accounts), ""]
    lines += [f"**{len(result.failures)} expectation(s) of this scenario did not hold.**" if result.failures
              else "Every expectation written in the scenario holds. ✅", ""]
    return lines + _level_chart(path, result, rows, accounts, assets)


def _account_cell(cell) -> str:
    if cell is None:
        return ""
    level = cell.get("marginLevel")
    return (f"{esc(cell.get('status', ''))}<br>equity {esc(cell.get('equity', ''))}"
            + (f"<br>margin level {esc(number(Fraction(level)))}" if level else ""))


def _steps_table(rows, accounts) -> str:
    table = []
    for i, row in enumerate(rows):
        cells = {c["id"]: c for c in row["accounts"]}
        prices = ", ".join(f"{k} {v}" for k, v in row.get("prices", {}).items())
        table.append([str(i + 1), esc(row["label"]), esc(prices)] + [_account_cell(cells.get(a)) for a in accounts])
    return html_table(["step", "what happens", "prices"] + [f"account <code>{esc(a)}</code>" for a in accounts], table)


def _level_chart(path, result, rows, accounts, assets) -> list:
    """The margin level of each account over the steps, with the thresholds."""
    levels = {a: [None] * len(rows) for a in accounts}
    for i, row in enumerate(rows):
        for cell in row["accounts"]:
            if cell.get("marginLevel") is not None:
                levels[cell["id"]][i] = Fraction(cell["marginLevel"])
    series = [(a, ys) for a, ys in levels.items() if any(y is not None for y in ys)]
    if not series:
        return []
    chart, thresholds = f"assets/charts/scenario-{path.stem}.svg", scenario_thresholds(result)
    title = result.scenario.title or path.stem
    assets[chart] = charts.level_chart(list(range(1, len(rows) + 1)), series, thresholds, title=path.stem,
                                       ylabel="margin level")
    lines = [f"![Margin level of each account over the steps of {md_cell(title)}]({rel(CROSS_VS_ISOLATED, chart)})",
             ""]
    if thresholds:
        lines += ["Dashed lines: " + "; ".join(esc(label) for label, _ in thresholds)
                  + f" (the rule's parameters in force on {esc(result.scenario.date.isoformat())}, with the "
                  "scenario's own overrides).", ""]
    return lines
