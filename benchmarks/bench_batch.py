"""``batch`` throughput: accounts a second of Binance USDⓈ-M accounts (10 positions each), read from Parquet and
written to Parquet, against the same evaluation written by hand in NumPy over the same file, in the same run.

The data (tests/batch_accounts.py): ACCOUNTS generated accounts of 10 one-way positions in distinct markets of the
catalog priced on 2026-10-01, mostly cross (a pool per settlement currency), some isolated; columns as ccxt's
unified fields plus the raw ``info`` fields the rule's ``ccxt:`` mapping reads.

1. ours: the batch job, local engine (``run_batch``: read, map, validate, price, reconcile, write);
2. hand-written NumPy: what a programmer would write for this one rule (its formulas hard-coded here, in the
   benchmark only): the same columns read chunk by chunk, the tier row by the same per-row count, the others'
   sums by ``np.bincount``, the tier-consistent liquidation price nearest to the mark, statuses, margin ratios,
   the same two tables written.  It checks nothing (a side against the exchange's own, a domain, a missing
   value): the floor of the job.

Before timing, the two must agree on every number (1e-12 relative) and status.  Each round times both; figures
are medians, the ratio the median of each round's own ratio; time is this process's CPU time (the machine is
shared).  ``--memory`` instead runs the job in a child process on growing inputs with a fixed chunk size and
prints each one's peak resident memory: memory bounded by the chunk, whatever the size.

Run:  .venv/bin/python benchmarks/bench_batch.py [--accounts 100000] [--rounds 3] [--chunk 100000]
      .venv/bin/python benchmarks/bench_batch.py --memory 100000 400000 1000000   (accounts of 10 positions)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from batch_accounts import DATE, RULE, accounts_table, leverage_caps, notional_caps, priced_markets  # noqa: E402

from verifier.jobs.batch import BatchOptions, run_batch  # noqa: E402
from verifier.read import load_rule  # noqa: E402

COLUMNS = ["id", "symbol", "side", "contracts", "contractSize", "entryPrice", "markPrice", "marginMode",
           "info.isolatedWallet", "walletBalance"]


# -- the hand-written baseline --------------------------------------------------------------------------------------
class Markets:
    """The catalog's data for the rule, once: contract size and padded tier tables per market."""

    def __init__(self, rule, markets):
        self.index = {symbol: i for i, symbol in enumerate(markets)}
        tables = [rule.tiers.lookup(symbol, DATE) for symbol in markets]
        width = max(len(t.rows) for t in tables)
        pad = lambda rows, fill: np.array([r + [fill] * (width - len(r)) for r in rows])  # noqa: E731
        self.floors = pad([[float(r.floor) for r in t.rows] for t in tables], np.inf)
        self.caps = pad([[float(r.cap) if r.cap is not None else np.inf for r in t.rows] for t in tables], np.inf)
        self.mmr = pad([[float(r.values["MMR"]) for r in t.rows] for t in tables], np.nan)
        self.cum = pad([[float(r.values["cum"]) for r in t.rows] for t in tables], np.nan)
        self.number = pad([[r.number for r in t.rows] for t in tables], -1)
        currencies = sorted({s.split(":")[1] for s in markets})
        self.settle = np.array([currencies.index(s.split(":")[1]) for s in markets])
        self.settles = len(currencies)
        self.size = np.array([float(rule.markets.market(s).spec_at(DATE).fields.get("contractSize") or 1)
                              for s in markets])


def hand_numpy(path, out_folder, rule, symbols, chunk_rows: int) -> int:
    """The batch for this one rule, by hand (its market tables built from the catalog first, as any run must);
    returns the accounts it wrote."""
    markets = Markets(rule, symbols)
    handle = pq.ParquetFile(path, pre_buffer=False)  # as the job reads (pre-buffering keeps what it read)
    writers, done = {}, 0
    for table in _chunks(handle, chunk_rows):
        positions, pools = _hand_chunk(table, markets)
        done += len(np.unique(positions["account"].to_numpy()))
        for name, out in (("positions", positions), ("pools", pools)):
            if name not in writers:
                writers[name] = pq.ParquetWriter(Path(out_folder) / f"{name}.parquet", out.schema)
            writers[name].write_table(out)
    for writer in writers.values():
        writer.close()
    return done


def _chunks(handle, chunk_rows):
    """Whole accounts, about ``chunk_rows`` rows at a time (the last account of a batch waits for the next)."""
    pending, held = [], 0
    for batch in handle.iter_batches(batch_size=65_536, columns=COLUMNS):
        pending.append(pa.Table.from_batches([batch]))
        held += batch.num_rows
        if held < chunk_rows:
            continue
        whole = pa.concat_tables(pending)
        ids = pc.dictionary_encode(whole.column("id").combine_chunks()).indices.to_numpy()
        cut = int(np.flatnonzero(ids[1:] != ids[:-1])[-1] + 1)
        yield whole.slice(0, cut)
        pending, held = [whole.slice(cut)], whole.num_rows - cut
    if held:
        yield pa.concat_tables(pending)


def _hand_chunk(table, m: Markets):
    n = table.num_rows
    encoded = pc.dictionary_encode(table.column("symbol").combine_chunks())
    local = np.array([m.index[s] for s in encoded.dictionary.to_pylist()])
    code = local[encoded.indices.to_numpy()]
    ids = pc.dictionary_encode(table.column("id").combine_chunks()).indices.to_numpy()
    account = np.concatenate([[0], np.cumsum(ids[1:] != ids[:-1])])
    s = np.where(pc.equal(table.column("side"), "long").to_numpy(zero_copy_only=False), 1.0, -1.0)
    size = table.column("contractSize").to_numpy()
    q = table.column("contracts").to_numpy() * np.where(np.isnan(size), m.size[code], size)
    ep, p = table.column("entryPrice").to_numpy(), table.column("markPrice").to_numpy()
    cross = pc.equal(table.column("marginMode"), "cross").to_numpy(zero_copy_only=False)
    settle = m.settle[local][encoded.indices.to_numpy()]
    pool_key = account * (m.settles + 1) + np.where(cross, settle, m.settles)
    _, first, inverse = np.unique(pool_key, return_index=True, return_inverse=True)
    order = np.argsort(first)  # pools in the order they appear, as the job writes them
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    pool, first, npools = rank[inverse], first[order], len(first)
    isolated_wb = pc.cast(table.column("info.isolatedWallet"), pa.float64()).to_numpy()
    wallet = table.column("walletBalance").to_numpy()
    wb = np.where(cross, wallet, isolated_wb)
    row = np.full(n, -1)
    for k in range(m.floors.shape[1]):
        row += m.floors[code, k] <= q * p
    mmr, cum = m.mmr[code, row], m.cum[code, row]
    mm = q * p * mmr - cum
    upnl = s * q * (p - ep)
    tmm1 = np.where(cross, np.bincount(pool, mm, npools)[pool] - mm, 0.0)
    upnl1 = np.where(cross, np.bincount(pool, upnl, npools)[pool] - upnl, 0.0)
    best, distance = np.full(n, np.nan), np.full(n, np.inf)
    best_tier = np.full(n, -1)
    with np.errstate(all="ignore"):
        for k in range(m.floors.shape[1]):
            mk, ck = m.mmr[code, k], m.cum[code, k]
            lp = (wb - tmm1 + upnl1 + ck - s * q * ep) / (q * (mk - s))
            ok = (lp > 0) & (q * lp >= m.floors[code, k]) & (q * lp < m.caps[code, k])
            closer = ok & (np.abs(lp - p) < distance)
            best, distance = np.where(closer, lp, best), np.where(closer, np.abs(lp - p), distance)
            best_tier = np.where(closer, m.number[code, k], best_tier)
        equity = wb + upnl + upnl1 - tmm1
        liquidated = equity <= mm
        ratio = (mm + tmm1) / (equity + tmm1)
    status = liquidated.astype(np.int8) * 2
    pool_status = np.zeros(npools, np.int8)
    np.maximum.at(pool_status, pool, status)
    first_ratio = np.where(cross[first], ratio[first], np.nan)
    statuses = pa.array(["normal", "margin_call", "liquidation"])
    positions = pa.table({
        "id": table.column("id"), "account": account, "symbol": table.column("symbol"), "side": table.column("side"),
        "margin_mode": table.column("marginMode"), "mark_price": p, "liquidation_price": pa.array(best, mask=np.isnan(best)),
        "tier": m.number[code, row], "maintenance_margin": mm, "margin_ratio": ratio,
        "status": pa.DictionaryArray.from_arrays(pa.array(status.astype(np.int32)), statuses).cast(pa.string())})
    pools = pa.table({
        "id": table.column("id").take(pa.array(first)), "account": account[first],
        "wallet_balance": np.where(cross[first], wallet[first], np.nan),
        "equity": np.where(cross[first], wallet[first] + np.bincount(pool, upnl, npools),
                           np.bincount(pool, wb + upnl, npools)),
        "maintenance_margin": np.bincount(pool, mm, npools), "margin_ratio": first_ratio,
        "status": pa.DictionaryArray.from_arrays(pa.array(pool_status.astype(np.int32)), statuses).cast(pa.string())})
    return positions, pools


# -- the run --------------------------------------------------------------------------------------------------------
def make_input(folder: Path, accounts: int, seed: int = 7) -> Path:
    rule = load_rule(RULE)
    markets = priced_markets(rule)
    table = accounts_table(markets, accounts, 10, seed=seed, caps=notional_caps(rule, markets),
                           leverages=leverage_caps(rule, markets))
    path = folder / "accounts.parquet"
    pq.write_table(table, path, row_group_size=100_000)
    return path


def cpu(fn) -> tuple:
    start = time.process_time()
    value = fn()
    return time.process_time() - start, value


def agree(ours_folder, hand_folder) -> None:
    ours = pq.read_table(Path(ours_folder) / "positions")
    hand = pq.read_table(Path(hand_folder) / "positions.parquet")
    assert ours.num_rows == hand.num_rows, (ours.num_rows, hand.num_rows)
    mark = hand.column("mark_price").to_numpy()
    for name in ("liquidation_price", "maintenance_margin", "margin_ratio"):
        a, b = ours.column(name).to_numpy(zero_copy_only=False), hand.column(name).to_numpy(zero_copy_only=False)
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        scale = np.maximum(np.abs(b), mark) if name == "liquidation_price" else np.abs(b)  # a price: of the mark
        tolerance = 1e-9 if name == "margin_ratio" else 1e-12  # a ratio near a zero equity cancels digits
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= tolerance * scale)
        assert same.all(), (name, [(a[i], b[i]) for i in np.flatnonzero(~same)[:5]])
    assert ours.column("status").to_pylist() == hand.column("status").to_pylist()
    ours_pools = pq.read_table(Path(ours_folder) / "pools")
    hand_pools = pq.read_table(Path(hand_folder) / "pools.parquet")
    for name in ("equity", "maintenance_margin", "margin_ratio"):
        a = np.asarray(ours_pools.column(name).to_numpy(zero_copy_only=False), dtype=float)
        b = np.asarray(hand_pools.column(name).to_numpy(zero_copy_only=False), dtype=float)
        assert np.allclose(a, b, rtol=1e-9 if name == "margin_ratio" else 1e-12, atol=1e-9, equal_nan=True), name


def throughput(args) -> None:
    rule = load_rule(RULE)
    symbols = priced_markets(rule)
    options = BatchOptions(date=DATE, chunk_rows=args.chunk)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_input(folder, args.accounts)
        run_batch(rule, path, folder / "ours", options)  # warm: the catalog's markets read once, as in any run
        (folder / "hand").mkdir()
        hand_numpy(path, folder / "hand", rule, symbols, args.chunk)
        agree(folder / "ours", folder / "hand")
        ours_t, hand_t, ratios = [], [], []
        for _ in range(args.rounds):
            t_ours, _ = cpu(lambda: run_batch(rule, path, folder / "ours", options))
            t_hand, _ = cpu(lambda: hand_numpy(path, folder / "hand", rule, symbols, args.chunk))
            ours_t.append(t_ours)
            hand_t.append(t_hand)
            ratios.append(t_ours / t_hand)
        n = args.accounts
        print(f"{n:,} accounts x 10 positions, Parquet in and out, chunk {args.chunk:,} positions "
              f"(CPU time, median of {args.rounds} rounds)")
        print(f"  batch (ours)        {statistics.median(ours_t):7.2f} s   {n / statistics.median(ours_t):>9,.0f} "
              "accounts/s")
        print(f"  hand-written NumPy  {statistics.median(hand_t):7.2f} s   {n / statistics.median(hand_t):>9,.0f} "
              "accounts/s")
        print(f"  ours / hand = {statistics.median(ratios):.2f}x (median of the rounds' ratios: "
              + ", ".join(f"{r:.2f}" for r in ratios) + ")")


def memory(args) -> None:
    """Peak resident memory of the command on growing inputs: the child's own high-water mark (VmHWM, read from
    /proc while it runs; ``ru_maxrss`` would count the parent's pages a fork shares before exec).  The inputs are
    made by another child, so this process stays small."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"peak resident memory of `margin-verifier batch` (a child process), chunk {args.chunk:,} positions")
        for accounts in args.memory:
            path = folder / "accounts.parquet"
            subprocess.run([sys.executable, __file__, "--make", str(path), str(accounts)], check=True, cwd=ROOT)
            command = [sys.executable, "-m", "verifier", "batch", RULE, str(path), "--out", str(folder / "out"),
                       "--date", DATE.isoformat(), "--chunk-size", str(args.chunk)]
            start = time.perf_counter()
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
            peak = 0
            while child.poll() is None:
                peak = max(peak, _high_water(child.pid))
                time.sleep(0.1)
            wall = time.perf_counter() - start
            assert child.returncode == 0, f"batch failed ({child.returncode})"
            print(f"  {accounts * 10:>11,} positions: peak {peak / 1024:7.0f} MiB, wall {wall:6.1f} s")
            path.unlink()


def _high_water(pid: int) -> int:
    """VmHWM of a running process, in KiB (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--memory", type=int, nargs="*", metavar="ACCOUNTS")
    parser.add_argument("--make", nargs=2, metavar=("PATH", "ACCOUNTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        made = make_input(Path(args.make[0]).parent, int(args.make[1]), seed=int(args.make[1]))
        made.rename(args.make[0]) if str(made) != args.make[0] else None
    elif args.memory:
        memory(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
