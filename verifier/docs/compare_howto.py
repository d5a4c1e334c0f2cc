"""How-to: cross or isolated for my positions?  The commands to run, with their real output (run at build time
by the compare job, :mod:`verifier.docs.compare_examples`)."""

from __future__ import annotations

from pathlib import Path

from verifier.docs import problems
from verifier.docs.compare_examples import EXAMPLES_DIR, FUTURES, HEDGED, Example, run_example
from verifier.docs.layout import ACCOUNT_FORMAT, COMPARE_HOWTO, CROSS_VS_ISOLATED, Page
from verifier.docs.markup import esc, rel
from verifier.errors import VerifierError

HEDGED_ALLOCATED = Example(
    "hedged-allocated", HEDGED.title, HEDGED.about, HEDGED.account,
    shocks=("-20%,+20%",), allocate=("1000,ETH/USDT:USDT=20%",))
# the path moves BTC and ETH: it runs on the account that holds both (a path naming a market no position holds is
# refused, MV657)
HEDGED_PATH = Example("hedged-path", HEDGED.title, HEDGED.about, HEDGED.account,
                      paths=(f"{EXAMPLES_DIR}/crash-path.yaml",))


def compare_howto_page(root: Path) -> Page:
    p = COMPARE_HOWTO
    lines = [
        "# How to: cross or isolated for my positions?", "",
        "`margin-verifier compare` takes your positions and answers, for each of them and for the account, side by "
        "side in cross and in isolated margin: where each would be liquidated (and how far that is from the mark), "
        "the most you can lose, and in cross which positions go together. With `--shock` it also moves the markets "
        "and says what each mode would lose, computed by the reference simulator and checked against the "
        "liquidation prices.", "",
        "## 1. Your account: a ccxt export, or a snapshot", "",
        "The simplest is what ccxt gives you: `json.dump(exchange.fetch_positions(), f)`, compared as it is, each "
        "position in the margin mode it is held in (cross positions share their settlement currency's wallet, "
        "given by `--balance` with a `fetch_balance()` dump; isolated ones bring their own margin), read as "
        "[Check my positions](check-my-positions.md) explains. Or write it down:", "",
        f"An account snapshot in the [account format]({rel(p, ACCOUNT_FORMAT)}) (ccxt field names). In cross, give "
        "`walletBalance` (the cross wallet); in isolated, each position's `collateral` (and `walletBalance`: what "
        "is outside the positions). Positions you hold in cross need their `leverage` for the default isolated "
        f"allocation. Two bundled examples are in `{EXAMPLES_DIR}/`.", "",
        "## 2. Compare, with a few shocks", "",
    ]
    lines += _run(FUTURES, root)
    lines += ["Reading it: isolated, the position is liquidated at about 6 % below the mark but the other 4,000 "
              "stay untouched; cross, it survives down to about 40,160, but then the whole 5,000 goes. A 10 % fall "
              "liquidates only the isolated position (cross keeps 3,500); a 35 % fall liquidates both.", "",
              "## 3. Choose what isolated allocates", "",
              "Positions you hold in cross get, in the isolated column, their initial margin at their leverage "
              "(`--allocate initial`, the default). Give an amount or a share of the cross wallet instead, for "
              "every position or for one market:", ""]
    lines += _run(HEDGED_ALLOCATED, root)
    lines += ["## 4. Shocks per market, price paths, other formats", "",
              "- `--shock BTC=-20%,ETH=+20%` moves each named market (or base asset) by its own fraction; the "
              "others stay at their marks.",
              "- `--format json` or `--format markdown` for programs and issues (the JSON's `verdict` holds the first "
              "line's conclusion and its figures); `--chart equity.svg` draws the equity left in both modes as the "
              "shocks play out, liquidations marked: against a move of every market, against the share applied of "
              "a shock that moves markets apart, step by step along a price path.",
              "- Exit code 1 means the simulator disagreed with a liquidation price: a bug to report.",
              "- `--path FILE` runs a sequence of steps (schema: `verifier/schemas/price-path.schema.json`). Each step "
              "moves the markets from their marks, or sets a price outright; the table has a row per step:", ""]
    lines += _run(HEDGED_PATH, root)
    lines += [f"More on what the two modes mean, with both examples and their charts: "
              f"[Cross vs isolated, explained]({rel(p, CROSS_VS_ISOLATED)}).", ""]
    return Page(COMPARE_HOWTO, "\n".join(lines))


def _run(example: Example, root: Path) -> list:
    """The command as typed and what it prints (text, the default format)."""
    lines = ["```console", "$ " + example.command()]
    try:
        report, _ = run_example(example, root, "text", chart=False)
    except VerifierError as exc:
        reason = problems.report(str(root / EXAMPLES_DIR / example.account), "running compare", exc)
        return lines + ["```", "", f"*compare could not run: {esc(reason)}*", ""]
    return lines + [report.rstrip("\n"), "```", ""]
