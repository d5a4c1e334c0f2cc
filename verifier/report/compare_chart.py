"""compare's chart: the equity left in each mode against a move of every market, liquidation points marked.

Drawn as SVG with matplotlib (text as paths, no date in the file: the same data draws the same bytes).  Values
arrive exact (:class:`verifier.compare.chart.ChartData`, by the simulator); they become floats here only, to draw.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"svg.hashsalt": "margin-verifier", "svg.fonttype": "path", "font.size": 10}
COLOURS = {"cross": "tab:blue", "isolated": "tab:orange"}


def equity_chart(data, title: str) -> bytes:
    """One line per mode and settlement currency (equity against the move in %), a marker where a group is
    liquidated (at the equity just before it)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        xs = [float(m * 100) for m in data.moves]
        currencies = list(dict.fromkeys(c for series in data.cross + data.isolated for c in series))
        for mode, series in (("cross", data.cross), ("isolated", data.isolated)):
            for currency in currencies:
                ys = [float(point.get(currency, 0)) for point in series]
                ax.plot(xs, ys, color=COLOURS[mode], label=f"{mode} equity ({currency})", gid=f"line-{mode}")
        for marker in data.markers:
            for currency, equity in marker.equity_before.items():
                ax.plot([float(marker.move * 100)], [float(equity)], marker="x", markersize=9, linestyle="none",
                        color=COLOURS[marker.mode], gid=f"liquidation-{marker.mode}")
                ax.annotate(f"{marker.mode}: {', '.join(marker.positions)} liquidated",
                            (float(marker.move * 100), float(equity)), textcoords="offset points", xytext=(4, 6),
                            fontsize=8, color=COLOURS[marker.mode])
        ax.set_xlabel("move of every market from its mark (%)")
        ax.set_ylabel("equity left")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best")
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
    return out.getvalue()
