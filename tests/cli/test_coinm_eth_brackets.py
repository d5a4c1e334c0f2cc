"""binance/coinm-perpetual beyond BTC: ETH/USD:ETH's brackets in the shipped catalog price ETH COIN-M positions.

The table (rules/binance/markets/coinm-perpetual/markets-E.json, source coinsrc-cm-brackets-2024-02-17) is the one
imported from tests/fixtures/ccxt/binance-coinm-ethusd-tiers-2024-02-17.json (tests/fixtures/ccxt/README.md).  The
positions are built here in ccxt's fetch_positions() shape (/dapi/v1/positionRisk rows, hedge mode, isolated);
contracts of 10 USD (the catalog's ETHUSD_PERP).  Worked by hand, in ETH, at the liquidation price X:
- long 2,000 contracts (20,000 USD) at 2,500, wallet 0.8: 0.8 + 20,000/2,500 - 20,000/X = 0.005 x 20,000/X, so
  X = 20,100 / 8.8 = 25,125/11 (notional 8.76 ETH: the first bracket, 0-15 ETH at 0.5 %);
- short 20,000 contracts (200,000 USD) at 2,500, wallet 8: 8 - 80 + 200,000/X = 0.0065 x 200,000/X - 0.0225, so
  X = 198,700 / 71.9775 = 79,480,000/28,791 (notional 72.45 ETH: the second bracket, 15-100 ETH at 0.65 %, cum
  0.0225 = 15 x 0.0015).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATE = "2026-12-07"
FIXTURE = ROOT / "tests/fixtures/ccxt/binance-coinm-ethusd-tiers-2024-02-17.json"
SHARD = ROOT / "rules/binance/markets/coinm-perpetual/markets-E.json"


def row(side: str, contracts: int, entry: str, mark: str, wallet: str) -> dict:
    amount = str(contracts if side == "long" else -contracts)
    return {"info": {"symbol": "ETHUSD_PERP", "positionAmt": amount, "entryPrice": entry, "markPrice": mark,
                     "liquidationPrice": "0", "leverage": "10", "marginType": "isolated",
                     "positionSide": side.upper(), "isolatedWallet": wallet, "updateTime": "1765065600000"},
            "symbol": "ETH/USD:ETH", "contracts": float(contracts), "contractSize": 10.0, "entryPrice": float(entry),
            "markPrice": float(mark), "liquidationPrice": None, "leverage": 10.0, "marginMode": "isolated",
            "side": side, "hedged": True, "timestamp": 1765065600000}


def evaluate(tmp_path, positions) -> dict:
    path = tmp_path / "eth.json"
    path.write_text(json.dumps({"positions": positions}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "verifier", "evaluate", "binance/coinm-perpetual", str(path),
                           "--date", DATE, "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["accounts"][0]


def exact(text: str, value: F) -> bool:
    """The printed exact price is the fraction to every digit printed (rounded at the last one)."""
    places = -Decimal(text).as_tuple().exponent
    return abs(F(text) - value) <= F(1, 2 * 10**places)


def test_eth_positions_are_priced_from_the_catalog_brackets(tmp_path):
    account = evaluate(tmp_path, [row("long", 2000, "2500", "2400", "0.8"), row("short", 20000, "2500", "2500", "8")])
    long, short = account["positions"]
    assert long["bracket"] == "tier 1: MMR 0.005, cum 0 (catalog)" and long["liquidationTier"] == 1
    assert exact(long["liquidationPriceExact"], F(25125, 11))
    assert short["bracket"] == "tier 2: MMR 0.0065, cum 0.0225 (catalog)" and short["liquidationTier"] == 2
    assert exact(short["liquidationPriceExact"], F(79480000, 28791))
    assert F(short["maintenanceMargin"]) == F(200000, 2500) * F("0.0065") - F("0.0225")


def test_the_catalog_holds_the_source_table_and_its_amounts_are_the_sources_cum():
    """Every bracket as the source typed it; the catalog derives cum by continuity and equals the source's cum."""
    (version,) = json.loads(SHARD.read_text())["markets"]["ETH/USD:ETH"]["tiers"]
    assert (version["effective"], version["source"]) == ("2024-02-17", "coinsrc-cm-brackets-2024-02-17")
    source = json.loads(FIXTURE.read_text())["ETH/USD:ETH"]
    assert len(version["rows"]) == len(source) == 10
    for shipped, tier in zip(version["rows"], source):
        info = tier["info"]
        assert [F(str(v)) for v in shipped] == [F(info["qtyFloor"]), F(info["qtyCap"]), F(info["maintMarginRatio"]),
                                               F(info["cum"])]
