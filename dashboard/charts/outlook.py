"""The "when is the target likely?" chart: probability of being at or above the target by year."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import COLORS, add_lines, apply_layout, hline, vline


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
    e.g. the bootstrap's, drawn dashed.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=curve["year"].to_numpy(), y=(curve["probability"] * 100).to_numpy(),
        mode="lines+markers", name=name,
        line={"color": COLORS["scenario"], "width": 3}, marker={"size": 5},
        hovertemplate="%{x}: %{y:.0f}%<extra></extra>",
    ))  # fmt: skip
    if comparison is not None and len(comparison):
        fig.add_trace(go.Scatter(
            x=comparison["year"].to_numpy(), y=(comparison["probability"] * 100).to_numpy(),
            mode="lines",
            name=comparison_name, line={"color": COLORS["observed"], "width": 2, "dash": "dash"},
            hovertemplate="%{x}: %{y:.0f}%<extra></extra>",
        ))  # fmt: skip
    lines: list = []
    for level, year in ((50, year_50), (90, year_90)):
        lines.append(hline(level))
        if year is not None:
            lines.append(vline(year, f"{level}% by {year}", color=COLORS["target"], dash="solid",
                               width=2))  # fmt: skip
    lines.append(vline(target_year, f"target year {target_year}", position="bottom"))
    add_lines(fig, lines)
    apply_layout(fig, height=340)
    fig.update_yaxes(title="chance, %", range=[0, 100], tickprefix="", ticksuffix="%",
                     rangemode="normal")  # fmt: skip
    return fig
