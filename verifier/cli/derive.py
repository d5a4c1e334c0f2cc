"""``margin-verifier derive RULE [--mode M] [--format text|latex|json]``: closed forms with validity conditions."""

from __future__ import annotations


def add_parser(sub) -> None:
    parser = sub.add_parser("derive", help="print each mode's closed-form prices (liquidation, bankruptcy, ...)",
                            description="Solve every condition of a rule for its price symbol and print the closed "
                                        "forms with their validity conditions.")
    parser.add_argument("rule", metavar="RULE", help="a rule file or a rule id such as binance/usdm-perpetual")
    parser.add_argument("--mode", help="only this mode")
    parser.add_argument("--format", choices=["text", "latex", "json"], default="text")
    parser.set_defaults(run=run)


def run(args) -> int:
    import sympy

    from verifier.cli.output import print_json
    from verifier.derive import derive_rule, prove_published
    from verifier.errors import Diagnostic, UsageError
    from verifier.read import load_rule

    rule = load_rule(args.rule)
    if args.mode is not None and args.mode not in rule.modes:
        raise UsageError(f"unknown mode {args.mode!r}", [Diagnostic(
            "MV002", f"rule {rule.id} has no mode {args.mode!r}", file="<command line>",
            hint="one of " + ", ".join(rule.modes))])
    derivation = derive_rule(rule)
    proofs = prove_published(rule)
    modes = [args.mode] if args.mode else list(rule.modes)
    rows = []
    for name in modes:
        mode = rule.modes[name]
        derived = derivation.modes[name]
        for cname in mode.conditions:
            form = derived.prices.get(cname)
            used = set().union(*(r.free_symbols for r in form.roots)) if form is not None and form.roots else set()
            tiered = sorted(n for n in mode.tier_symbols if mode.symbols[n].sympy in used)
            row = {"mode": name, "condition": cname, "solveFor": mode.conditions[cname].solve_for,
                   "when": mode.conditions[cname].text, "tierSymbols": tiered}
            if form is None:
                row.update({"closedForm": None, "reason": derived.failures.get(cname)})
            else:
                row.update({"closedForm": [str(r) for r in form.roots],
                            "latex": [sympy.latex(r) for r in form.roots],
                            "validity": [str(c) for c in form.conditions] + [f"{form.solve_for} != {e}" for e in form.excluded]
                                        + ["tier basis at the root inside the row's bounds"] * bool(tiered),
                            "none": "no real root in the domain: no price" if not form.roots else None})
            rows.append(row)
    proof_rows = [{"quantity": p.quantity, "index": p.index, "modes": list(p.modes), "status": p.status,
                   "method": p.method, "counterexample": {k: str(v) for k, v in p.counterexample.items()}}
                  for p in proofs if args.mode is None or args.mode in p.modes]
    if args.format == "json":
        print_json({"rule": rule.id, "closedForms": rows, "published": proof_rows})
    else:
        for row in rows:
            head = f"{row['mode']} / {row['condition']} ({row['when']}) solved for {row['solveFor']}:"
            print(head)
            if row["closedForm"] is None:
                print(f"  no closed form: {row['reason']}")
                continue
            if not row["closedForm"]:
                print("  no liquidation price (the boundary has no real root)")
            for text, latex in zip(row["closedForm"], row["latex"]):
                print(f"  {row['solveFor']} = " + (latex if args.format == "latex" else text))
            for condition in row["validity"]:
                print(f"    valid where {condition}")
            if row["tierSymbols"]:
                print(f"    per tier row: {', '.join(row['tierSymbols'])} from the row; keep the root whose tier "
                      "basis falls in that row")
        for p in proof_rows:
            print(f"published {p['quantity']}[{p['index']}] ({', '.join(p['modes'])}): {p['status']} by {p['method']}"
                  + (f"; counterexample {p['counterexample']}" if p["counterexample"] else ""))
    return 1 if any(p["status"] == "refuted" for p in proof_rows) else 0
