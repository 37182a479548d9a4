"""The targets timeline: every declared target from its announcement to its target year.

One row per target, labelled in words above its lines; in the row, one line per statistics
basis (the rows of :func:`dashboard.analysis.targets.target_status`), so a target met on one
country's figures and not on the other's shows as two differently coloured lines side by side.
Colour is the computed status, the marker shape the basis. A target without a year is drawn
dashed to the end of the axis and labelled "no year given". A diamond marks the first year the
target was reached on that basis, when it was.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analysis.targets import MET, MISSED, NOT_ASSESSABLE, OFF_TRACK, ON_TRACK, STATUSES
from dashboard.charts.style import OKABE_ITO, apply_layout
from dashboard.formatting import format_date_words, format_target

STATUS_COLORS: dict[str, str] = {
    MET: OKABE_ITO["bluish_green"],
    MISSED: OKABE_ITO["vermillion"],
    ON_TRACK: OKABE_ITO["blue"],
    OFF_TRACK: OKABE_ITO["orange"],
    NOT_ASSESSABLE: "#999999",
}


def decimal_year(text: str) -> float:
    """An ISO date at any precision as a position on a year axis: ``"2023-07"`` -> 2023.5."""
    parts = [int(p) for p in str(text).split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 1
    day = parts[2] if len(parts) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def announced_words(text: str) -> str:
    """When a target was announced, in words (``July 2024``, ``2022``)."""
    return format_date_words(text)


def target_words(row: pd.Series | dict) -> str:
    """A target in words: ``$40 bn by 2015``, ``$82 bn, no year given``, ``no number``."""
    year = row["target_year"]
    return format_target(row["target_value_usd"], None if pd.isna(year) else int(year))


def row_label(row: pd.Series | dict) -> str:
    """The label of one target's row, in words: ``$40 bn by 2015 (announced June 2011)``."""
    return f"{target_words(row)} (announced {announced_words(row['announced'])})"


def _hover(row: dict) -> str:
    prog = "" if pd.isna(row["progress"]) else f"<br>progress {row['progress']:.0%}"
    basis = html.escape(row["basis_label"] or "no data on either side")
    return (
        f"<b>{html.escape(target_words(row))}</b><br>"
        f"announced {announced_words(row['announced'])}<br>"
        f"{basis}: <b>{row['status']}</b>{prog}<br>{html.escape(row['note'])}"
    )


def _segments(rows: list[dict], end: float | None, ys_at: list[float]) -> tuple[list, list, list]:
    """x, y and hover lists for line segments separated by None (Plotly draws gaps there)."""
    xs: list = []
    ys: list = []
    hover: list = []
    for row, y in zip(rows, ys_at, strict=True):
        stop = float(row["target_year"]) if end is None else end
        xs += [decimal_year(row["announced"]), stop, None]
        ys += [y, y, None]
        hover += [_hover(row), _hover(row), None]
    return xs, ys, hover


#: Where, within a target's row, each basis's line sits (the row's label is above them).
_OFFSETS = (0.0, 0.28)
#: Marker of each basis's line: circle for the first-named country's statistics, square for the
#: other's, so the two statuses of one target read side by side without relying on colour.
BASIS_SYMBOLS = ("circle", "square")
_LABEL_OFFSET = -0.36


def _basis_slot(row: dict) -> int:
    """0 for the first-named country's statistics (or no data), 1 for the second's."""
    return 1 if row["basis"] and row["basis"] == str(row["pair"]).split("-")[1] else 0


def targets_timeline_figure(
    status_df: pd.DataFrame,
    *,
    axis_end: int | None = None,
    title: str | None = None,
    basis_names: tuple[str, str] | None = None,
) -> go.Figure:
    """Build the timeline: one row per target, its label in words above two lines, one per
    statistics basis (the first-named country's above, with circles; the other's below, with
    squares), each coloured by that basis's status. ``axis_end`` (default: one year after the
    latest year shown) is where open-ended targets stop. ``basis_names`` names the two bases in
    the legend (default: "first/second country's statistics").

    Traces: per status present, in :data:`STATUSES` order, a solid trace for targets with a year
    and a dashed one (no legend entry of its own) for targets without; then one text trace with
    each target's label; then, if any row has a ``reached_year``, one marker trace; then two
    legend-only traces naming the bases' marker symbols.
    """
    records = status_df.to_dict("records")
    order = list(dict.fromkeys(r["id"] for r in records))
    row_of = {tid: i for i, tid in enumerate(order)}
    first = {tid: next(r for r in records if r["id"] == tid) for tid in order}
    y_of = [row_of[r["id"]] + _OFFSETS[_basis_slot(r)] for r in records]
    years = [decimal_year(r["announced"]) for r in records]
    years += [float(r["target_year"]) for r in records if pd.notna(r["target_year"])]
    years += [float(r["latest_year"]) for r in records if pd.notna(r["latest_year"])]
    end = float(axis_end) if axis_end is not None else (max(years) + 1 if years else 2031.0)
    start = min(years) if years else end - 10
    x0 = int(start) - 1

    fig = go.Figure()
    for status in STATUSES:
        mine = [(r, y) for r, y in zip(records, y_of, strict=True) if r["status"] == status]
        if not mine:
            continue
        color = STATUS_COLORS[status]
        dated = [(r, y) for r, y in mine if pd.notna(r["target_year"])]
        open_ = [(r, y) for r, y in mine if pd.isna(r["target_year"])]
        for group, stop, dash in ((dated, None, "solid"), (open_, end, "dash")):
            if not group:
                continue
            xs, ys, hover = _segments([r for r, _ in group], stop, [y for _, y in group])
            symbols = [BASIS_SYMBOLS[_basis_slot(r)] for r, _ in group for _ in range(3)]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=status,
                    legendgroup=status,
                    showlegend=dash == "solid" or not dated,
                    line={"color": color, "width": 5, "dash": dash},
                    marker={"color": color, "size": 9, "symbol": symbols},
                    hovertext=hover,
                    hoverinfo="text",
                )
            )

    # Labels above each row, from the left edge: no y tick labels, so nothing is cut off on a
    # narrow screen and the lines keep the whole width.
    fig.add_trace(
        go.Scatter(
            x=[x0] * len(order),
            y=[row_of[t] + _LABEL_OFFSET for t in order],
            mode="text",
            text=[html.escape(row_label(first[t])) for t in order],
            textposition="middle right",
            textfont={"size": 13, "color": "#101216"},
            showlegend=False,
            hoverinfo="skip",
            name="target",
        )
    )
    reached = [(r, y) for r, y in zip(records, y_of, strict=True) if pd.notna(r["reached_year"])]
    if reached:
        fig.add_trace(
            go.Scatter(
                x=[float(r["reached_year"]) for r, _ in reached],
                y=[y for _, y in reached],
                mode="markers",
                name="first year at target",
                marker={"symbol": "diamond", "size": 11, "color": OKABE_ITO["black"]},
                hovertext=[
                    f"{html.escape(target_words(r))}: reached in {int(r['reached_year'])} on "
                    f"{html.escape(r['basis_label'])}"
                    for r, _ in reached
                ],
                hoverinfo="text",
            )
        )
    names = basis_names or ("first-named country's statistics", "second country's statistics")
    for name, symbol in zip(names, BASIS_SYMBOLS, strict=True):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker={"symbol": symbol, "size": 9, "color": "#555555"},
                hoverinfo="skip",
            )
        )

    apply_layout(fig, title=title, height=140 + 62 * max(len(order), 1))
    fig.update_layout(margin={"l": 8, "r": 8})
    fig.update_xaxes(range=[x0, end + 0.5], dtick=1 if end - start <= 12 else 2)
    fig.update_yaxes(
        range=[len(order) - 0.5, -0.75],
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        title=None,
        tickprefix="",
        ticksuffix="",
        rangemode="normal",
    )
    return fig
