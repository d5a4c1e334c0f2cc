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
    # shock, cross: liquidated, lost (since the marks), equity left; isolated: the same
    assert re.search(r"^-10%\s+-\s+1,500 USDT\s+3,500 USDT\s+BTC/USDT:USDT\s+1,000 USDT\s+4,000 USDT$", text.stdout,
                     re.M)
    assert "agrees with the liquidation prices on all 4" in text.stdout and "error" not in text.stderr
    markdown = run(FUTURES, "--shock", "-10%", "--format", "markdown")
    assert "| position | held |" in markdown.stdout and "| -10% |" in markdown.stdout
    assert markdown.stdout.startswith("**Verdict: isolated loses less at -10%")


def test_the_report_opens_with_the_verdict_which_json_carries_too(futures_json):
    text = run(FUTURES, "--shock", "-10%,-35%").stdout
    first = text.splitlines()[0]
    # by hand: -10% costs cross 0.25 x 6,000 = 1,500 unrealised; isolated loses its 1,000 (liquidated at ~56,225)
    assert first == ("Verdict: isolated loses less at both shocks: at -10% it loses 1,000 USDT and cross 1,500 "
                     "(500 USDT better); at -35% it loses 1,000 USDT and cross 5,000 (4,000 USDT better); isolated is "
                     "liquidated at -10% and -35%, cross is liquidated at -35%.")
    verdict = futures_json["verdict"]
    assert verdict["text"] == first
    assert [(s["shock"], s["losesLess"], s["by"], s["lost"]) for s in verdict["shocks"]] == [
        ("-10%", "isolated", {"USDT": "500"}, {"cross": {"USDT": "1500"}, "isolated": {"USDT": "1000"}}),
        ("-35%", "isolated", {"USDT": "4000"}, {"cross": {"USDT": "5000"}, "isolated": {"USDT": "1000"}})]
    assert verdict["liquidatedAt"] == {"cross": ["-35%"], "isolated": ["-10%", "-35%"]}
    assert verdict["nearestLiquidation"]["isolated"]["position"] == "BTC/USDT:USDT"


def test_the_verdict_without_shocks_says_where_each_mode_is_liquidated_and_the_most_each_loses():
    first = run(FUTURES).stdout.splitlines()[0]
    assert first == ("Verdict: isolated can lose at most 1,000 USDT (its isolated margins), cross 5,000 USDT (the whole "
                     "cross wallet); isolated is liquidated sooner: BTC/USDT:USDT at 56224.9 (~-6.29% from the mark), "
                     "cross at 40160.6 (~-33.07% from the mark); --shock shows what each loses.")


def test_the_verdict_says_which_mode_does_better_shock_by_shock():
    # the hedged account: moving together, isolated loses the BTC leg's margin but keeps the ETH short's gain; moving
    # apart, both legs lose and cross loses the whole wallet
    first = run(HEDGED, "--shock", "-10%,-20%", "--shock", "BTC=-20%,ETH=+20%").stdout.splitlines()[0]
    assert first == ("Verdict: isolated does better at -20% (it gains 1,300 USDT and cross loses nothing: 1,300 USDT "
                     "better) and 'BTC -20%, ETH +20%' (it loses 3,000 USDT and cross 4,000: 1,000 USDT better); both "
                     "modes lose nothing at -10%; isolated is liquidated at -20% and 'BTC -20%, ETH +20%', cross is "
                     "liquidated at 'BTC -20%, ETH +20%'."), first


def test_the_header_names_the_rule_not_the_files_and_labels_say_what_figures_include(tmp_path):
    text = run(FUTURES, "--shock", "-10%").stdout
    assert "futures-isolated-1000.yaml" not in text
    assert "positions under binance/usdm-perpetual, with the rule and market data in force on 2026-10-01" in text
    # the cross wallet were the position cross: the wallet outside it plus its collateral, each said
    assert ("USDT: cross wallet 5,000 = walletBalance 4,000 (outside the isolated positions) + 1,000 collateral of the "
            "isolated positions (BTC/USDT:USDT); in isolated, 1,000 backs the positions and 4,000 stays outside them"
            in text)
    assert "lost: the equity at the marks minus the equity after the shock" in text


def test_chart_marks_both_liquidations(tmp_path):
    chart = tmp_path / "equity.svg"
    done = run(FUTURES, "--shock", "-40%,-10%", "--chart", chart)
    assert done.returncode == 0, done.stderr
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'id="liquidation-cross' in svg and 'id="liquidation-isolated' in svg


def test_chart_draws_shocks_per_market_and_price_paths(tmp_path):
    """A shock that moves markets apart is drawn against the share of it applied, a path step by step (both were
    refused with MV002 before); the liquidation points are where the liquidation prices say."""
    import datetime

    from verifier.jobs.compare import compare_files
    from verifier.read.whatif import parse_shocks

    result = compare_files(RULE, [str(HEDGED)], shocks=parse_shocks("BTC=-20%,ETH=+20%"),
                           price_paths=[str(EXAMPLES / "crash-path.yaml")], date=datetime.date(2026, 10, 1),
                           chart=True)
    apart, path = result.chart.panels
    assert (apart.axis, apart.title, apart.xs[0], apart.xs[-1]) == ("share", "BTC -20%, ETH +20%", 0, 1)
    isolated_eth = next(m for m in apart.markers if m.mode == "isolated" and m.positions == ("ETH/USDT:USDT",))
    eth = next(h for h in result.book.holdings if h.symbol == "ETH/USDT:USDT")
    # ETH (short) reaches its isolated liquidation price at this share of its +20 % move
    assert isolated_eth.x == (result.closed.isolated[eth.index].liquidation_price - eth.mark) / (eth.mark / 5)
    assert any(m.mode == "cross" for m in apart.markers)  # the two-market cross group: where the sweep liquidated it
    assert path.axis == "step" and path.labels[0] == "at the marks" and len(path.xs) == 4
    assert path.cross[-1] == result.outcomes[-1].last.cross.equity
    chart = tmp_path / "apart.svg"
    done = run(HEDGED, "--shock", "BTC=-20%,ETH=+20%", "--chart", chart)
    assert done.returncode == 0 and 'id="liquidation-isolated' in chart.read_text(encoding="utf-8"), done.stderr


def test_chart_without_a_shock_is_a_usage_error(tmp_path):
    done = run(FUTURES, "--chart", tmp_path / "none.svg")
    assert done.returncode == 2 and "error[MV002]" in done.stderr and not (tmp_path / "none.svg").exists()


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
    # the cross wallet of a mixed account holds the isolated collateral too, and the text says so
    [wallet] = report["wallets"]
    assert F(wallet["crossWallet"]) == F(wallet["walletBalance"]) + F(wallet["isolatedCollateral"]) > \
        F(wallet["walletBalance"]) and wallet["walletBalanceFrom"] == "cross"
    text = subprocess.run([sys.executable, "-m", "verifier", "compare", "hyperliquid/perpetual",
                           str(fixtures / "hyperliquid-cross-2024-10-10.json"),
                           str(fixtures / "hyperliquid-isolated-hype-2025-10-30.json"), "--date", "2026-11-28"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300).stdout
    assert re.search(r"^USDC: cross wallet ~[\d,.]+ = walletBalance [~\d,.]+ of the cross snapshot \+ ~[\d,.]+ collateral "
                     r"of the isolated positions \(HYPE/USDC:USDC\), were they cross too;", text, re.M), text
