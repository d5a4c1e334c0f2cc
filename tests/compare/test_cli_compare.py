"""``margin-verifier compare`` as a user runs it: the design's futures example (done-when numbers of issue 14),
the hedged two-market example, the formats, the chart, and bad input (exit 2, located)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "compare"
FUTURES = EXAMPLES / "futures-isolated-1000.yaml"
HEDGED = EXAMPLES / "hedged-two-markets.yaml"
RULE = "binance/usdm-perpetual"
DATE = "2026-10-01"  # market data in force then (BTCUSDT tick 0.1, the 2026 brackets): newer imports change nothing


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", "compare", RULE, *map(str, args), "--date", DATE],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def futures_json():
    done = run(FUTURES, "--shock", "-10%,-35%", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_futures_example_liquidation_prices_and_max_loss(futures_json):
    btc = futures_json["positions"][0]
    assert btc["isolated"]["liquidationPrice"] == "56224.9"
    assert btc["cross"]["liquidationPrice"] == "40160.6"
    # docs/explanation/cross-vs-isolated.md's futures example by hand: 0.25 (P - 60,000) + backing = 0.4 % x 0.25 P, backing 1,000 isolated, 5,000 cross
    assert abs(F(btc["isolated"]["liquidationPriceExact"]) - F(15000 - 1000) / F("0.249")) < F(1, 10**17)
    assert abs(F(btc["cross"]["liquidationPriceExact"]) - F(15000 - 5000) / F("0.249")) < F(1, 10**17)
    assert btc["isolated"]["maxLoss"] == "1000" and btc["isolated"]["allocatedFrom"] == "account"
    assert btc["cross"]["maxLoss"] == "5000" and btc["cross"]["liquidatedWith"] == ["BTC/USDT:USDT"]
    assert futures_json["maxLoss"] == {"cross": {"USDT": "5000"}, "isolated": {"USDT": "1000"}}


def test_futures_example_shocks(futures_json):
    ten, thirty_five = (shock["steps"][0] for shock in futures_json["shocks"])
    assert ten["isolated"]["liquidated"] == ["BTC/USDT:USDT"] and ten["cross"]["liquidated"] == []
    assert ten["cross"]["equity"] == {"USDT": "3500"}
    assert ten["isolated"]["realisedLoss"] == {"USDT": "1000"} and ten["isolated"]["equity"] == {"USDT": "4000"}
    assert thirty_five["cross"]["liquidated"] == ["BTC/USDT:USDT"]
    assert thirty_five["isolated"]["liquidated"] == ["BTC/USDT:USDT"]
    assert thirty_five["cross"]["realisedLoss"] == {"USDT": "5000"}
    assert futures_json["crossCheck"] == {"checks": 4, "agrees": True, "disagreements": []}


def test_text_is_the_default_and_markdown_has_tables(tmp_path):
    text = run(FUTURES, "--shock", "-10%,-35%")
    assert text.returncode == 0, text.stderr
    assert re.search(r"BTC/USDT:USDT\s+isolated\s+60000\s+40160\.6\s+~-33\.07%\s+56224\.9\s+~-6\.29%", text.stdout)
    assert re.search(r"^-10%\s+-\s+0 USDT\s+3,500 USDT\s+BTC/USDT:USDT\s+1,000 USDT", text.stdout, re.M)
    assert "agrees with the liquidation prices on all 4" in text.stdout and "error" not in text.stderr
    markdown = run(FUTURES, "--shock", "-10%", "--format", "markdown")
    assert "| position | held |" in markdown.stdout and "| -10% |" in markdown.stdout


def test_chart_marks_both_liquidations(tmp_path):
    chart = tmp_path / "equity.svg"
    done = run(FUTURES, "--shock", "-40%,-10%", "--chart", chart)
    assert done.returncode == 0, done.stderr
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'id="liquidation-cross' in svg and 'id="liquidation-isolated' in svg


def test_hedged_account_cross_holds_where_isolated_loses_a_leg():
    done = run(HEDGED, "--shock", "-20%", "--shock", "BTC=-20%,ETH=+20%", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [p["isolated"]["allocatedFrom"] for p in data["positions"]] == ["initial", "initial"]
    assert data["maxLoss"] == {"cross": {"USDT": "4000"}, "isolated": {"USDT": "3000"}}
    assert data["positions"][0]["cross"]["liquidatedWith"] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    uniform, apart = (shock["steps"][0] for shock in data["shocks"])
    assert uniform["cross"]["liquidated"] == [] and uniform["isolated"]["liquidated"] == ["BTC/USDT:USDT"]
    assert apart["cross"]["liquidated"] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert data["crossCheck"]["agrees"]


def test_allocate_amount_and_percent_override_initial():
    done = run(HEDGED, "--allocate", "10%,ETH/USDT:USDT=1000", "--format", "json")
    assert done.returncode == 0, done.stderr
    allocated = [p["isolated"]["allocated"] for p in json.loads(done.stdout)["positions"]]
    assert allocated == ["400", "1000"]


def test_path_file_is_a_sequence(tmp_path):
    path = tmp_path / "crash.yaml"
    path.write_text("path: crash\nsteps:\n  - move: '-5%'\n  - move: {BTC: '-10%'}\n  - prices: "
                    "{BTC/USDT:USDT: 39000}\n", encoding="utf-8")
    data = json.loads(run(FUTURES, "--path", path, "--format", "json").stdout)
    steps = data["shocks"][0]["steps"]
    assert [s["isolated"]["liquidated"] for s in steps] == [[], ["BTC/USDT:USDT"], ["BTC/USDT:USDT"]]
    assert [s["cross"]["liquidated"] for s in steps] == [[], [], ["BTC/USDT:USDT"]]


@pytest.mark.parametrize("args, code", [
    (["--shock", "-10"], "MV002"),
    (["--shock", "-120%"], "MV002"),
    (["--allocate", "DOGE/USDT:USDT=5"], "MV650"),
    (["--allocate", "99999"], "MV652"),
])
def test_bad_options_exit_2_with_a_code(args, code):
    done = run(HEDGED, *args)
    assert done.returncode == 2 and f"error[{code}]" in done.stderr and "Traceback" not in done.stderr


def test_initial_without_leverage_is_located(tmp_path):
    account = tmp_path / "cross.yaml"
    account.write_text(HEDGED.read_text(encoding="utf-8").replace('    leverage: "10"\n', "", 1), encoding="utf-8")
    done = run(account)
    assert done.returncode == 2 and re.search(r"cross\.yaml:\d+:\d+: error\[MV651\]", done.stderr), done.stderr


def test_bad_path_file_is_located(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("steps:\n  - move: '-150%'\n", encoding="utf-8")
    done = run(FUTURES, "--path", path)
    assert done.returncode == 2 and re.search(r"bad\.yaml:2:\d+: error\[MV654\]", done.stderr), done.stderr


def test_mixed_accounts_and_hedge_mode(tmp_path):
    """A cross file and an isolated file are one user's account; hedge legs of one market go together in cross
    (the cross-check here found evaluate's hedge-status bug: it must agree)."""
    cross, isolated, hedge = tmp_path / "cross.yaml", tmp_path / "isolated.yaml", tmp_path / "hedge.yaml"
    cross.write_text('marginMode: cross\nwalletBalance: "3000"\npositions:\n  - {symbol: ETH/USDT:USDT, side: short, '
                     'contracts: "5", entryPrice: "3000", markPrice: "3050", leverage: "10"}\n', encoding="utf-8")
    isolated.write_text('marginMode: isolated\npositions:\n  - {symbol: BTC/USDT:USDT, side: long, contracts: "0.25", '
                        'entryPrice: "60000", markPrice: "61000", collateral: "1000"}\n', encoding="utf-8")
    data = json.loads(run(cross, isolated, "--shock", "-10%", "--format", "json").stdout)
    assert [p["marginMode"] for p in data["positions"]] == ["cross", "isolated"]
    assert data["wallets"][0]["crossWallet"] == "4000" and data["maxLoss"]["isolated"] == {"USDT": "2500"}
    hedge.write_text('marginMode: cross\npositionMode: hedge\nwalletBalance: "3000"\npositions:\n'
                     '  - {symbol: BTC/USDT:USDT, side: long, contracts: "0.2", entryPrice: "60000", '
                     'markPrice: "61000", leverage: "10"}\n'
                     '  - {symbol: BTC/USDT:USDT, side: short, contracts: "0.1", entryPrice: "62000", '
                     'markPrice: "61000", leverage: "10"}\n', encoding="utf-8")
    done = run(hedge, "--shock", "-10%,-30%,-55%,+30%", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["crossCheck"]["agrees"]
    assert [s["steps"][0]["cross"]["liquidated"] for s in data["shocks"]] == \
        [[], [], ["BTC/USDT:USDT long", "BTC/USDT:USDT short"], []]


def test_stale_market_data_is_warned_on_stderr():
    done = run(FUTURES)
    assert done.returncode == 0 and "warning[MV609]" in done.stderr


def test_the_cli_offers_exactly_the_formats_the_reporter_renders():
    # the CLI lists them itself so that building the parser loads no stage
    from verifier.cli.compare import FORMATS as offered
    from verifier.report.compare import FORMATS as rendered
    assert tuple(offered) == tuple(rendered)


def test_a_mixed_ccxt_export_is_compared_as_evaluate_reads_it():
    # Recorded Hyperliquid responses (tests/fixtures/ccxt_exports/README.md): a cross SOL short + ETH long, and an
    # isolated HYPE short held on its own margin (its allocation comes from the export: rawUsd + szi x entry).
    fixtures = ROOT / "tests" / "fixtures" / "ccxt_exports"
    done = subprocess.run([sys.executable, "-m", "verifier", "compare", "hyperliquid/perpetual",
                           str(fixtures / "hyperliquid-cross-2024-10-10.json"),
                           str(fixtures / "hyperliquid-isolated-hype-2025-10-30.json"),
                           "--date", "2026-11-28", "--shock", "+10%", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    hype = next(p for p in report["positions"] if p["symbol"] == "HYPE/USDC:USDC")
    assert hype["marginMode"] == "isolated" and hype["isolated"]["allocatedFrom"] == "account"
    # the exchange's own price for this position is 50.2724802381: held isolated, ours is the same to 1e-10
    assert abs(F(hype["isolated"]["liquidationPriceExact"]) - F("50.2724802381")) < F(1, 10**9)
    assert hype["isolated"]["maxLoss"] == hype["isolated"]["allocated"]
    assert set(hype["cross"]["liquidatedWith"]) == {"SOL/USDC:USDC", "ETH/USDC:USDC", "HYPE/USDC:USDC"}
    assert report["crossCheck"]["agrees"] and not report["crossCheck"]["disagreements"]
