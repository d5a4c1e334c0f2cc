"""``margin-verifier simulate SCENARIO``: run a scenario and show its steps side by side, one column per account."""

from __future__ import annotations

import sys

from verifier.cli.output import print_json


def add_parser(sub) -> None:
    parser = sub.add_parser("simulate", help="run a scenario with the reference simulator",
                            description="Run a scenario file: every step side by side, one column per account "
                                        "(margin level and status); exit 1 if an expectation fails.")
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file (scenarios/*.yaml)")
    parser.add_argument("--format", choices=["table", "json", "markdown"], default="table",
                        help="output format (default: table)")
    parser.add_argument("--events", action="store_true", help="also print the event log (table format)")
    parser.set_defaults(run=run)


def _cell(c) -> str:
    level = c["marginLevel"] if c["marginLevel"] is not None else "-"
    if level != "-" and c["marginLevelExact"] != level:
        level = "~" + level.split(".")[0] + ("." + level.split(".")[1][:4] if "." in level else "")
    return f"{level} {c['status']}"


def _table(run, markdown: bool) -> list[str]:
    accounts = [c["id"] + f" ({c['kind']})" for c in run.rows[0]["accounts"]] if run.rows else []
    header = ["step", "prices"] + accounts
    rows = []
    for row in run.rows:
        prices = ", ".join(f"{k} {v}" for k, v in row["prices"].items())
        rows.append([row["label"], prices] + [_cell(c) for c in row["accounts"]])
        rows.append(["", "equity"] + [c["equity"] for c in row["accounts"]])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return lines
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def run(args) -> int:
    from verifier.simulate import simulate_file
    from verifier.simulate.events import decimal_text

    result = simulate_file(args.scenario)
    scenario = result.scenario
    if args.format == "json":
        print_json({"scenario": scenario.data["scenario"], "rule": scenario.rule.rule.id,
                    "date": scenario.data["date"],
                    "steps": [{"label": r["label"], "prices": r["prices"],
                               "accounts": [{k: c[k] for k in ("id", "mode", "marginLevel", "marginLevelExact", "status", "equity",
                                                                 "loss", "balances", "debts", "events")}
                                            for c in r["accounts"]]} for r in result.rows],
                    "insuranceFund": {a: decimal_text(v) for a, v in
                                      sorted(result.simulator.ledger.balances["insurance"].items())},
                    "fees": {a: decimal_text(v) for a, v in sorted(result.simulator.ledger.balances["fees"].items())},
                    "failures": [{"step": f.step, "account": f.account, "what": f.what,
                                  "expected": str(f.expected), "actual": str(f.actual), "line": f.line}
                                 for f in result.failures]})
    else:
        markdown = args.format == "markdown"
        print(("# " if markdown else "") + f"{scenario.data['title']}")
        print(f"{'' if markdown else ''}rule {scenario.rule.rule.id}, date {scenario.data['date']}")
        print()
        for line in _table(result, markdown):
            print(line)
        if args.events or markdown:
            print()
            for row in result.rows:
                for e in row["events"]:
                    if e["kind"] in ("deposit", "borrow", "buy", "sell", "trade", "transfer") and not args.events:
                        continue
                    nums = ", ".join(f"{k}={v}" for k, v in e["numbers"].items())
                    print(f"{'- ' if markdown else ''}{row['label']}: [{e['account']}] {e['kind']}: {e['why']}"
                          + (f" ({nums})" if nums else ""))
        ledger = result.simulator.ledger.balances
        print()
        print("insurance fund paid out: " + (", ".join(f"{decimal_text(-v)} {a}" for a, v in
                                                       sorted(ledger["insurance"].items()) if v) or "nothing")
              + "; fees: " + (", ".join(f"{decimal_text(v)} {a}" for a, v in sorted(ledger["fees"].items()) if v)
                              or "0"))
    for f in result.failures:
        print(f"{scenario.file}:{f.line}: expectation failed: step {f.step!r}, account {f.account}: {f.what} "
              f"expected {f.expected}, actual {f.actual}", file=sys.stderr)
    return 1 if result.failures else 0
