"""Our exact liquidation prices against freqtrade's float calculator, on the same positions, in one process and run.

The workload (seeded): ISOLATED random Binance USDⓈ-M isolated positions over MARKETS markets of the shipped
catalog (rules/binance/usdm-perpetual, market data in force on 2026-10-01), each drawn in a bracket chosen at random
among its market's brackets (so sizes cover every bracket), at a leverage from 1 to 20 that the bracket allows; and
ACCOUNTS one-way cross accounts of 1 to 20 positions (one a market) drawn the same way, with a wallet of 1 to 1.5
times the positions' margins.  Numbers are decimals of at most 9 significant digits handed to every path as the
same floats (we read a float as its shortest decimal, which is that decimal).

What is timed, per position, in rounds (each round times every path once; the table shows the median time and the
median of each round's ratio to the baseline of the same round).  The time is this process's CPU time
(``time.process_time``), not the wall clock: on a shared machine the wall clock charges a path for the other
processes' turns on the CPU, and more so the longer it runs (a path done within one scheduler slice is not
preempted), which no ratio from the same round would undo:

- isolated, the baseline: freqtrade's ``Exchange.get_liquidation_price`` (its Binance ``dry_run_liquidation_price``)
  when freqtrade is installed (``pip install -e '.[peers]'``); else, and always beside it, a hand-written float
  formula with freqtrade's tier lookup (the bracket whose floor is at most the position's margin);
- isolated, ours: ``verifier.evaluate`` on accounts of one position a market (one-way mode holds no more: the
  k-th position of every market together), by the rule's compiled program
  (issue 26) and by the reference evaluation (``reference=True``: what it ran before, the reference every exact row
  is compared with); ``verifier.liquidation_price`` one call a position; the vectorised float path
  (``verifier.derive.compile_price``, one compiled function a market);
- cross: freqtrade's cross calculation (``get_liquidation_price`` of every trade of an account, the account's trades
  as ``open_trades``) and the same float formula, against ``verifier.evaluate`` once an account, both ways.

The freqtrade Exchange is built offline: ``Binance(config, validate=False, load_leverage_tiers=True)`` in dry-run
futures mode loads its bundled ``binance_leverage_tiers.json`` (the file our catalog's 2026-09-29 brackets were
imported from; the benchmark checks the tables are equal for the markets used), ``liquidation_buffer`` 0 (its
default 5 % moves the price toward the entry on purpose), no markets loaded.  In cross, dry-run freqtrade asks the
exchange for mark prices (``fetch_funding_rates``); that call is answered from the generated marks.  Opening a
network connection raises in this process and in the cold ones.

Agreement: a float price agrees with the exact one when their relative difference is at most 1e-9, an exact path
with the exact reference (``evaluate``) when they are equal; no price on both sides agrees.  Every difference
between freqtrade and us is classified by computing it apart, freqtrade's formula recomputed with our bracket (the
row holding the notional at our liquidation price; in cross also the other positions' rows at their marks) and
with signed PnL: 'bracket' (our brackets alone give our price), 'cross PnL sign' (signed PnL alone), 'bracket and
PnL sign' (both needed), 'no price' (we find none, freqtrade prints 0: it returns max(price, 0)), 'past the last
bracket' (we find none because the notional at the price, computed with the last bracket, lies past that bracket's
cap, where the catalog's table ends; freqtrade's lookup has no cap), 'other' (none of these; each is listed).

Cold start: new processes from start to exit, their wall-clock time (what a user waits) and their CPU time (user
and system, from ``getrusage``: what they cost, whatever else the machine runs) -- ``margin-verifier evaluate`` of
one position with the disk cache filled and with an empty one (``MARGIN_VERIFIER_CACHE`` set to a new folder: the
first run after install, which finds the shipped compiled program), of every isolated position from ccxt JSON lines
(one ``fetch_positions()`` list a line: an account of one position a market, or one position), and a Python process
importing freqtrade, building its Exchange with its tiers and pricing the same positions.

Nothing is asserted about speed.  To add a row (the new exact path, say): write one function taking the
:class:`Workload` and returning its prices in order (Fractions for an exact path), decorated with
``@isolated_path("label", exact=True)`` or ``@cross_path(...)``; see ``NEW EXACT PATH`` below.

Run:  .venv/bin/pip install -e '.[peers]'   (freqtrade; optional)
      .venv/bin/python benchmarks/bench_peer.py [--quick] [--isolated 10000] [--accounts 300] [--rounds 3]
      [--cold-rounds 3] [--cold-big-rounds 1] [--no-cold] [--no-peer] [--seed 26]
(the default run takes some 2 minutes on 2 idle cores; --quick some 20 s)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RULE = "binance/usdm-perpetual"
DATE = dt.date(2026, 10, 1)
RTOL = Fraction(1, 10**9)
MAX_LEVERAGE = 20
SIGNIFICANT = 9  # digits of the generated decimals
ANCHORS = ("BTC/USDT:USDT", "ETH/USDT:USDT")  # always among the markets
ANCHOR_PRICES = {"BTC/USDT:USDT": 60000, "ETH/USDT:USDT": 3000}


def no_network() -> None:
    """Refuse every outgoing connection in this process (the peer is built offline; a call would be a bug)."""
    def refuse(self, *args, **kwargs):
        raise OSError("bench_peer: no network (an offline benchmark tried to connect)")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse


# ---------------------------------------------------------------------------------------------------------------
# the workload

@dataclass(frozen=True)
class Pos:
    """One generated position: decimals as exact Fractions, the same values as floats for the float paths."""

    symbol: str
    sign: int  # 1 long, -1 short
    contracts: Fraction
    entry: Fraction
    mark: Fraction
    margin: Fraction  # isolated: the position's wallet; cross: its initial margin (freqtrade's stake_amount)
    leverage: int
    bracket: int  # the row drawn for its size (a row number)
    floats: tuple = ()  # (contracts, entry, mark, margin) as floats: what the float paths are handed

    def __post_init__(self):
        object.__setattr__(self, "floats", (float(self.contracts), float(self.entry), float(self.mark),
                                            float(self.margin)))

    def snapshot(self, isolated: bool) -> dict:
        q, ep, mark, margin = self.floats
        out = {"symbol": self.symbol, "side": "long" if self.sign > 0 else "short", "contracts": q,
               "entryPrice": ep, "markPrice": mark}
        if isolated:
            out["collateral"] = margin
        return out

    def ccxt(self) -> dict:
        """What ccxt's ``fetch_positions()`` gives for this isolated position on Binance (the fields the rule's ccxt
        mapping reads; the raw ``info`` as Binance's positionRisk spells it)."""
        q, ep, mark, margin = self.floats
        return {"info": {"symbol": self.symbol.split("/")[0] + "USDT", "positionAmt": _text(self.sign * self.contracts),
                         "positionSide": "BOTH", "isolatedWallet": _text(self.margin), "liquidationPrice": "0",
                         "marginType": "isolated"},
                "symbol": self.symbol, "contracts": q, "contractSize": 1.0, "entryPrice": ep, "markPrice": mark,
                "side": "long" if self.sign > 0 else "short", "marginMode": "isolated", "hedged": False,
                "leverage": float(self.leverage), "collateral": None, "liquidationPrice": None}


@dataclass(frozen=True)
class CrossAccount:
    wallet: Fraction
    positions: tuple
    floats: float = 0.0  # the wallet as a float

    def __post_init__(self):
        object.__setattr__(self, "floats", float(self.wallet))

    def snapshot(self) -> dict:
        return {"marginMode": "cross", "walletBalance": float(self.wallet),
                "positions": [p.snapshot(isolated=False) for p in self.positions]}


@dataclass
class Workload:
    rule: object
    markets: list
    tables: dict  # market -> our TierTable on DATE
    float_tiers: dict  # market -> [(floor, mmr, cum)] as freqtrade holds them (floats, ascending)
    isolated: list
    accounts: list
    peer: object = None  # Peer when freqtrade is installed
    inputs: dict = field(default_factory=dict)  # what each path starts from (prepare)
    exact_isolated: list = field(default_factory=list)  # the reference: evaluate's exact prices
    exact_cross: list = field(default_factory=list)

    @property
    def cross_positions(self) -> list:
        return [p for account in self.accounts for p in account.positions]


def _text(value: Fraction) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f") if value.denominator != 1 \
        else str(value.numerator)


def _decimal(value: float, digits: int = SIGNIFICANT) -> Fraction:
    """``value`` rounded to ``digits`` significant digits, exactly (its float is then the same decimal)."""
    return Fraction(Decimal(f"{value:.{digits - 1}e}"))


def _ceil_cents(value: Fraction) -> Fraction:
    return Fraction((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"),
                                                                                     rounding=ROUND_CEILING))


def pick_markets(rule, count: int, rng: random.Random) -> list:
    """``count`` markets with a tier table and a specification on DATE, contract size 1, the anchors first."""
    usable = []
    for symbol in rule.markets.symbols():
        market = rule.markets.market(symbol)
        spec, tiers = market.spec_at(DATE), market.tiers_at(DATE)
        if spec is None or tiers is None or spec.contract_size != 1 or spec.type != "linear":
            continue
        usable.append(symbol)
    rest = sorted(set(usable) - set(ANCHORS))
    return [s for s in ANCHORS if s in usable] + rng.sample(rest, count - len(ANCHORS))


def draw_position(symbol, table, price, rng: random.Random, row=None) -> Pos:
    """A position of ``symbol`` sized inside ``row`` (default: a row at random) at a leverage the row allows."""
    row = rng.choice(table.rows) if row is None else row
    allowed = max(1, min(MAX_LEVERAGE, int(row.values["max_leverage"])))
    leverage = rng.randint(1, allowed)
    floor = max(float(row.floor), 10.0)
    last = row is table.rows[-1]  # the table ends at its last cap: keep room for the mark and the price to move
    cap = float(row.cap) if row.cap is not None else 2 * floor
    notional = rng.uniform(floor, floor + (cap - floor) / 2 if last else cap)
    entry = _decimal(price * rng.uniform(0.9, 1.1), 6)
    contracts = _decimal(notional / float(entry))
    mark = _decimal(float(entry) * rng.uniform(0.95, 1.05), 6)
    margin = _ceil_cents(contracts * entry / leverage)  # rounded up: at leverage 1 the wallet covers the notional
    return Pos(symbol, rng.choice((1, -1)), contracts, entry, mark, margin, leverage, row.number)


def _row_near(table, level: float, rng: random.Random):
    """A row of ``table`` near the fraction ``level`` of its depth (one row either side at random)."""
    index = round(level * (len(table.rows) - 1)) + rng.choice((-1, 0, 1))
    return table.rows[min(len(table.rows) - 1, max(0, index))]


def generate(rule, isolated: int, accounts: int, markets: int, seed: int) -> Workload:
    rng = random.Random(seed)
    chosen = pick_markets(rule, markets, rng)
    tables = {s: rule.tiers.table(s, DATE) for s in chosen}
    prices = {s: ANCHOR_PRICES.get(s) or 10 ** rng.uniform(-3, 4) for s in chosen}
    positions = []
    for _ in range(isolated):
        symbol = rng.choice(chosen)
        positions.append(draw_position(symbol, tables[symbol], prices[symbol], rng))
    cross = []
    for _ in range(accounts):
        held = rng.sample(chosen, rng.randint(1, len(chosen)))
        level = rng.random()  # an account's positions are of comparable size: rows at about the same depth
        legs = tuple(draw_position(s, tables[s], prices[s], rng, _row_near(tables[s], level, rng)) for s in held)
        wallet = _ceil_cents(sum((p.margin for p in legs), Fraction(0)) * Fraction(rng.randint(100, 150), 100))
        cross.append(CrossAccount(wallet, legs))
    float_tiers = {s: [(float(r.floor), float(r.values["MMR"]), float(r.values["cum"])) for r in t.rows]
                   for s, t in tables.items()}
    return Workload(rule, chosen, tables, float_tiers, positions, cross)


# ---------------------------------------------------------------------------------------------------------------
# freqtrade, built offline

class Peer:
    """freqtrade's Binance exchange objects (isolated and cross), dry-run futures, tiers from its bundled file."""

    def __init__(self):
        import ccxt
        import freqtrade
        from freqtrade.exchange import Binance

        self.version, self.ccxt_version = freqtrade.__version__, ccxt.__version__
        self.isolated = Binance(_peer_config("isolated"), validate=False, load_leverage_tiers=True)
        self.cross = Binance(_peer_config("cross"), validate=False, load_leverage_tiers=True)

    def tiers_equal(self, work: Workload) -> tuple:
        """(markets whose freqtrade tier table equals ours on DATE, markets where they differ)."""
        same, differ = [], []
        for symbol, ours in work.tables.items():
            theirs = self.isolated._leverage_tiers.get(symbol, [])
            rows = [(Fraction(str(t["minNotional"])), Fraction(str(t["maxNotional"])),
                     Fraction(str(t["maintenanceMarginRate"])), Fraction(str(t["maintAmt"]))) for t in theirs]
            mine = [(r.floor, r.cap, r.values["MMR"], r.values["cum"]) for r in ours.rows]
            (same if rows == mine else differ).append(symbol)
        return same, differ

    def use_our_tiers(self, work: Workload, symbols) -> None:
        """Give freqtrade our tables for ``symbols`` (when its bundled ones differ), in its own tier shape."""
        for symbol in symbols:
            rows = [{"minNotional": float(r.floor), "maxNotional": float(r.cap) if r.cap is not None else None,
                     "maintenanceMarginRate": float(r.values["MMR"]), "maxLeverage": float(r.values["max_leverage"]),
                     "maintAmt": float(r.values["cum"])} for r in work.tables[symbol].rows]
            self.isolated._leverage_tiers[symbol] = self.cross._leverage_tiers[symbol] = rows


def _peer_config(margin_mode: str) -> dict:
    from freqtrade.enums import RunMode

    return {"dry_run": True, "runmode": RunMode.DRY_RUN, "trading_mode": "futures", "margin_mode": margin_mode,
            "liquidation_buffer": 0.0, "stake_currency": "USDT",
            "exchange": {"name": "binance", "key": "", "secret": "", "pair_whitelist": []}}


def load_peer():
    """The Peer, or None when freqtrade is not installed (the float formula stands in for it)."""
    try:
        return Peer()
    except ImportError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# the float formula: Binance's published isolated/cross formula with a choice of brackets and of the PnL's sign

def peer_row(tiers: list, value: float) -> tuple:
    """freqtrade's lookup: the last bracket whose floor is at most ``value`` (it passes the position's margin)."""
    for floor, mmr, cum in reversed(tiers):
        if value >= floor:
            return mmr, cum
    raise ValueError("a value below every bracket")


def float_price(wallet, cross_vars, mmr, cum, sign, q, ep) -> float:
    """(WB - TMM1 + UPNL1 + cum - s*q*EP) / (q*MMR - s*q), with cross_vars = UPNL1 - TMM1, in freqtrade's order of
    operations (so the float replica reproduces its answer bit for bit), floored at 0 as freqtrade returns it."""
    return max(((wallet + cross_vars + cum) - (sign * q * ep)) / ((q * mmr) - (sign * q)), 0.0)


def replica_isolated(work: Workload, p: Pos, row=None) -> float:
    q, ep, _, margin = p.floats
    mmr, cum = row if row is not None else peer_row(work.float_tiers[p.symbol], margin)
    return float_price(margin, 0.0, mmr, cum, p.sign, q, ep)


def replica_cross(work: Workload, account: CrossAccount, index: int, own_row=None, at_mark=False,
                  signed=False) -> float:
    """freqtrade's cross price of position ``index``: others' maintenance margin at their marks with brackets by
    margin (``at_mark``: by notional at the mark, as we do), their PnL unsigned (``signed``: s*q*(mark - entry))."""
    p = account.positions[index]
    mm_others = pnl_others = 0.0
    for j, other in enumerate(account.positions):
        if j == index:
            continue
        q, ep, mark, margin = other.floats
        tiers = work.float_tiers[other.symbol]
        mmr, cum = peer_row(tiers, q * mark if at_mark else margin)
        mm_others += q * mark * mmr - cum
        pnl_others += other.sign * (q * mark - q * ep) if signed else q * mark - q * ep
    q, ep, _, margin = p.floats
    mmr, cum = own_row if own_row is not None else peer_row(work.float_tiers[p.symbol], margin)
    return float_price(account.floats, pnl_others - mm_others, mmr, cum, p.sign, q, ep)


# ---------------------------------------------------------------------------------------------------------------
# the paths: each takes the Workload and returns its prices in order (Fraction exact, float, or None); what a user
# would already hold (the snapshot mappings, freqtrade's trades, NumPy columns, compiled functions) is built once by
# prepare(), outside the timing

FT_ISOLATED = "freqtrade `get_liquidation_price`"
FORMULA_ISOLATED = "float formula, freqtrade's bracket lookup"
EVALUATE_ISOLATED = "`verifier.evaluate(reference=True)`, accounts of one position a market, exact (before issue 26)"
COMPILED_ISOLATED = "`verifier.evaluate`, accounts of one position a market, exact (compiled program)"
FT_CROSS = "freqtrade cross (`get_liquidation_price`, the account's trades open)"
FORMULA_CROSS = "float formula, freqtrade's brackets and PnL"
EVALUATE_CROSS = "`verifier.evaluate(reference=True)`, once an account, exact (before issue 26)"
COMPILED_CROSS = "`verifier.evaluate`, once an account, exact (compiled program)"


@dataclass(frozen=True)
class PathSpec:
    kind: str  # 'isolated' or 'cross'
    label: str
    fn: object
    exact: bool  # its prices are Fractions, compared for identity with evaluate's
    needs_peer: bool = False  # runs only when freqtrade is installed


PATHS: list = []


def isolated_path(label: str, exact: bool = False, needs_peer: bool = False):
    """Register a row of the isolated table: ``fn(work) -> [price or None for each of work.isolated]``."""
    def register(fn):
        PATHS.append(PathSpec("isolated", label, fn, exact, needs_peer))
        return fn
    return register


def cross_path(label: str, exact: bool = False, needs_peer: bool = False):
    """Register a row of the cross table: ``fn(work) -> [price or None for each of work.cross_positions]``."""
    def register(fn):
        PATHS.append(PathSpec("cross", label, fn, exact, needs_peer))
        return fn
    return register


def prepare(work: Workload) -> None:
    """The inputs each path starts from, in its own shape, built once (not timed)."""
    import numpy as np

    from verifier.derive import compile_price

    # one position a market in an account (one-way mode holds no more): the k-th position of every market together
    work.inputs["isolated accounts"] = _one_per_market(work.isolated)
    work.inputs["isolated snapshots"] = [{"marginMode": "isolated",
                                          "positions": [work.isolated[i].snapshot(isolated=True) for i in group]}
                                         for group in work.inputs["isolated accounts"]]
    work.inputs["cross snapshots"] = [account.snapshot() for account in work.accounts]
    work.inputs["peer isolated"] = [(p.symbol, p.floats[1], p.sign < 0, p.floats[0], p.floats[3], float(p.leverage))
                                    for p in work.isolated]
    peer_cross = []
    for account in work.accounts:
        trades = [SimpleNamespace(pair=p.symbol, open_rate=p.floats[1], is_short=p.sign < 0, amount=p.floats[0],
                                  stake_amount=p.floats[3], leverage=float(p.leverage)) for p in account.positions]
        rates = {p.symbol: {"markPrice": p.floats[2]} for p in account.positions}
        peer_cross.append((trades, lambda symbols=None, rates=rates: rates, float(account.wallet)))
    work.inputs["peer cross"] = peer_cross
    by_market: dict = {}
    for i, p in enumerate(work.isolated):
        by_market.setdefault(p.symbol, []).append(i)
    vectorised = []
    for symbol, index in by_market.items():
        rows = [work.isolated[i] for i in index]
        columns = {"collateral": np.array([p.floats[3] for p in rows]), "contractSize": np.ones(len(rows)),
                   "contracts": np.array([p.floats[0] for p in rows]),
                   "entryPrice": np.array([p.floats[1] for p in rows]),
                   "side": np.array([float(p.sign) for p in rows])}
        compiled = compile_price(work.rule, "isolated", "liquidation", market=symbol, date=DATE)
        vectorised.append((compiled, index, columns))
    work.inputs["vectorised"] = vectorised


@isolated_path(FT_ISOLATED, needs_peer=True)
def freqtrade_isolated(work: Workload) -> list:
    price = work.peer.isolated.get_liquidation_price
    return [price(pair=symbol, open_rate=entry, is_short=short, amount=amount, stake_amount=margin,
                  leverage=leverage, wallet_balance=margin)
            for symbol, entry, short, amount, margin, leverage in work.inputs["peer isolated"]]


@isolated_path(FORMULA_ISOLATED)
def formula_isolated(work: Workload) -> list:
    return [replica_isolated(work, p) for p in work.isolated]


@isolated_path(EVALUATE_ISOLATED, exact=True)
def evaluate_isolated(work: Workload) -> list:
    """The reference evaluation (what ``verifier.evaluate`` ran before issue 26), over the accounts of one position
    a market: the reference of every other exact row."""
    return _grouped(work, reference=True)


@isolated_path(COMPILED_ISOLATED, exact=True)
def compiled_isolated(work: Workload) -> list:
    """``verifier.evaluate`` as a user calls it: each snapshot mapping read by the compiled check, the account
    evaluated by the rule's compiled program, every price read from the result (an ExactDecimal made for each)."""
    return _grouped(work, reference=False)


def _grouped(work: Workload, reference: bool) -> list:
    """Every isolated position's exact price, in order, from ``verifier.evaluate`` of the accounts of at most one
    position a market (the reader refuses two positions of one market in one-way mode)."""
    import verifier

    out = [None] * len(work.isolated)
    for group, snapshot in zip(work.inputs["isolated accounts"], work.inputs["isolated snapshots"]):
        result = verifier.evaluate(work.rule, snapshot, date=DATE, reference=reference)
        for i, r in zip(group, result.positions):
            out[i] = _exact(r.liquidation_price)
    return out


def _one_per_market(positions) -> list:
    """Position indices grouped into accounts holding at most one position of each market, in order."""
    seen: dict = {}
    groups: list = []
    for i, p in enumerate(positions):
        rank = seen.get(p.symbol, 0)
        seen[p.symbol] = rank + 1
        if rank == len(groups):
            groups.append([])
        groups[rank].append(i)
    return groups


@isolated_path("`verifier.liquidation_price`, one call a position, exact", exact=True)
def liquidation_price_isolated(work: Workload) -> list:
    import verifier

    out = []
    for symbol, entry, short, amount, margin, _ in work.inputs["peer isolated"]:
        out.append(_exact(verifier.liquidation_price(work.rule, "isolated", market=symbol, date=DATE, WB=margin,
                                                     q=amount, EP=entry, s=-1 if short else 1)))
    return out


@isolated_path("vectorised float path (`compile_price`), one function a market")
def vectorised_isolated(work: Workload) -> list:
    out = [None] * len(work.isolated)
    for compiled, index, columns in work.inputs["vectorised"]:
        for i, price in zip(index, compiled(columns).tolist()):
            out[i] = None if price != price else price  # NaN: no price
    return out


# NEW EXACT PATH (issue 26, item 1): the compiled program's rows are compiled_isolated above and compiled_cross
# below; another exact path is one function each, registered the same way.  The tables show its time per position,
# its ratio to freqtrade in the same rounds, and on how many positions its price is identical to the reference
# evaluation's (an exact row must show all of them).


@cross_path(FT_CROSS, needs_peer=True)
def freqtrade_cross(work: Workload) -> list:
    exchange = work.peer.cross
    out = []
    for trades, marks, wallet in work.inputs["peer cross"]:
        exchange.fetch_funding_rates = marks  # dry-run freqtrade asks the exchange for mark prices: the generated ones
        for t in trades:
            out.append(exchange.get_liquidation_price(pair=t.pair, open_rate=t.open_rate, is_short=t.is_short,
                                                      amount=t.amount, stake_amount=t.stake_amount,
                                                      leverage=t.leverage, wallet_balance=wallet, open_trades=trades))
    return out


@cross_path(FORMULA_CROSS)
def formula_cross(work: Workload) -> list:
    return [replica_cross(work, account, i) for account in work.accounts for i in range(len(account.positions))]


@cross_path(EVALUATE_CROSS, exact=True)
def evaluate_cross(work: Workload) -> list:
    import verifier

    out = []
    for snapshot in work.inputs["cross snapshots"]:
        out.extend(_exact(r.liquidation_price) for r in verifier.evaluate(work.rule, snapshot, date=DATE,
                                                                          reference=True).positions)
    return out


@cross_path(COMPILED_CROSS, exact=True)
def compiled_cross(work: Workload) -> list:
    import verifier

    out = []
    for snapshot in work.inputs["cross snapshots"]:
        out.extend(_exact(r.liquidation_price) for r in verifier.evaluate(work.rule, snapshot, date=DATE).positions)
    return out


def _exact(value) -> Fraction | None:
    return None if value is None else value.fraction


# ---------------------------------------------------------------------------------------------------------------
# timing

def run_rounds(work: Workload, rounds: int) -> dict:
    """label -> {'spec', 'times': [seconds, one a round], 'prices': the last round's}; each round runs every path,
    after one untimed run of each on a slice of the workload (what a warm process has already loaded)."""
    active = [spec for spec in PATHS if work.peer is not None or not spec.needs_peer]
    warm = Workload(work.rule, work.markets, work.tables, work.float_tiers, work.isolated[:200], work.accounts[:5],
                    work.peer)
    prepare(warm)
    for spec in active:
        spec.fn(warm)
    out = {spec.label: {"spec": spec, "times": [], "prices": None} for spec in active}
    for _ in range(rounds):
        for spec in active:
            start = time.process_time()
            prices = spec.fn(work)
            out[spec.label]["times"].append(time.process_time() - start)
            out[spec.label]["prices"] = prices
    return out


def agrees(value, reference, exact: bool) -> bool:
    """``value`` is ``reference`` (exact: equal; float: within RTOL relative); no price on both sides agrees."""
    if value is None or reference is None:
        return value is None and reference is None
    if exact:
        return Fraction(value) == reference
    if reference == 0:
        return value == 0
    return abs(Fraction(value) - reference) <= RTOL * abs(reference)


def print_table(kind: str, results: dict, baseline: str, reference: list) -> None:
    """One row a path: median time a position, median of the rounds' ratios to ``baseline``, agreement."""
    rows = {label: r for label, r in results.items() if r["spec"].kind == kind}
    base = rows[baseline]["times"]
    count = len(reference)
    print(f"| {kind} path | per position | vs {baseline.split(' (')[0]} | agrees with exact |")
    print("|---|---:|---:|---:|")
    for label, r in rows.items():
        times = r["times"]
        per = statistics.median(times) / count * 1e6
        ratio = statistics.median(t / b for t, b in zip(times, base))
        ok = sum(agrees(v, e, r["spec"].exact) for v, e in zip(r["prices"], reference))
        how = "identical" if r["spec"].exact else "within 1e-9"
        print(f"| {label} | {_us(per)} | {ratio:,.2f}x | {ok:,} / {count:,} {how} |")


def _us(value: float) -> str:
    return f"{value:,.0f} µs" if value >= 100 else f"{value:,.2f} µs" if value < 10 else f"{value:,.1f} µs"


# ---------------------------------------------------------------------------------------------------------------
# what differs, computed apart

def our_row(work: Workload, p: Pos, price: Fraction) -> tuple:
    """(MMR, cum) of the row our price lies in (the notional at our liquidation price), as floats."""
    row = work.tables[p.symbol].row_for(p.contracts * price)
    return float(row.values["MMR"]), float(row.values["cum"])


def last_row(work: Workload, p: Pos) -> tuple:
    """((MMR, cum) of the market's last bracket, its cap) as floats."""
    row = work.tables[p.symbol].rows[-1]
    return (float(row.values["MMR"]), float(row.values["cum"])), (float(row.cap) if row.cap is not None else None)


def _past_last(p: Pos, price: float, cap) -> bool:
    """Whether ``price`` (computed with the last bracket) puts the notional at or past that bracket's cap."""
    return cap is not None and price > 0 and p.floats[0] * price >= cap


CLASSES = ("agree", "bracket", "cross PnL sign", "bracket and PnL sign", "no price", "past the last bracket", "other")
"""How freqtrade's price relates to ours (the module docstring says what each class means)."""


def classify(work: Workload, p: Pos, theirs, ours, recompute) -> str:
    """The class of one difference; ``recompute(row, at_mark, signed)`` is freqtrade's formula for this position
    with own bracket ``row`` (None: freqtrade's, by margin), the other positions' brackets at their marks
    (``at_mark``) and their PnL signed (``signed``); freqtrade's 0 means no positive price."""
    if agrees(theirs, ours, False):
        return "agree"
    if ours is None and theirs == 0.0:
        return "no price"
    if ours is None:
        row, cap = last_row(work, p)
        if _past_last(p, recompute(row, True, True), cap):
            return "past the last bracket"
    for name, brackets, signed in (("bracket", True, False), ("cross PnL sign", False, True),
                                   ("bracket and PnL sign", True, True)):
        if brackets and ours is not None:
            again = recompute(our_row(work, p, ours), True, signed)
        elif brackets:  # we find no price: freqtrade's formula in every bracket, kept where it lies in it
            again = consistent_root(work, p, lambda row: recompute(row, True, signed))
        else:
            again = recompute(None, False, signed)
        if (again in (None, 0.0)) if ours is None else agrees(again, ours, False):
            return name
    return "other"


def consistent_root(work: Workload, p: Pos, price_with):
    """The float price, computed with each bracket in turn, whose notional lies in that bracket ([floor, cap));
    None when there is none: the rule's tier-consistent solution in floats."""
    q = p.floats[0]
    for row in work.tables[p.symbol].rows:
        price = price_with((float(row.values["MMR"]), float(row.values["cum"])))
        if price > 0 and float(row.floor) <= q * price and (row.cap is None or q * price < float(row.cap)):
            return price
    return None


def classify_isolated(work: Workload, peer_prices: list) -> tuple:
    counts, others, entry_rows = dict.fromkeys(CLASSES, 0), [], 0
    for p, theirs, ours in zip(work.isolated, peer_prices, work.exact_isolated):
        name = classify(work, p, theirs, ours, lambda row, at_mark, signed: replica_isolated(work, p, row))
        counts[name] += 1
        if name == "bracket":  # had freqtrade looked the bracket up by the notional at entry, not the margin
            q, ep, _, _ = p.floats
            entry_rows += agrees(replica_isolated(work, p, peer_row(work.float_tiers[p.symbol], q * ep)), ours, False)
        if name == "other":
            others.append((p, theirs, ours))
    return {k: v for k, v in counts.items() if "PnL" not in k}, entry_rows, others


def classify_cross(work: Workload, peer_prices: list) -> tuple:
    counts, others = dict.fromkeys(CLASSES, 0), []
    flat = [(a, i) for a in work.accounts for i in range(len(a.positions))]
    for (account, i), theirs, ours in zip(flat, peer_prices, work.exact_cross):
        p = account.positions[i]
        name = classify(work, p, theirs, ours, lambda row, at_mark, signed: replica_cross(
            work, account, i, own_row=row, at_mark=at_mark, signed=signed))
        counts[name] += 1
        if name == "other":
            others.append((p, theirs, ours))
    return counts, others


def print_differences(work: Workload, results: dict, peer_name: str) -> None:
    iso = results.get(FT_ISOLATED) or results[FORMULA_ISOLATED]
    counts, entry_rows, others = classify_isolated(work, iso["prices"])
    n = len(work.isolated)
    print(f"\nisolated: {peer_name} against our exact price, {n:,} positions (differences computed apart)\n")
    _print_counts(counts, n)
    print(f"\n{entry_rows:,} of the {counts['bracket']:,} bracket differences would agree had freqtrade looked the "
          "bracket up by the notional at entry instead of the margin; the others have their liquidation price in "
          "another bracket than their entry")
    _print_others(others)
    cross = results.get(FT_CROSS) or results[FORMULA_CROSS]
    counts, others = classify_cross(work, cross["prices"])
    m = len(work.cross_positions)
    print(f"\ncross: {peer_name} against our exact price, {m:,} positions in {len(work.accounts)} accounts\n")
    _print_counts(counts, m)
    _print_others(others)


def _print_counts(counts: dict, total: int) -> None:
    print("| class | positions | share |")
    print("|---|---:|---:|")
    for name, value in counts.items():
        print(f"| {name} | {value:,} | {value / total:.1%} |")


def _print_others(others) -> None:
    for p, theirs, ours in others[:10]:
        print(f"other: {p} freqtrade {theirs!r} ours {None if ours is None else float(ours)!r}")


# ---------------------------------------------------------------------------------------------------------------
# cold processes

GUARD = """import socket
def _refuse(self, *args, **kwargs):
    raise OSError("bench_peer: no network (an offline benchmark tried to connect)")
socket.socket.connect = socket.socket.connect_ex = _refuse
"""
"""A sitecustomize.py on the cold processes' PYTHONPATH: they cannot open a connection either."""


def cold_start(work: Workload, rounds: int, big_rounds: int, peer: bool) -> None:
    """New processes, timed from start to exit: ``rounds`` rounds of the one-position runs and of freqtrade,
    ``big_rounds`` of ours on every position; a ratio pairs a run with freqtrade's of the same round."""
    script = Path(sys.executable).parent / "margin-verifier"
    if not script.exists():
        print(f"\ncold start: skipped ({script} is not there; install the project into this Python)")
        return
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        folder = Path(folder)
        (folder / "guard").mkdir()
        (folder / "guard" / "sitecustomize.py").write_text(GUARD)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(folder / "guard"),
                                                                          os.environ.get("PYTHONPATH"))))}
        one = folder / "one.json"
        one.write_text(json.dumps({"marginMode": "isolated", "positions": [work.isolated[0].snapshot(True)]}))
        accounts = folder / "accounts.jsonl"  # an account a line, one position a market in each
        accounts.write_text("".join(json.dumps([work.isolated[i].ccxt() for i in group]) + "\n"
                                    for group in work.inputs["isolated accounts"]))
        lines = folder / "positions.jsonl"
        lines.write_text("".join(json.dumps([p.ccxt()]) + "\n" for p in work.isolated))
        peer_input = folder / "peer.json"
        peer_input.write_text(json.dumps(work.inputs["peer isolated"]))

        def ours(path, cache=None):
            command = [str(script), "evaluate", RULE, str(path), "--date", DATE.isoformat()]
            return _wall(command, {**env, "MARGIN_VERIFIER_CACHE": cache} if cache else env)

        ours(one)  # the disk cache filled, as after any first run
        n = len(work.isolated)
        rows = [("`margin-verifier evaluate`, 1 position, disk cache filled", rounds, lambda: ours(one)),
                ("`margin-verifier evaluate`, 1 position, empty cache (first run after install)", rounds,
                 lambda: ours(one, tempfile.mkdtemp(dir=folder, prefix="cache-"))),
                (f"`margin-verifier evaluate`, {n:,} positions, ccxt JSON lines (an account of one position a market "
                 "a line)", big_rounds, lambda: ours(accounts)),
                (f"`margin-verifier evaluate`, {n:,} positions, ccxt JSON lines (a position a line)", big_rounds,
                 lambda: ours(lines))]
        if peer:
            rows.append((f"freqtrade: import, build its exchange with its tiers, price {n:,} positions", rounds,
                         lambda: _wall([sys.executable, __file__, "--cold-peer", str(peer_input)], env)))
        times = {label: [] for label, _, _ in rows}
        for i in range(max(rounds, big_rounds)):
            for label, count, run in rows:
                if i < count:
                    times[label].append(run())
    print(f"\ncold processes, from start to exit: wall clock and CPU time (median of the rounds shown; load average "
          f"{os.getloadavg()[0]:.1f})\n")
    print("| cold process | rounds | wall | CPU |" + (" vs freqtrade cold, wall / CPU (same round) |" if peer else ""))
    print("|---|---:|---:|---:|" + ("---:|" if peer else ""))
    base = times[rows[-1][0]] if peer else None
    for label, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        line = f"| {label} | {len(values)} | {statistics.median(walls):.2f} s | {statistics.median(cpus):.2f} s |"
        if peer:
            line += (f" {statistics.median(w / b[0] for (w, _), b in zip(values, base)):.2f}x / "
                     f"{statistics.median(c / b[1] for (_, c), b in zip(values, base)):.2f}x |")
        print(line)


def _wall(command, env) -> tuple:
    """(wall-clock seconds, CPU seconds: user and system) of running ``command`` to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_peer(path: str) -> None:
    """The cold freqtrade process: import it, build its Exchange (tiers from its bundled file), price every
    position of ``path`` (what a bot holding these positions does from a standing start)."""
    from freqtrade.exchange import Binance

    exchange = Binance(_peer_config("isolated"), validate=False, load_leverage_tiers=True)
    priced = 0
    for symbol, entry, short, amount, margin, leverage in json.loads(Path(path).read_text()):
        priced += exchange.get_liquidation_price(pair=symbol, open_rate=entry, is_short=short, amount=amount,
                                                 stake_amount=margin, leverage=leverage,
                                                 wallet_balance=margin) is not None
    print(priced)


# ---------------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isolated", type=int, default=10_000, help="isolated positions (default 10,000)")
    parser.add_argument("--accounts", type=int, default=300, help="cross accounts (default 300)")
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of the in-process paths (default 3)")
    parser.add_argument("--cold-rounds", type=int, default=3,
                        help="rounds of the cold one-position runs and of freqtrade's (default 3)")
    parser.add_argument("--cold-big-rounds", type=int, default=1,
                        help="rounds of the cold runs of every position (default 1: some 40 s a round)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold processes")
    parser.add_argument("--quick", action="store_true", help="1,000 positions, 30 accounts, 2 rounds")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--no-peer", action="store_true", help="time the float formula only, as without freqtrade")
    parser.add_argument("--cold-peer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    no_network()
    if args.cold_peer:
        cold_peer(args.cold_peer)
        return
    if args.quick:
        args.isolated, args.accounts, args.rounds, args.cold_rounds = 1_000, 30, 2, 1
    import verifier

    started = time.perf_counter()
    rule = verifier.load_rule(RULE)
    work = generate(rule, args.isolated, args.accounts, args.markets, args.seed)
    work.peer = None if args.no_peer else load_peer()
    print(f"{args.isolated:,} isolated positions over {len(work.markets)} markets and {args.accounts} cross accounts "
          f"({len(work.cross_positions):,} positions), rule {RULE}, market data in force on {DATE}, seed {args.seed}")
    print("markets: " + ", ".join(s.split(":")[0] for s in work.markets))
    print(f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    if work.peer is not None:
        same, differ = work.peer.tiers_equal(work)
        work.peer.use_our_tiers(work, differ)
        print(f"freqtrade {work.peer.version} (ccxt {work.peer.ccxt_version}), built offline, dry-run futures, "
              f"liquidation_buffer 0; its bundled tier tables equal ours for {len(same)} of {len(work.markets)} "
              "markets" + (f" (given ours for {', '.join(differ)})" if differ else ""))
        peer_name, baselines = "freqtrade", (FT_ISOLATED, FT_CROSS)
    else:
        print("freqtrade is not " + ("used (--no-peer)" if args.no_peer else "installed (pip install -e '.[peers]')")
              + ": the float formula with its bracket lookup and PnL stands in for it")
        peer_name, baselines = "the float formula (freqtrade's conventions)", (FORMULA_ISOLATED, FORMULA_CROSS)
    prepare(work)
    results = run_rounds(work, args.rounds)
    work.exact_isolated = results[EVALUATE_ISOLATED]["prices"]  # the exact reference: the reference evaluation
    work.exact_cross = results[EVALUATE_CROSS]["prices"]
    if work.peer is not None:
        for kind, peer_label, formula_label in (("isolated", FT_ISOLATED, FORMULA_ISOLATED),
                                                ("cross", FT_CROSS, FORMULA_CROSS)):
            theirs, formula = results[peer_label]["prices"], results[formula_label]["prices"]
            same = sum(a == b for a, b in zip(theirs, formula))
            print(f"{kind}: the float formula gives freqtrade's price bit for bit on {same:,} of {len(theirs):,}")
    print(f"\nin process, warm, CPU time, median of {args.rounds} rounds; a ratio is the path's time over the first "
          "row's in the same round (median over the rounds)\n")
    print_table("isolated", results, baselines[0], work.exact_isolated)
    print()
    print_table("cross", results, baselines[1], work.exact_cross)
    print_differences(work, results, peer_name)
    if not args.no_cold:
        cold_start(work, args.cold_rounds, args.cold_big_rounds, work.peer is not None)
    print(f"\n(total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
