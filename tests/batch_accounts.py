"""Generated Binance USDⓈ-M accounts for the batch tests and benchmarks (not recorded data: shapes as ccxt exports
them, numbers drawn at random), as a Parquet-ready Arrow table or JSON lines of export objects.

Each account holds ``positions`` one-way positions in distinct markets of the catalog priced on ``DATE``, most in
cross (settled in USDT or USDC: one cross pool per currency), some isolated; sizes put notionals across several
tier brackets; wallets leave most accounts safe and some past their maintenance margin.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa

DATE = dt.date(2026, 10, 1)
RULE = "binance/usdm-perpetual"


def priced_markets(rule, date=DATE) -> list:
    """The catalog's markets with a specification and a tier table in force on ``date`` (linear ones)."""
    found = []
    for symbol in rule.markets.symbols():
        market = rule.markets.market(symbol)
        spec = market.spec_at(date) if market is not None else None
        if spec is None or spec.type != "linear":
            continue
        try:
            rule.tiers.lookup(symbol, date)
        except Exception:  # noqa: BLE001 - no table on that date: not priced
            continue
        found.append(symbol)
    return found


def notional_caps(rule, markets, date=DATE) -> np.ndarray:
    """Per market: the top of its last tier bracket (infinity when open), which a position's notional stays under."""
    caps = []
    for symbol in markets:
        last = rule.tiers.lookup(symbol, date).rows[-1]
        caps.append(float(last.cap) if last.cap is not None else np.inf)
    return np.array(caps)


def leverage_caps(rule, markets, date=DATE) -> np.ndarray:
    """Per market: the highest leverage it allows on ``date`` (infinity when the catalog does not say), which a
    position's leverage stays at or under (above it, evaluate refuses the position: MV602)."""
    from verifier.derive.account.market import MarketData

    caps = []
    for symbol in markets:
        limit = MarketData.of(rule, symbol, date).leverage_limit()
        caps.append(float(limit[0]) if limit is not None else np.inf)
    return np.array(caps)


def accounts_table(markets, accounts: int, positions: int = 10, seed: int = 1, isolated: float = 0.2,
                   caps=None, leverages=None) -> pa.Table:
    """``accounts`` accounts of ``positions`` positions each, one row per position (account ids ``acct-N``);
    ``caps``: per market, a notional its positions stay well under (:func:`notional_caps`); ``leverages``: per
    market, the highest leverage it allows (:func:`leverage_caps`)."""
    rng = np.random.default_rng(seed)
    n = accounts * positions
    count = len(markets)
    base = rng.integers(0, count, accounts)
    gaps = rng.integers(1, max(2, count // positions), (accounts, positions))
    gaps[:, 0] = 0
    picks = ((base[:, None] + np.cumsum(gaps, axis=1)) % count).ravel()  # distinct markets within an account
    symbol = pa.DictionaryArray.from_arrays(pa.array(picks.astype(np.int32)), pa.array(list(markets)))
    reference = 10 ** rng.uniform(-2, 5, len(markets))  # a price level per market
    mark = np.round(reference[picks] * rng.uniform(0.97, 1.03, n), 4)
    entry = np.round(mark * rng.uniform(0.9, 1.1, n), 4)
    notional = 10 ** rng.uniform(2, 6.5, n)
    if caps is not None:
        notional = np.minimum(notional, 0.5 * caps[picks])
    contracts = np.round(notional / mark, 3)
    contracts = np.where(contracts > 0, contracts, 0.001)
    long = rng.random(n) < 0.55
    side = np.where(long, "long", "short")
    mode = np.where(rng.random(n) < isolated, "isolated", "cross")
    leverage = rng.integers(1, 50, n).astype(float)
    if leverages is not None:
        leverage = np.minimum(leverage, np.floor(leverages[picks]))
    margin = np.round(contracts * entry / leverage, 2)
    account = np.repeat(np.arange(accounts), positions)
    gross = np.bincount(account, weights=contracts * mark)
    wallet = np.round(gross * rng.uniform(0.02, 0.6, accounts), 2)
    ids = pa.array([f"acct-{i}" for i in range(accounts)])
    signed = np.where(long, contracts, -contracts)
    isolated_wallet = np.where(mode == "isolated", margin, 0.0)
    return pa.table({
        "id": ids.take(pa.array(account)), "symbol": symbol.cast(pa.string()), "side": side, "contracts": contracts,
        "contractSize": pa.array(np.ones(n), mask=rng.random(n) < 0.5), "entryPrice": entry, "markPrice": mark,
        "leverage": leverage, "marginMode": mode, "hedged": np.zeros(n, dtype=bool),
        "info.positionAmt": pa.array(signed).cast(pa.string()), "info.positionSide": pa.array(["BOTH"] * n),
        "info.isolatedWallet": pa.array(isolated_wallet).cast(pa.string()),
        "walletBalance": wallet[account],
    })


def lines(table: pa.Table, id_field: str = "id") -> str:
    """The same accounts as JSON lines: one export object per account (``id``, ``positions``, ``walletBalance``)."""
    rows = table.to_pylist()
    out, current, items, wallets = [], None, [], {}
    for row in rows + [None]:
        if row is None or row[id_field] != current:
            if current is not None:
                out.append(json.dumps({id_field: current, "positions": items, "walletBalance": wallets}))
            if row is None:
                break
            current, items, wallets = row[id_field], [], {}
        item = {}
        for name, value in row.items():
            if name in (id_field, "walletBalance"):
                continue
            if isinstance(value, float) and value != value:
                value = None
            parts = name.split(".")
            target = item
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        if row["marginMode"] == "cross" and row["walletBalance"] is not None:
            wallets[row["symbol"].split(":")[1]] = row["walletBalance"]
        items.append(item)
    return "\n".join(out) + "\n"
