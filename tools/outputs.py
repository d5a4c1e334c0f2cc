"""Record the JSON outputs of the shipped examples and rules, and diff them against a recording.

A refactoring must not change what users see.  Before it, record; after it, diff:

    .venv/bin/python tools/outputs.py record /tmp/before
    .venv/bin/python tools/outputs.py diff /tmp/before          # exit 1 and the differences, if any

The commands are `evaluate`, `compare`, `derive`, `verify --profile ci` and `import --check`, each with
`--format json`, over every shipped rule and the bundled accounts, exports and market-data dumps.  Figures that
measure the run rather than the rules (seconds, versions) are left out of the comparison; the exit code is kept.
``--skip-verify`` leaves out `verify` (most of the time) for a quick look.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = {"seconds", "version", "versions"}
"""Keys whose values describe the run (time taken, software versions), not the result."""


def commands(skip_verify: bool) -> dict:
    """name -> argv (after ``margin-verifier``) of every recorded command."""
    rules = sorted(str(p.relative_to(ROOT / "rules").with_suffix(""))
                   for p in (ROOT / "rules").glob("*/*.yaml"))
    out = {}
    for rule in rules:
        out[f"derive {rule}"] = ["derive", rule]
        if not skip_verify:
            out[f"verify {rule}"] = ["verify", f"rules/{rule}.yaml", "--profile", "ci"]
    snapshots = "tests/derive/snapshots"
    exports = "tests/fixtures/ccxt_exports"
    out.update({
        "evaluate hedge-cross": ["evaluate", "binance/usdm-perpetual", f"{snapshots}/hedge-cross.json",
                                 "--date", "2026-10-01"],
        "evaluate official-cross": ["evaluate", "binance/usdm-perpetual", f"{snapshots}/official-cross.json",
                                    "--date", "2026-10-01"],
        "evaluate spot-cross-m1": ["evaluate", "binance/spot-margin", f"{snapshots}/spot-cross-m1.json"],
        "evaluate binance export": ["evaluate", "binance/usdm-perpetual", f"{exports}/binance-usdm-positions-2024-07-28.json",
                                    "--balance", f"{exports}/binance-usdm-balance-2024-07-28.json",
                                    "--date", "2024-07-28"],
        "evaluate hyperliquid cross": ["evaluate", "hyperliquid/perpetual", f"{exports}/hyperliquid-cross-2024-10-10.json",
                                       "--date", "2024-10-10", "--rtol", "1e-9"],
        "evaluate hyperliquid isolated": ["evaluate", "hyperliquid/perpetual",
                                          f"{exports}/hyperliquid-isolated-hype-2025-10-30.json", "--date", "2025-10-30"],
        "evaluate okx inverse": ["evaluate", "okx/inverse-swap", f"{exports}/okx-inverse-isolated-2026-01-20.json",
                                 "--date", "2026-01-20"],
        "compare futures-isolated-1000": ["compare", "binance/usdm-perpetual", "examples/compare/futures-isolated-1000.yaml",
                                          "--shock", "-10%,-35%"],
        "compare hedged-two-markets": ["compare", "binance/usdm-perpetual", "examples/compare/hedged-two-markets.yaml",
                                       "--shock", "-10%,-20%,-30%", "--shock", "BTC=-20%,ETH=+20%"],
        "compare crash-path": ["compare", "binance/usdm-perpetual", "examples/compare/hedged-two-markets.yaml",
                               "--path", "examples/compare/crash-path.yaml"],
        "compare hyperliquid export": ["compare", "hyperliquid/perpetual", f"{exports}/hyperliquid-cross-2024-10-10.json",
                                       "--shock", "-5%,-20%"],
        "import binance tiers": ["import", "binance/usdm-perpetual", "--tiers", "tests/fixtures/ccxt/binance-usdm-tiers-2024-10-03.json",
                                 "--check", "--retrieved", "2026-11-28", "--effective", "2024-10-03",
                                 "--source", "freqtrade-git-2024-10-03"],
        "import binance markets": ["import", "binance/usdm-perpetual", "--markets",
                                   "tests/fixtures/ccxt/binance-usdm-markets-2025-12-24.json", "--check",
                                   "--retrieved", "2026-11-28", "--effective", "2025-12-24",
                                   "--source", "binance-exchangeinfo-2025-12-24"],
        "import bybit tiers": ["import", "bybit/linear-perpetual", "--tiers",
                               "tests/fixtures/ccxt/bybit-linear-btcusdt-tiers-2026-11-21.json", "--check",
                               "--retrieved", "2026-11-21", "--source", "margin-parameters"],
    })
    return out


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def run(argv: list) -> dict:
    """The command's exit code and its JSON output (or its text, when it printed no JSON)."""
    exe = ROOT / ".venv" / "bin" / "margin-verifier"
    done = subprocess.run([str(exe), *argv, "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                          env={"MARGIN_VERIFIER_TODAY": "2026-12-07", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    try:
        output = _strip(json.loads(done.stdout))
    except ValueError:
        output = done.stdout
    return {"exit": done.returncode, "output": output, "stderr": done.stderr.splitlines()}


def record(folder: Path, skip_verify: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, argv in commands(skip_verify).items():
        result = run(argv)
        (folder / (name.replace("/", "_").replace(" ", "__") + ".json")).write_text(
            json.dumps({"argv": argv, **result}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{result['exit']}  {name}", file=sys.stderr)


def diff(folder: Path, skip_verify: bool) -> int:
    differing = 0
    for name, argv in commands(skip_verify).items():
        path = folder / (name.replace("/", "_").replace(" ", "__") + ".json")
        if not path.exists():
            print(f"not recorded: {name}")
            continue
        before = json.loads(path.read_text(encoding="utf-8"))
        after = json.loads(json.dumps({"argv": argv, **run(argv)}, sort_keys=True))
        if before != after:
            differing += 1
            print(f"DIFFERS: {name}")
            import difflib

            lines = difflib.unified_diff(json.dumps(before, indent=1, sort_keys=True).splitlines(),
                                         json.dumps(after, indent=1, sort_keys=True).splitlines(), "before", "after",
                                         lineterm="", n=2)
            print("\n".join(list(lines)[:60]))
    print(f"{differing} of {len(commands(skip_verify))} commands differ")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "diff"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()
    if args.action == "record":
        record(args.folder, args.skip_verify)
        return 0
    return diff(args.folder, args.skip_verify)


if __name__ == "__main__":
    sys.exit(main())
