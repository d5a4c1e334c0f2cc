"""Property: the batch's float columns agree with the exact path on any account, within the stated tolerance.

Drawn: a Binance USDⓈ-M account (ccxt export) of one to five one-way positions in markets with different tier
tables, each cross or isolated, sizes, prices and wallets from tiny to large; and a Hyperliquid cross account (no
tier table; the mark read from the raw position value, the maintenance rate from the market's maximum leverage).
Both paths read the same export.  Floats decline what the exact path refuses; otherwise every position's liquidation price, maintenance margin, margin ratio and status
and every pool's equity, maintenance margin, ratio and status must agree as ``--check-sample`` judges them
(:func:`verifier.jobs.batch_sample.compare_account`), and each price as :func:`verifier.derive.columns.agrees`
says directly.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from verifier.derive.columns import RuleColumns, agrees
from verifier.errors import VerifierError
from verifier.jobs.batch import BatchOptions
from verifier.jobs.batch_exact import exact_account
from verifier.jobs.batch_sample import SampleCheck, compare_account
from verifier.read import load_rule
from verifier.read.batch_input import Chunk
from verifier.read.inputs import Document
from verifier.read.located import Located
from verifier.read.position_lines import _Builder
from verifier.read.positions_file import export_from_data

DATE = dt.date(2026, 10, 1)
BINANCE = load_rule("binance/usdm-perpetual")
HYPERLIQUID = load_rule("hyperliquid/perpetual")
BINANCE_COLUMNS = RuleColumns(BINANCE, DATE)
HYPERLIQUID_COLUMNS = RuleColumns(HYPERLIQUID, None)
MARKETS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "DOGE/USDT:USDT", "1000PEPE/USDT:USDT", "BTC/USDC:USDC"]
PERPS = ["BTC/USDC:USDC", "ETH/USDC:USDC", "SOL/USDC:USDC"]

decimal = st.builds(lambda digits, places: digits / 10 ** places, st.integers(1, 10 ** 7), st.integers(0, 4))


@st.composite
def binance_accounts(draw):
    symbols = draw(st.lists(st.sampled_from(MARKETS), min_size=1, max_size=5, unique=True))
    positions, wallets = [], {}
    for symbol in symbols:
        side = draw(st.sampled_from(["long", "short"]))
        mode = draw(st.sampled_from(["cross", "cross", "isolated"]))
        contracts = draw(decimal) / 1000
        entry, mark = draw(decimal), draw(decimal)
        positions.append({"symbol": symbol, "side": side, "contracts": contracts, "contractSize": 1,
                          "entryPrice": entry, "markPrice": mark, "marginMode": mode, "leverage": None,
                          "info": {"positionAmt": str(contracts if side == "long" else -contracts),
                                   "positionSide": "BOTH",
                                   "isolatedWallet": str(draw(decimal)) if mode == "isolated" else "0"}})
        wallets[symbol.split(":")[1]] = draw(decimal) * 10
    return {"positions": positions, "walletBalance": wallets}


@st.composite
def hyperliquid_accounts(draw):
    symbols = draw(st.lists(st.sampled_from(PERPS), min_size=1, max_size=3, unique=True))
    positions = []
    for symbol in symbols:
        size = draw(decimal) / 100
        signed = size if draw(st.booleans()) else -size
        positions.append({"symbol": symbol, "side": "long" if signed > 0 else "short", "contracts": size,
                          "contractSize": 1, "entryPrice": draw(decimal), "marginMode": "cross", "leverage": 10,
                          "info": {"position": {"szi": str(signed), "positionValue": str(draw(decimal) * size)}}})
    return {"positions": positions, "walletBalance": draw(decimal)}


def both_paths(rule, columns_of_rule, data, date):
    accounts = export_from_data(rule, data, {"positions": Located(Document("<drawn>", data))})
    builder = _Builder("<drawn>")
    builder.add(0, "drawn", 1, accounts)
    chunk: Chunk = builder.chunk()
    priced = columns_of_rule.price(chunk.columns)
    try:
        found = exact_account(rule, accounts, BatchOptions(date=date), DATE)
    except VerifierError:
        found = None
    return chunk, priced, found


@given(binance_accounts())
def test_binance_floats_agree_with_the_exact_path(data):
    check_both(BINANCE, BINANCE_COLUMNS, data, DATE)


@given(hyperliquid_accounts())
def test_hyperliquid_floats_agree_with_the_exact_path(data):
    check_both(HYPERLIQUID, HYPERLIQUID_COLUMNS, data, None)


def check_both(rule, columns, data, date):
    chunk, priced, found = both_paths(rule, columns, data, date)
    if found is None:  # the exact path refuses the account (a notional past the last bracket...): floats must too
        assert priced.exact.any()
        return
    if priced.exact.any():
        return  # floats declined this account (the exact path answers it in a run): nothing to compare
    check = SampleCheck(0, 0, "drawn")
    compare_account(check, chunk, priced, 0, found)
    assert not check.disagreements, [(d.what, d.value, d.exact) for d in check.disagreements]
    cols = chunk.columns
    for pool, evaluation, _ in found["pools"]:
        for p in evaluation.positions:
            [i] = [i for i in range(cols.n) if cols.index[i] == p.index]
            assert agrees(priced.liquidation_price[i], p.liquidation_price, float(p.mark_price))
