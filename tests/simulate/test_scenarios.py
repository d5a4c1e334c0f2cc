"""The bundled scenarios run with every expectation met; invalid scenarios exit 2 with located errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.report.simulate import failure_lines, step_rows
from verifier.verify.scenarios import simulate_file

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
CLI = [sys.executable, "-m", "verifier"]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_meets_its_expectations(path):
    run = simulate_file(path)
    assert failure_lines(run) == ""


def test_classic_example_nine_cells():
    run = simulate_file(ROOT / "scenarios/binance-margin-cross-vs-isolated.yaml")
    cells = [[(c["marginLevelExact"], c["status"]) for c in row["accounts"]] for row in step_rows(run)]
    assert cells == [
        [("1.25", "normal")] * 3,
        [("1.25", "normal"), ("1.4375", "normal"), ("1.0625", "margin_call")],
        [("1.0625", "margin_call"), ("1.375", "normal"), ("0.75", "liquidated")],
    ]
    bch = step_rows(run)[-1]["accounts"][2]
    assert (bch["equity"], bch["loss"]) == ("0", "200")


def test_futures_isolated_loss_capped_cross_loses_more():
    run = simulate_file(ROOT / "scenarios/binance-futures-cross-vs-isolated.yaml")
    first_liquidation = {}
    rows = step_rows(run)
    for i, row in enumerate(rows):
        for c in row["accounts"]:
            if c["status"] == "liquidated":
                first_liquidation.setdefault(c["id"], i)
    assert first_liquidation["B-BTC"] < first_liquidation["A"]  # cross survives longer
    last = {c["id"]: c for c in rows[-1]["accounts"]}
    assert last["B-BTC"]["loss"] == "1000" and last["B"]["equity"] == "4000"
    assert last["A"]["loss"] == "5000"


def _cli(*args, cwd=ROOT):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, cwd=cwd)


def test_cli_table_and_json():
    out = _cli("simulate", "scenarios/binance-margin-cross-vs-isolated.yaml")
    assert out.returncode == 0, out.stderr
    assert "0.75 liquidated" in out.stdout and "1.4375 normal" in out.stdout
    out = _cli("simulate", "scenarios/binance-margin-cross-vs-isolated.yaml", "--format", "json")
    data = json.loads(out.stdout)
    account = data["steps"][2]["accounts"][2]
    assert {"id", "mode", "marginLevel", "status", "equity", "events"} <= set(account)
    assert account["marginLevel"] == "0.75" and isinstance(account["equity"], str)
    out = _cli("simulate", "scenarios/binance-futures-hedge-cross-vs-isolated.yaml", "--format", "markdown")
    assert out.returncode == 0 and out.stdout.startswith("# ")


def test_failed_expectation_exits_1(tmp_path):
    text = (ROOT / "scenarios/binance-margin-cross-vs-isolated.yaml").read_text()
    text = text.replace("rule: binance/spot-margin", f"rule: {ROOT / 'rules/binance/spot-margin.yaml'}")
    bad = tmp_path / "s.yaml"
    bad.write_text(text.replace("marginLevel: 1.4375", "marginLevel: 1.5"))
    out = _cli("simulate", str(bad))
    assert out.returncode == 1
    assert "step 'Day N+2', account B-ETHUSDT: marginLevel expected 1.5, actual 1.4375" in out.stderr


INVALID = {
    "unknown key": ("  - label: Day N\n", "  - label: Day N\n    pricez: {ETH: 1}\n", ":{line}:5: error[MV201]"),
    "bad kind": ("kind: cross}", "kind: crosss}", ":{line}:28: error[MV204]"),
    "unknown account": ("- deposit: {account: A,", "- deposit: {account: Z,", "error[MV710]: no account 'Z'"),
    "unknown parameter": ("  liquidation_level:\n", "  liquidation_levl:\n", "error[MV702]"),
    "two verbs": ("- borrow: {account: A, asset: USDT, amount: 1600}",
                  "- {borrow: {account: A, asset: USDT, amount: 1600}, repay: {account: A, asset: USDT, amount: 1}}",
                  "error[MV709]"),
    "text number": ("amount: 400}", "amount: '400'}", "error[MV203]"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_scenario_exits_2_with_location(tmp_path, name):
    old, new, expected = INVALID[name]
    text = (ROOT / "scenarios/binance-margin-cross-vs-isolated.yaml").read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    text = text.replace(old, new, 1)
    bad.write_text(text)
    # the line of the mistake, found in the text rather than hard-coded, so editing the scenario keeps this true
    mistake = new.splitlines()[-1].strip()
    expected = expected.replace("{line}", str(text[:text.index(mistake)].count("\n") + 1))
    out = _cli("simulate", str(bad), cwd=ROOT)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert str(bad) in out.stderr and expected in out.stderr
    out = _cli("check", str(bad), cwd=ROOT)
    assert out.returncode == 2 and expected in out.stderr  # diagnostics: stderr


def test_missing_rule_and_unreadable_file(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text("scenario: x\ntitle: t\nrule: binance/nope\ndate: 2026-11-21\n"
                   "accounts: [{id: A, user: a, kind: cross}]\nsteps: [{label: s}]\n")
    out = _cli("simulate", str(bad))
    assert out.returncode == 2 and ":3:7: error[MV700]" in out.stderr
    bad.write_text("scenario: [\n")
    out = _cli("simulate", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    out = _cli("simulate", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_check_validates_bundled_scenarios():
    out = _cli("check", "scenarios")
    assert out.returncode == 0, out.stdout
    assert "6 scenarios" in out.stdout


def test_simulate_never_imports_derive():
    code = ("import sys, verifier.simulate, verifier.cli.simulate; "
            "from verifier.verify.scenarios import simulate_file; simulate_file('scenarios/binance-futures-cross-vs-isolated.yaml'); "
            "simulate_file('scenarios/okx-multi-currency-margin-btc-collateral.yaml'); "
            "print(sorted(m for m in sys.modules if m.startswith('verifier.derive')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_simulate_computes_on_model_objects_only():
    """simulate imports model, formula and errors: never read (files), derive, verify, report or cli."""
    import ast

    for path in (ROOT / "verifier" / "simulate").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.startswith("verifier."):
                    stage = name.split(".")[1]
                    assert stage in ("simulate", "model", "formula", "errors"), f"{path.name} imports {name}"
