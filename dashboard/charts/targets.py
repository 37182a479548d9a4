"""The targets timeline: every declared target from its announcement to its target year.

One row per target and statistics basis (the rows of
:func:`dashboard.analysis.targets.target_status`), so a target met on one country's figures and
not on the other's shows as two differently coloured bars. Colour is the computed status. A
target without a year is drawn dashed to the end of the axis and labelled "no year given". A
diamond marks the first year the target was reached on that basis, when it was.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analysis.targets import MET, MISSED, NOT_ASSESSABLE, OFF_TRACK, ON_TRACK, STATUSES
from dashboard.charts.style import BN, OKABE_ITO, apply_layout

STATUS_COLORS: dict[str, str] = {
    MET: OKABE_ITO["bluish_green"],
    MISSED: OKABE_ITO["vermillion"],
    ON_TRACK: OKABE_ITO["blue"],
    OFF_TRACK: OKABE_ITO["orange"],
    NOT_ASSESSABLE: "#999999",
}
NO_YEAR_TEXT = "no year given"


def decimal_year(text: str) -> float:
    """An ISO date at any precision as a position on a year axis: ``"2023-07"`` -> 2023.5."""
    parts = [int(p) for p in str(text).split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 1
    day = parts[2] if len(parts) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def row_label(row: pd.Series | dict) -> str:
    """The y-axis label of one status row: target id and basis."""
    return f"{row['id']} · {row['basis'] or 'no data'}"


def _value_text(row: dict) -> str:
    v = row["target_value_usd"]
    money = "no number" if pd.isna(v) else f"${v / BN:,.0f} bn"
    return (
        f"{money} by {int(row['target_year'])}"
        if pd.notna(row["target_year"])
        else (f"{money} · {NO_YEAR_TEXT}")
    )


def _hover(row: dict) -> str:
    prog = "" if pd.isna(row["progress"]) else f"<br>progress {row['progress']:.0%}"
    basis = html.escape(row["basis_label"] or "no data on either side")
    return (
        f"<b>{html.escape(row['id'])}</b> ({html.escape(row['pair'])})<br>"
        f"announced {row['announced']} · {html.escape(_value_text(row))}<br>"
        f"{basis}: <b>{row['status']}</b>{prog}<br>{html.escape(row['note'])}"
    )


def _segments(rows: list[dict], end: float | None, labels: list[str]) -> tuple[list, list, list]:
    """x, y and hover lists for line segments separated by None (Plotly draws gaps there)."""
    xs: list = []
    ys: list = []
    hover: list = []
    for row, label in zip(rows, labels, strict=True):
        stop = float(row["target_year"]) if end is None else end
        xs += [decimal_year(row["announced"]), stop, None]
        ys += [label, label, None]
        hover += [_hover(row), _hover(row), None]
    return xs, ys, hover


def targets_timeline_figure(
    status_df: pd.DataFrame, *, axis_end: int | None = None, title: str | None = None
) -> go.Figure:
    """Build the timeline. ``axis_end`` (default: one year after the latest year shown) is where
    open-ended targets stop.

    Traces: per status present, in :data:`STATUSES` order, a solid trace for targets with a year
    and a dashed one (no legend entry of its own) for targets without; then one text trace with
    each row's target value and year; then, if any row has a ``reached_year``, one marker trace.
    """
    records = status_df.to_dict("records")
    labels = [row_label(r) for r in records]
    years = [decimal_year(r["announced"]) for r in records]
    years += [float(r["target_year"]) for r in records if pd.notna(r["target_year"])]
    years += [float(r["latest_year"]) for r in records if pd.notna(r["latest_year"])]
    end = float(axis_end) if axis_end is not None else (max(years) + 1 if years else 2031.0)

    fig = go.Figure()
    for status in STATUSES:
        mine = [(r, lab) for r, lab in zip(records, labels, strict=True) if r["status"] == status]
        if not mine:
            continue
        color = STATUS_COLORS[status]
        dated = [(r, lab) for r, lab in mine if pd.notna(r["target_year"])]
        open_ = [(r, lab) for r, lab in mine if pd.isna(r["target_year"])]
        for group, stop, dash in ((dated, None, "solid"), (open_, end, "dash")):
            if not group:
                continue
            xs, ys, hover = _segments([r for r, _ in group], stop, [lab for _, lab in group])
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=status,
                    legendgroup=status,
                    showlegend=dash == "solid" or not dated,
                    line={"color": color, "width": 6, "dash": dash},
                    marker={"color": color, "size": 8},
                    hovertext=hover,
                    hoverinfo="text",
                )
            )

    fig.add_trace(
        go.Scatter(
            x=[end if pd.isna(r["target_year"]) else float(r["target_year"]) for r in records],
            y=labels,
            mode="text",
            # An en space keeps the label clear of the segment's end marker.
            text=["\u2002" + _value_text(r) for r in records],
            textposition="middle right",
            showlegend=False,
            hoverinfo="skip",
            name="target",
        )
    )
    reached = [
        (r, lab) for r, lab in zip(records, labels, strict=True) if pd.notna(r["reached_year"])
    ]
    if reached:
        fig.add_trace(
            go.Scatter(
                x=[float(r["reached_year"]) for r, _ in reached],
                y=[lab for _, lab in reached],
                mode="markers",
                name="first year at target",
                marker={"symbol": "diamond", "size": 11, "color": OKABE_ITO["black"]},
                hovertext=[
                    f"{html.escape(r['id'])}: reached in {int(r['reached_year'])} on "
                    f"{html.escape(r['basis_label'])}"
                    for r, _ in reached
                ],
                hoverinfo="text",
            )
        )

    apply_layout(fig, title=title, height=160 + 30 * max(len(records), 1))
    start = min(years) if years else end - 10
    # Room on the right for the value labels beyond the last target year.
    fig.update_xaxes(range=[int(start) - 1, end + 4], dtick=1 if end - start <= 12 else 2)
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        autorange="reversed",
        title=None,
        tickprefix="",
        ticksuffix="",
        rangemode="normal",
    )
    return fig
