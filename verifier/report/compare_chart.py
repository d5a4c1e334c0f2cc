"""compare's chart: the equity left in each mode as the shocks play out, liquidation points marked; one panel per
kind of shock (:class:`verifier.compare.chart.Panel`): every market moving alike, a shock that moves markets apart
(against the share of it applied), a price path (step by step).

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
AXES = {"move": "move of every market from its mark (%)",
        "share": "share of the shock applied (%): each market moves from its mark toward its shocked price",
        "step": "step of the price path"}


def equity_chart(data, title: str) -> bytes:
    """One panel per :class:`~verifier.compare.chart.Panel`, stacked: a line per mode and settlement currency
    (the equity left), a marker where a group is liquidated (at the equity just before it)."""
    panels = data.panels
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 4.2 * len(panels)), squeeze=False)
        for ax, panel in zip(axes[:, 0], panels):
            _panel(ax, panel)
        fig.suptitle(title)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
    return out.getvalue()


def _panel(ax, panel) -> None:
    scale = 1 if panel.axis == "step" else 100
    xs = [float(x * scale) for x in panel.xs]
    currencies = list(dict.fromkeys(c for series in panel.cross + panel.isolated for c in series))
    style = {"marker": "o"} if panel.axis == "step" else {}
    for mode, series in (("cross", panel.cross), ("isolated", panel.isolated)):
        for currency in currencies:
            ys = [float(point.get(currency, 0)) for point in series]
            ax.plot(xs, ys, color=COLOURS[mode], label=f"{mode} equity left ({currency})", gid=f"line-{mode}",
                    **style)
    for marker in panel.markers:
        x = float(marker.x * scale)
        for currency, equity in marker.equity_before.items():
            ax.plot([x], [float(equity)], marker="x", markersize=9, linestyle="none", color=COLOURS[marker.mode],
                    gid=f"liquidation-{marker.mode}")
            ax.annotate(f"{marker.mode}: {', '.join(marker.positions)} liquidated", (x, float(equity)),
                        textcoords="offset points", xytext=(4, 6), fontsize=8, color=COLOURS[marker.mode])
    if panel.axis == "step":
        ax.set_xticks(xs, [f"{n}: {label}" if n else label for n, label in enumerate(panel.labels)], rotation=15,
                      ha="right", fontsize=8)
    ax.set_xlabel(AXES[panel.axis], fontsize=9)
    ax.set_ylabel("equity left")
    ax.set_title({"move": "every market moves alike", "share": f"shock {panel.title}",
                  "step": f"price path {panel.title}"}[panel.axis], fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
