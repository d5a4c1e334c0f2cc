"""The data of compare's chart: the equity left in each mode against a move of every market, by the simulator.

The moves span the requested uniform shocks and 0, every whole percent between, and each liquidation point
inside the span with a point just before it (so the drop is drawn where it happens).  A liquidation point is
where a position's own liquidation price lies (isolated, and cross groups of one market); a cross group of
several markets has no single price, so its point is the first move of the sweep at which the simulator
liquidated it.  Drawing is the report stage's (:mod:`verifier.report.charts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from verifier.compare.simulation import simulate_shocks
from verifier.errors import Diagnostic, UsageError
from verifier.model.whatif import Move, PriceStep, Shock

JUST_BEFORE = Fraction(1, 10**6)
"""How far before a liquidation point (towards no move) the sweep looks: one millionth of the mark."""


@dataclass(frozen=True)
class Marker:
    """Where a group is liquidated: its mode, positions, the move, and the mode's equity just before."""

    mode: str
    positions: tuple
    move: Fraction
    equity_before: dict  # currency -> equity


@dataclass(frozen=True)
class ChartData:
    """Equity per currency in each mode (one dict per move), and the liquidation markers."""

    moves: tuple
    cross: tuple
    isolated: tuple
    markers: tuple


def chart_data(rule, book, allocated, wallets, closed, shocks, date) -> ChartData:
    """Sweep uniform moves over the span of the uniform ``shocks`` and 0."""
    uniform = [s.uniform for s in shocks if s.uniform is not None]
    if not uniform:
        raise UsageError("--chart needs a uniform shock", [Diagnostic(
            "MV002", "--chart draws the equity against a move of every market, and no --shock moves every market",
            file="<command line>", hint="add one, e.g. --shock -30%,-20%,-10%")], code="MV002")
    low, high = min(uniform + [Fraction(0)]), max(uniform + [Fraction(0)])
    points = _points(book, closed, low, high)
    moves = set(uniform) | {Fraction(k, 100) for k in range(math.ceil(low * 100), math.floor(high * 100) + 1)}
    for _, _, move in points:
        moves |= {move, move - JUST_BEFORE if move > 0 else move + JUST_BEFORE}
    moves = sorted(m for m in moves if low <= m <= high)
    outcomes, _ = simulate_shocks(rule, book, allocated, wallets, [_uniform(m) for m in moves], date)
    cross = tuple(o.last.cross.equity for o in outcomes)
    isolated = tuple(o.last.isolated.equity for o in outcomes)
    points += _swept(book, moves, outcomes, [p for p in points if p[0] == "cross"])
    markers = []
    for mode, labels, move in points:
        before = max((m for m in moves if m < move), default=None) if move > 0 else \
            min((m for m in moves if m > move), default=None)
        series = cross if mode == "cross" else isolated
        markers.append(Marker(mode, labels, move, series[moves.index(before)] if before is not None else {}))
    return ChartData(tuple(moves), cross, isolated, tuple(markers))


def _uniform(move: Fraction) -> Shock:
    return Shock(f"{move}", (PriceStep(f"{move}", moves=(Move(move),)),))


def _points(book, closed, low, high) -> list:
    """(mode, labels, move) where a liquidation price lies inside the span: isolated positions, and cross groups
    of one market (the other markets of a group move too, so its positions' prices do not apply)."""
    out = []
    for h in book.holdings:
        distance = closed.isolated[h.index].distance
        if distance is not None and low <= distance <= high:
            out.append(("isolated", (h.label,), distance))
    for settle in {h.settle for h in book.holdings}:
        group = [h for h in book.holdings if h.settle == settle]
        if len({h.symbol for h in group}) == 1 and len(group) == 1:
            distance = closed.cross[group[0].index].distance
            if distance is not None and low <= distance <= high:
                out.append(("cross", (group[0].label,), distance))
    return out


def _swept(book, moves, outcomes, priced) -> list:
    """Cross groups without a single liquidation price: the first move (from 0 outwards) that liquidated them."""
    out, done = [], {labels for _, labels, _ in priced}
    for settle in {h.settle for h in book.holdings}:
        labels = tuple(h.label for h in book.holdings if h.settle == settle)
        if labels in done:
            continue
        for direction in (-1, 1):
            side = [(m, o) for m, o in zip(moves, outcomes) if m * direction > 0]
            side.sort(key=lambda pair: abs(pair[0]))
            hit = next((m for m, o in side if o.liquidated_at[("cross", settle)] is not None), None)
            if hit is not None:
                out.append(("cross", labels, hit))
    return out
