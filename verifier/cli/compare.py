"""``margin-verifier compare RULE ACCOUNT... [--allocate A] [--shock S] [--path FILE] [--format F] [--chart SVG]
[--explain]``:
the same positions in cross and in isolated margin, side by side, with shocks run by the reference simulator.

Parse -> the compare job (:mod:`verifier.jobs.compare`; the accounts read as ``evaluate`` reads them) -> report.
Exit 1 when the simulator and the liquidation prices disagree (a bug to report).
"""

from __future__ import annotations

import re
import sys

# Listed here, not imported from the reporter: building the parser must not load a stage (a cached `check`
# loads no SymPy); tests/compare checks that the reporter renders each.
FORMATS = ("text", "json", "markdown")

NEGATIVE_MOVES = re.compile(r"^-\d+(\.\d*)?%?(,.*)?$|^-\.\d+%?(,.*)?$")


def add_parser(sub) -> None:
    parser = sub.add_parser("compare", help="cross or isolated? the same positions in both modes, with shocks",
                            description="For each position and the account, side by side in cross and isolated "
                                        "margin: the liquidation price, its distance from the mark, the most that "
                                        "can be lost, which positions are liquidated together; with --shock or "
                                        "--path, what each mode loses (run by the reference simulator and "
                                        "cross-checked against the liquidation prices).")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("accounts", metavar="ACCOUNT", nargs="+",
                        help="a ccxt fetch_positions() dump as it is (or {positions, balance}), or account snapshot "
                             "file(s) of one user (a cross one and an isolated one make a mixed account)")
    parser.add_argument("--balance", metavar="FILE", help="a ccxt fetch_balance() dump: the cross wallet")
    parser.add_argument("--margin-mode", choices=("cross", "isolated"),
                        help="the margin mode of ccxt positions that state none (Bybit's are null)")
    parser.add_argument("--allocate", action="append", default=[], metavar="A",
                        help="isolated margin of positions held in cross: initial (the initial margin at the "
                             "position's leverage; the default), an amount (1000) or a share of the cross wallet "
                             "(20%%), for every position or one (BTC/USDT:USDT=1000); a comma list, repeatable")
    parser.add_argument("--shock", action="append", default=[], metavar="S",
                        help="moves from the mark: -5%%,-10%%,-20%% (one shock each, every market), or "
                             "BTC=-20%%,ETH=-30%% (one shock); with --unified, a coin too: USDT=-2%% moves the coin's "
                             "USD price (a move of every market moves the coins that are a position's base asset); repeatable")
    parser.add_argument("--path", action="append", default=[], metavar="FILE",
                        help="a price-path file (schemas/price-path.schema.json): a sequence of steps; repeatable")
    parser.add_argument("--unified", metavar="RULE",
                        help="a third column: the same positions in the exchange's unified account under this "
                             "unified-margin rule of the same exchange (bybit/unified-trading-account; the Binance and "
                             "OKX rules are refused while they read their loan rate from no field); each settlement "
                             "currency becomes a coin holding the cross wallet plus the positions' unrealised PnL, "
                             "with their maintenance margin")
    parser.add_argument("--usd", action="append", default=[], metavar="COIN=PRICE",
                        help="with --unified: each coin's USD index price (every settlement currency and collateral "
                             "coin: USDT=1,BTC=60000); never assumed; repeatable")
    parser.add_argument("--collateral", action="append", default=[], metavar="COIN=AMOUNT",
                        help="with --unified: coins held besides the positions' wallet (BTC=0.5); a --shock move "
                             "naming a coin (BTC=-20%%, USDT=-2%%) moves its USD price in the unified column; "
                             "repeatable")
    parser.add_argument("--format", choices=list(FORMATS), default="text", help="output format (default: text)")
    parser.add_argument("--chart", metavar="FILE.svg", help="also write the equity against a move of every market "
                                                            "(both modes, liquidations marked) as SVG")
    parser.add_argument("--date", help="use parameters and market data in force on this date (YYYY-MM-DD; "
                                       "default: the latest)")
    parser.add_argument("--explain", action="store_true",
                        help="for each position in each mode, why its liquidation price is what it is: every input "
                             "and where it came from, the tier and its bounds, each value's formula with its rule "
                             "line and source (JSON: 'explain' in each mode of a position); the results do not "
                             "change")
    # '--shock -10%,-35%' as the issue writes it: argparse takes a value that starts with '-' for an option unless
    # it looks like a negative number; moves (-10%, -2.5%,-5%) count as numbers here (compare has no such option).
    parser._negative_number_matcher = NEGATIVE_MOVES
    parser.set_defaults(run=run)


def run(args) -> int:
    from verifier.cli.arguments import parse_date
    from verifier.cli.output import write_diagnostics
    from verifier.jobs.compare import chart_title, compare_files
    from verifier.read.whatif import parse_allocations, parse_coin_amounts, parse_shocks
    from verifier.read.inputs import recorded_reads
    from verifier.report.compare import own_value_warnings, render, stale_warnings
    from verifier.report.compare_chart import equity_chart
    from verifier.report.outputs import check_output, write_output

    inputs = [args.rule, *args.accounts, args.balance, *args.path, args.unified]
    if args.chart is not None:
        check_output(args.chart, "--chart", inputs)  # before the work: a bad path costs nothing
    date = parse_date(args.date)
    allocations = parse_allocations(args.allocate)
    shocks = tuple(s for text in args.shock for s in parse_shocks(text))
    usd = parse_coin_amounts(args.usd, "--usd", positive=True)
    collateral = parse_coin_amounts(args.collateral, "--collateral", positive=False)
    if (usd or collateral) and args.unified is None:
        from verifier.errors import Diagnostic, UsageError

        message = "--usd and --collateral value the unified account: they go with --unified RULE"
        raise UsageError(message, [Diagnostic("MV002", message, file="<command line>",
                                              hint="add --unified bybit/unified-trading-account (or drop them)")],
                         code="MV002")
    with recorded_reads() as read:  # every file the run reads: none may be the chart
        result = compare_files(args.rule, args.accounts, balance=args.balance, margin_mode=args.margin_mode,
                               allocations=allocations, shocks=shocks, price_paths=args.path, date=date,
                               chart=args.chart is not None, explain=args.explain, unified=args.unified, usd=usd,
                               collateral=collateral)
    write_diagnostics(stale_warnings(result, result.date or result.today) + own_value_warnings(result), args)
    sys.stdout.write(render(result, args.format))
    if args.chart is not None:
        write_output(args.chart, equity_chart(result.chart, chart_title(result.rule)), "--chart", [*inputs, *read])
        print(f"wrote {args.chart}", file=sys.stderr)
    for check in result.disagreements:
        print(f"error[MV656]: {check.shock}, {check.mode} {', '.join(check.positions)}: the liquidation prices say "
              f"step {check.predicted}, the simulator step {check.simulated}; please report this", file=sys.stderr)
    return 0 if result.agrees else 1
