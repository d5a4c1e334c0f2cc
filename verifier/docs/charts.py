"""Charts drawn at build time as SVG with matplotlib (text as paths: no fonts fetched when viewing).

Values arrive exact (Fractions); they become floats here only, for matplotlib to draw.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "margin-verifier", "svg.fonttype": "path", "font.size": 10})


def _svg(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def leverage_chart(series: list[tuple[str, list, list]], *, title: str, ylabel: str) -> bytes | None:
    """Lines of liquidation price (y) against leverage (x); ``series`` is [(label, xs, ys)] (a y of None is a gap);
    None if there is no point at all."""
    if not any(y is not None for _, _, ys in series for y in ys):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    styles = ["-", "--", "-.", ":"]
    for i, (label, xs, ys) in enumerate(series):
        points = [(float(x), float(y)) for x, y in zip(xs, ys) if y is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], styles[i % len(styles)], marker="o",
                    markersize=3, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("leverage (position notional / initial margin), log scale")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best")
    return _svg(fig)


def level_chart(steps: list, series: list[tuple[str, list]], thresholds: list[tuple[str, object]], *,
                title: str, ylabel: str) -> bytes:
    """Margin level of each account over the steps of a scenario, with threshold lines."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, ys in series:
        points = [(x, float(y)) for x, y in zip(steps, ys) if y is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label=label)
    colours = {"margin_call": "tab:orange", "liquidation": "tab:red"}
    for i, (label, y) in enumerate(thresholds):
        kind = "margin_call" if "margin call" in label else "liquidation"
        ax.axhline(float(y), linestyle=["--", ":", "-."][i % 3], linewidth=1.2, color=colours[kind], label=label,
                   gid=f"threshold-{kind}")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    return _svg(fig)


def rate_chart(prices: list, rates: list, levels: list[tuple[str, object]], marked: object, *, title: str,
               xlabel: str, ylabel: str) -> bytes:
    """An account's margin rate (y) against one coin's price (x), the action levels as horizontal lines and the
    liquidation price as a vertical one (a rate of None is a gap)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    points = [(float(x), float(y)) for x, y in zip(prices, rates) if y is not None]
    ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label="account margin rate",
            gid="margin-rate")
    for i, (label, y) in enumerate(levels):
        kind = "liquidation" if label.startswith("liquidation") else "margin_call"
        ax.axhline(float(y), linestyle=["--", ":", "-."][i % 3], linewidth=1.2,
                   color={"liquidation": "tab:red", "margin_call": "tab:orange"}[kind], label=label,
                   gid=f"level-{i}")
    ax.axvline(float(marked), color="tab:grey", linewidth=0.8, label=f"liquidation price {float(marked):g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    return _svg(fig)
