"""What is traded, drawn: sorted bars of top items, items over time stacked, growth contributions.

Pure Plotly on the tables of :mod:`dashboard.report.composition` (frames in, ``go.Figure`` out).
The "not allocated" part (reported total minus the chapters) is always drawn, grey and hatched,
so the bars add up to the total; when it is negative it is drawn below zero. Every figure has a
title saying what it shows, and hover texts give the official name, value and share.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analysis.composition import NOT_ALLOCATED, OTHER
from dashboard.charts.style import BN, COLORS, OKABE_ITO, apply_layout
from dashboard.formatting import format_pct, format_usd

#: Fill of the not-allocated part (grey, hatched: it is not a product) and of "other".
RESIDUAL_COLOR = "#9E9E9E"
OTHER_COLOR = "#BDBDBD"
_BAR_HEIGHT_PX = 30


def _hover(name: str, value: float, share: float | None) -> str:
    text = f"<b>{html.escape(name)}</b><br>{format_usd(value, 2)}"
    if share is not None and pd.notna(share):
        text += f" · {format_pct(share)} of the total"
    return text


def top_figure(top: pd.DataFrame, *, title: str) -> go.Figure:
    """Horizontal bars, largest at the top: ``top`` has ``code, label, name, value_usd, share``
    (the rows of ``report.composition.top_table``); "other" and "not allocated" come last."""
    colors, patterns = [], []
    for code in top["code"]:
        if code == NOT_ALLOCATED:
            colors.append(RESIDUAL_COLOR)
            patterns.append("/")
        elif code == OTHER:
            colors.append(OTHER_COLOR)
            patterns.append("")
        else:
            colors.append(COLORS["observed"])
            patterns.append("")
    fig = go.Figure(
        go.Bar(
            x=(top["value_usd"] / BN).tolist(),
            y=top["label"].tolist(),
            orientation="h",
            marker={"color": colors, "pattern": {"shape": patterns}},
            text=[format_pct(s) for s in top["share"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                _hover(n, v, s)
                for n, v, s in zip(top["name"], top["value_usd"], top["share"], strict=True)
            ],
            hoverinfo="text",
            name="Value",
            showlegend=False,
        )
    )
    apply_layout(fig, title=title, height=max(260, 90 + _BAR_HEIGHT_PX * len(top)))
    fig.update_layout(
        xaxis={
            "title": {"text": "US$ bn"},
            "tickprefix": "$",
            "ticksuffix": " bn",
            "tickformat": None,
            "zeroline": True,
        },
        yaxis={"autorange": "reversed", "title": None, "ticksuffix": "", "tickprefix": ""},
        margin={"l": 10, "r": 48, "t": 50, "b": 10},
    )
    return fig


def _consecutive(years: list[int]) -> bool:
    return len(years) > 1 and years == list(range(years[0], years[-1] + 1))


def over_time_figure(long: pd.DataFrame, *, title: str) -> go.Figure:
    """Items stacked per year from ``long`` (``year, code, label, value_usd, share``, in stacking
    order). A stacked area where every year in the span has figures; stacked bars where years are
    missing (an area would draw the missing years as if known)."""
    years = sorted(int(y) for y in long["year"].unique())
    area = _consecutive(years)
    fig = go.Figure()
    for code, rows in long.groupby("code", sort=False):
        label = str(rows["label"].iloc[0])
        residual = code == NOT_ALLOCATED
        hover = [
            f"<b>{y}</b> · {_hover(label, v, s)}"
            for y, v, s in zip(rows["year"], rows["value_usd"], rows["share"], strict=True)
        ]
        common = {
            "x": rows["year"].astype(int).tolist(),
            "y": (rows["value_usd"] / BN).tolist(),
            "name": label,
            "hovertext": hover,
            "hoverinfo": "text",
        }
        if area:
            trace = go.Scatter(
                **common,
                mode="lines",
                stackgroup="items",
                line={"width": 0.5, **({"color": RESIDUAL_COLOR} if residual else {})},
                fillpattern={"shape": "/"} if residual else None,
            )
        else:
            trace = go.Bar(
                **common,
                marker={
                    **({"color": RESIDUAL_COLOR} if residual else {}),
                    "pattern": {"shape": "/" if residual else ""},
                },
            )
        fig.add_trace(trace)
    apply_layout(fig, title=title, height=520)
    if not area:
        fig.update_layout(barmode="relative")
    fig.update_layout(legend={"traceorder": "normal", "font": {"size": 11}})
    return fig


def contribution_figure(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Diverging bars: each item's contribution to the total's growth in percentage points
    (``code, label, name, change_usd, points``), gains green and losses vermillion, the
    not-allocated part grey; the biggest gain at the top."""
    colors, patterns = [], []
    for code, pts in zip(table["code"], table["points"], strict=True):
        if code == NOT_ALLOCATED:
            colors.append(RESIDUAL_COLOR)
            patterns.append("/")
        else:
            colors.append(OKABE_ITO["bluish_green"] if pts >= 0 else OKABE_ITO["vermillion"])
            patterns.append("" if pts >= 0 else "x")  # not by colour alone
    hover = [
        f"<b>{html.escape(n)}</b><br>{'+' if c >= 0 else '−'}{format_usd(abs(c), 2)}"
        f" · {p:+.1f} points".replace("-", "−")
        for n, c, p in zip(table["name"], table["change_usd"], table["points"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=table["points"].tolist(),
            y=table["label"].tolist(),
            orientation="h",
            marker={"color": colors, "pattern": {"shape": patterns}},
            text=[f"{p:+.1f}".replace("-", "−") for p in table["points"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="Contribution",
        )
    )
    apply_layout(fig, title=title, height=max(260, 90 + _BAR_HEIGHT_PX * len(table)))
    fig.update_layout(
        xaxis={
            "title": {"text": "percentage points of the start year's total"},
            "tickformat": None,
            "ticksuffix": "",
            "zeroline": True,
            "zerolinecolor": COLORS["neutral"],
        },
        yaxis={
            "autorange": "reversed",
            "title": None,
            "tickprefix": "",
            "ticksuffix": "",
            "rangemode": "normal",
        },
        margin={"l": 10, "r": 48, "t": 50, "b": 10},
    )
    return fig
