"""The data of compare's chart: the equity left in each mode as the shocks asked for play out, by the simulator.

One panel per kind of shock:

* the shocks that move every market alike (``--shock -10%,-30%``) share a panel: the equity against that move,
  over the span of those shocks and 0;
* a shock that moves markets apart (``--shock BTC=-20%,ETH=+20%``, or one setting prices) has its own panel: the
  equity against the share of the shock applied, from none (the marks) to all of it, every market moving from its
  mark toward its shocked price in proportion;
* a price path (``--path``) has its own panel: the equity after each of its steps, as the shock table has them.

The swept panels are sampled at every whole percent (of the move, or of the shock) and at each liquidation point
inside the span with a point just before it (so the drop is drawn where it happens).  A liquidation point is where a
position's own liquidation price lies (isolated, and cross groups of one position); a cross group of several
positions has no single price, so its point is the first sample at which the simulator liquidated it.  Drawing is
the report stage's (:mod:`verifier.report.compare_chart`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from verifier.compare.simulation import shock_prices, simulate_shocks
from verifier.errors import Diagnostic, UsageError
from verifier.model.whatif import PriceStep, Shock

JUST_BEFORE = Fraction(1, 10**6)
"""How far before a liquidation point (towards no move) a sweep looks: one millionth of the move or the shock."""

SHARE_SAMPLES = 40
"""Samples of a shock that moves markets apart, besides its liquidation points: every 2.5 % of the shock."""


@dataclass(frozen=True)
class Marker:
    """Where a group is liquidated: its mode, positions, the x at which it happens, and the mode's equity just
    before (currency -> equity)."""

    mode: str
    positions: tuple
    x: Fraction
    equity_before: dict


@dataclass(frozen=True)
class Panel:
    """One panel: ``axis`` is 'move' (x: a move of every market from its mark, a fraction), 'share' (x: the share of
    the shock applied, 0 to 1) or 'step' (x: the step of a price path, 0 at the marks; ``labels`` name them);
    equity per currency in each mode (one dict per x), and the liquidation markers."""

    title: str
    axis: str
    xs: tuple
    cross: tuple
    isolated: tuple
    markers: tuple
    labels: tuple = ()


@dataclass(frozen=True)
class ChartData:
    """The chart's panels, in the order the shocks were asked (the uniform ones first, together)."""

    panels: tuple


def chart_data(rule, book, allocated, wallets, closed, shocks, outcomes, date) -> ChartData:
    """The panels of ``shocks`` (model Shocks; ``outcomes`` their simulated :class:`ShockOutcome`\\ s, which draw
    the price paths)."""
    if not shocks:
        raise UsageError("--chart needs a shock", [Diagnostic(
            "MV002", "--chart draws the equity as the shocks play out, and no --shock or --path is given",
            file="<command line>", hint="add one, e.g. --shock -30%,-20%,-10% or --shock BTC=-20%,ETH=+20%")],
            code="MV002")
    marks = {h.symbol: h.mark for h in book.holdings}
    context = (rule, book, allocated, wallets, closed, date)
    panels = []
    uniform = [s.uniform for s in shocks if s.uniform is not None]
    if uniform:
        low, high = min(uniform + [Fraction(0)]), max(uniform + [Fraction(0)])
        panels.append(_swept(context, "every market moves alike", "move", dict(marks), low, high, set(uniform)))
    for shock, outcome in zip(shocks, outcomes):
        if shock.uniform is not None:
            continue
        if len(shock.steps) == 1:
            targets = shock_prices(book, shock.steps[0])
            slopes = {symbol: targets[symbol] - mark for symbol, mark in marks.items()}
            panels.append(_swept(context, shock.label, "share", slopes, Fraction(0), Fraction(1), {Fraction(1)}))
        else:
            panels.append(_path(book, shock, outcome))
    return ChartData(tuple(panels))


def _swept(context, title, axis, slopes, low, high, asked) -> Panel:
    """Sample x in [low, high]: every market at mark + x * its slope (a fraction of the mark for 'move')."""
    rule, book, allocated, wallets, closed, date = context
    step = Fraction(1, 100) if axis == "move" else Fraction(1, SHARE_SAMPLES)
    points = _points(book, closed, slopes, low, high)
    xs = set(asked) | {k * step for k in range(math.ceil(low / step), math.floor(high / step) + 1)}
    for _, _, x in points:
        xs |= {x, x - JUST_BEFORE if x > 0 else x + JUST_BEFORE}
    xs = sorted(x for x in xs if low <= x <= high)
    marks = {h.symbol: h.mark for h in book.holdings}
    samples = [Shock(f"{x}", (PriceStep(f"{x}", prices={s: marks[s] + x * slopes[s] for s in marks}),)) for x in xs]
    outcomes, _ = simulate_shocks(rule, book, allocated, wallets, samples, date)
    cross = tuple(o.last.cross.equity for o in outcomes)
    isolated = tuple(o.last.isolated.equity for o in outcomes)
    points += _first_liquidated(book, xs, outcomes, [p for p in points if p[0] == "cross"])
    markers = []
    for mode, labels, x in points:
        before = max((m for m in xs if m < x), default=None) if x > 0 else min((m for m in xs if m > x), default=None)
        series = cross if mode == "cross" else isolated
        markers.append(Marker(mode, labels, x, series[xs.index(before)] if before is not None else {}))
    return Panel(title, axis, tuple(xs), cross, isolated, tuple(markers))


def _points(book, closed, slopes, low, high) -> list:
    """(mode, labels, x) where a liquidation price lies inside the span: isolated positions, and cross groups of one
    position (the other markets of a group move too, so its positions' prices do not apply)."""
    def x_of(holding, priced):
        price, slope = priced.liquidation_price, slopes[holding.symbol]
        if price is None or slope == 0:
            return None
        x = (price - holding.mark) / slope
        return x if low <= x <= high and x != 0 else None

    out = []
    for h in book.holdings:
        x = x_of(h, closed.isolated[h.index])
        if x is not None:
            out.append(("isolated", (h.label,), x))
    for settle in {h.settle for h in book.holdings}:
        group = [h for h in book.holdings if h.settle == settle]
        if len(group) == 1:
            x = x_of(group[0], closed.cross[group[0].index])
            if x is not None:
                out.append(("cross", (group[0].label,), x))
    return out


def _first_liquidated(book, xs, outcomes, priced) -> list:
    """Cross groups without a single liquidation price: the first sample (from 0 outwards) that liquidated them."""
    out, done = [], {labels for _, labels, _ in priced}
    for settle in {h.settle for h in book.holdings}:
        labels = tuple(h.label for h in book.holdings if h.settle == settle)
        if labels in done:
            continue
        for direction in (-1, 1):
            side = sorted(((x, o) for x, o in zip(xs, outcomes) if x * direction > 0), key=lambda pair: abs(pair[0]))
            hit = next((x for x, o in side if o.liquidated_at[("cross", settle)] is not None), None)
            if hit is not None:
                out.append(("cross", labels, hit))
    return out


def _path(book, shock, outcome) -> Panel:
    """A price path as the simulator ran it: the equity at the marks and after each step; a marker at the step
    that liquidated each group (at the equity of the step before)."""
    states = (outcome.at_mark,) + tuple(outcome.steps)
    cross = tuple(s.cross.equity for s in states)
    isolated = tuple(s.isolated.equity for s in states)
    markers = []
    for (mode, key), step in outcome.liquidated_at.items():
        if step is None or step == 0:
            continue
        labels = tuple(h.label for h in book.holdings if (h.settle if mode == "cross" else h.index) == key)
        series = cross if mode == "cross" else isolated
        markers.append(Marker(mode, labels, Fraction(step), series[step - 1]))
    return Panel(shock.label, "step", tuple(Fraction(k) for k in range(len(states))), cross, isolated,
                 tuple(markers), ("at the marks",) + tuple(s.label for s in outcome.steps))
