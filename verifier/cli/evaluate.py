"""``margin-verifier evaluate RULE SNAPSHOT [--json]``: liquidation prices, margin level and status of an account."""

from __future__ import annotations


def add_parser(sub) -> None:
    parser = sub.add_parser("evaluate", help="evaluate an account snapshot (ccxt field names) exactly",
                            description="Evaluate an account snapshot in the format of design section 4: each "
                                        "position's liquidation price, maintenance margin, PnL and tier.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="a JSON or YAML snapshot file")
    parser.add_argument("--json", action="store_true", help="print the JSON object only")
    parser.add_argument("--date", help="evaluate with parameters in force on this date (YYYY-MM-DD)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import datetime as dt

    from verifier.cli.output import print_json
    from verifier.derive import evaluate_snapshot
    from verifier.errors import Diagnostic, SpecError, UsageError
    from verifier.read import DocumentError, load_rule, read_file

    date = None
    if args.date:
        try:
            date = dt.date.fromisoformat(args.date)
        except ValueError:
            raise UsageError("bad date", [Diagnostic("MV002", f"--date {args.date!r} is not YYYY-MM-DD",
                                                     file="<command line>")]) from None
    rule = load_rule(args.rule)
    try:
        document = read_file(args.snapshot)
    except DocumentError as exc:
        raise SpecError(str(exc), exc.diagnostics) from None
    result = evaluate_snapshot(rule, document, date=date)
    if args.json:
        print_json(result)
        return 0
    for p in result["positions"]:
        print(f"{p['symbol']} {p['side']}: liquidation price {p['liquidationPrice'] or 'none'}, "
              f"maintenance margin {p['maintenanceMargin']}, unrealised PnL {p['unrealizedPnl']}, tier {p['tier']}")
    print(f"margin level {result['marginLevel']}; status {result['status']}")
    return 0
