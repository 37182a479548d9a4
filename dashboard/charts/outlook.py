"""The "when is the target likely?" chart: probability of being at or above the target by year."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (
    COLORS,
    base_layout,
    hline,
    lines_layout,
    unvalidated_figure,
    vline,
)


def probability_figure(
    curve: pd.DataFrame,
    target_year: int,
    year_50: int | None,
    year_90: int | None,
    comparison: pd.DataFrame | None = None,
    comparison_name: str = "Other method",
    name: str = "Probability",
) -> go.Figure:
    """P(value in year >= target) for each future year, with the 50% and 90% years marked.

    ``curve`` has columns year, probability (0..1). ``comparison`` (optional) is a second curve,
    e.g. the bootstrap's, drawn dashed. Redrawn on every slider move, so it is built from plain
    dicts with fixed margins (see :func:`~dashboard.charts.style.base_layout`).
    """
    hover = "%{x}: %{y:.0f}%<extra></extra>"
    data = [{
        "type": "scatter", "x": curve["year"].to_numpy(),
        "y": (curve["probability"] * 100).to_numpy(), "mode": "lines+markers", "name": name,
        "line": {"color": COLORS["scenario"], "width": 3}, "marker": {"size": 5}, "meta": "chance",
        "hovertemplate": hover,
    }]  # fmt: skip
    if comparison is not None and len(comparison):
        data.append({
            "type": "scatter", "x": comparison["year"].to_numpy(),
            "y": (comparison["probability"] * 100).to_numpy(), "mode": "lines",
            "name": comparison_name,
            "line": {"color": COLORS["observed"], "width": 2, "dash": "dash"},
            "hovertemplate": hover,
        })  # fmt: skip
    lines: list = []
    for level, year in ((50, year_50), (90, year_90)):
        lines.append(hline(level))
        if year is not None:
            lines.append(vline(year, f"{level}% by {year}", color=COLORS["target"], dash="solid",
                               width=2))  # fmt: skip
    lines.append(vline(target_year, f"target year {target_year}", position="bottom"))
    layout = base_layout(height=340, fixed_margins=True) | lines_layout(lines)
    if len(data) == 1:  # Plotly shows no legend for one line: give its room back
        layout["margin"]["b"] = 40
    layout["yaxis"] |= {
        "title": {"text": "chance, %"}, "range": [0, 100], "tickprefix": "", "ticksuffix": "%",
        "rangemode": "normal",
    }  # fmt: skip
    return unvalidated_figure(data, layout)
