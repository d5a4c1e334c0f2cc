"""The bundled ``compare`` examples, run by the compare job when the site is built.

Each example is a command line over a bundled account (``examples/compare/``); its output on the site is what
``margin-verifier compare`` prints for that command (the same job, :func:`verifier.jobs.compare.compare_files`,
the same reporter), so the site and the CLI cannot disagree.  The
"Cross vs isolated, explained" page (:mod:`verifier.docs.cross_vs_isolated`) and the how-to
(:mod:`verifier.docs.compare_howto`) show them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from verifier.docs import problems
from verifier.docs.markup import esc, rel
from verifier.errors import VerifierError
from verifier.jobs.compare import chart_title, compare_files
from verifier.read.whatif import parse_allocations, parse_shocks
from verifier.report.compare import render
from verifier.report.compare_chart import equity_chart

EXAMPLES_DIR = "examples/compare"
RULE = "binance/usdm-perpetual"


@dataclass(frozen=True)
class Example:
    """One bundled command: a title, what it shows, the account file, and its options as typed: allocations
    (``--allocate`` text), shocks (``--shock`` text) and price-path files (``--path``, under the examples)."""

    name: str
    title: str
    about: str
    account: str
    shocks: tuple = ()
    allocate: tuple = ()
    paths: tuple = ()

    def command(self) -> str:
        options = [(option, value) for option, values in (("--allocate", self.allocate), ("--shock", self.shocks),
                                                          ("--path", self.paths)) for value in values]
        typed = [part for option, value in options
                 for part in (option, f"'{value}'" if any(c in value for c in "%, ") else value)]
        return " ".join(["margin-verifier compare", RULE, f"{EXAMPLES_DIR}/{self.account}", *typed])


FUTURES = Example(
    "futures", "The design's futures example: one BTC long",
    "A 5,000 USDT wallet and a BTC long of 0.25 at 60,000 (15,000 at 3x), held isolated with 1,000 allocated. "
    "Isolated, the position is liquidated sooner (about 6 % below the mark) but can lose only its 1,000; cross, "
    "the whole wallet backs it, so it survives a fall of about a third, and then the whole wallet is lost.",
    "futures-isolated-1000.yaml", ("-10%,-35%",))
HEDGED = Example(
    "hedged", "A hedged two-market account: BTC long, ETH short",
    "A 4,000 USDT cross wallet holding a BTC long against an ETH short of similar size, both at 10x. Isolated, each "
    "leg gets its initial margin (the default, `--allocate initial`). When both markets move together the hedge "
    "holds in cross, while isolated loses the leg that moves against it; when they move apart, cross loses "
    "everything at once.",
    "hedged-two-markets.yaml", ("-10%,-20%,-30%", "BTC=-20%,ETH=+20%"))
EXAMPLES = (FUTURES, HEDGED)


def run_example(example: Example, root: Path, fmt: str = "markdown", chart: bool = True):
    """(the report text, the chart's SVG or None) of ``example``, by the compare job."""
    shocks = tuple(s for text in example.shocks for s in parse_shocks(text))
    result = compare_files(RULE, [_shown(root / EXAMPLES_DIR / example.account)], shocks=shocks,
                           allocations=parse_allocations(example.allocate),
                           price_paths=[_shown(root / path) for path in example.paths], chart=chart)
    return render(result, fmt), equity_chart(result.chart, chart_title(result.rule)) if chart else None


def bundled(root: Path) -> bool:
    """Whether the site's project bundles the examples (this repository does; a project building a site of its own
    rules does not, and its site has no compare how-to)."""
    return all((root / EXAMPLES_DIR / example.account).is_file() for example in EXAMPLES)


def _shown(path: Path) -> str:
    """The account path as a user in the repository types it (relative when under the working directory)."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def example_section(example: Example, root: Path, page: str, assets: dict) -> list:
    """An example on a page: what it shows, the command, its Markdown report, and its equity chart."""
    lines = [f"### {example.title}", "", example.about, "", "```", example.command(), "```", ""]
    try:
        report, svg = run_example(example, root)
    except VerifierError as exc:
        reason = problems.report(str(root / EXAMPLES_DIR / example.account), "running compare", exc)
        return lines + [f"*compare could not run: {esc(reason)}*", ""]
    chart = f"assets/charts/compare-{example.name}.svg"
    assets[chart] = svg
    return lines + [report, "",
                    f"![Equity left as the shocks play out, cross and isolated ({esc(example.title)})]"
                    f"({rel(page, chart)})", "",
                    "Crosses mark where a mode is liquidated (at the equity just before).", ""]
