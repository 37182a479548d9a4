"""Chart conventions shared by every figure: palette, axis formats, layout defaults.

The palette is Okabe–Ito, designed to stay distinguishable for the common colour-vision
deficiencies; `.streamlit/config.toml` uses the same colours for Streamlit's own elements.
"""

from __future__ import annotations

import plotly.graph_objects as go

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

COLORS = {
    "observed": OKABE_ITO["blue"],
    "observed_other": OKABE_ITO["reddish_purple"],
    "scenario": OKABE_ITO["orange"],
    "required": OKABE_ITO["vermillion"],
    "target": OKABE_ITO["bluish_green"],
    "band": OKABE_ITO["sky_blue"],
    "neutral": "#555555",
}

BN = 1e9


def base_layout(
    *, title: str | None = None, height: int = 460, fixed_margins: bool = False
) -> dict:
    """Common layout as a plain dict: integer-year x axis, $ bn y axis, legend below.

    ``fixed_margins``: for charts redrawn on every slider move. With the small default margins
    Plotly measures the legend and tick labels after drawing and, as they need more room, draws
    the whole chart a second time (its "auto-margin" pass): in the browser that second pass cost
    as much as the first. These margins already hold "$300 bn" ticks and a legend of two rows, so
    a desktop-sized chart is drawn once; on a phone the legend wraps further and the margin still
    grows to fit it (only there is the second pass paid).
    """
    margin = {"l": 10, "r": 10, "t": 50 if title else 20, "b": 10}
    if fixed_margins:
        margin = {"l": 72, "r": 16, "t": 50 if title else 24, "b": 96}
    layout = {
        "height": height,
        "margin": margin,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        "hovermode": "closest",
        # No plotly template: Streamlit's theme styles the chart, and validating a template
        # object costs ~25 ms per figure, on every rerun.
        # Years are integers: without tickformat Plotly ticks them as 2,021.5.
        "xaxis": {"tickformat": "d", "title": None},
        "yaxis": {
            "title": {"text": "US$ bn"},
            "tickprefix": "$",
            "ticksuffix": " bn",
            "rangemode": "tozero",
        },
    }
    if title:
        layout["title"] = {"text": title}
    if fixed_margins:
        layout["legend"]["y"] = -0.1
        for axis in (layout["xaxis"], layout["yaxis"]):
            axis["automargin"] = False
            # Measured in the browser (benchmarks/trace_move.py): by default Plotly measures
            # every tick label after each redraw, to hide any that spill past the figure and to
            # tilt crowded ones; about a tenth of a redraw. Labels here are years and "$N bn",
            # inside the fixed margins, so neither can happen.
            axis["ticklabeloverflow"] = "allow"
            axis["tickangle"] = 0
    return layout


def apply_layout(fig: go.Figure, *, title: str | None = None, height: int = 460) -> go.Figure:
    """Put :func:`base_layout` on ``fig`` (margins grow to fit labels: for static charts)."""
    fig.update_layout(base_layout(title=title, height=height))
    return fig


def unvalidated_figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain trace and layout dicts, without Plotly's property validation.

    Building ``go.Scatter`` objects validates every property: ~12 ms for the tracker chart, on
    every slider move, against ~1 ms for dicts. The figures built this way are validated in the
    tests instead (``go.Figure(fig.to_dict())`` raises on any misspelt property).
    """
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def vline(
    x: float,
    text: str | None = None,
    *,
    color: str = COLORS["neutral"],
    dash: str = "dot",
    width: int = 1,
    position: str = "top",
) -> tuple[dict, dict | None]:
    """A vertical line across the plot and its label, as plain layout dicts.

    ``fig.add_vline`` does the same but costs ~8 ms a call; these dicts cost almost nothing.
    """
    shape = {
        "type": "line",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": color, "width": width, "dash": dash},
    }
    label = None
    if text:
        label = {
            "x": x,
            "y": 1 if position == "top" else 0,
            "yref": "paper",
            "text": text,
            "showarrow": False,
            "xanchor": "right",
            # "top": above the plot; "bottom": just above the x axis, clear of its tick labels.
            "yanchor": "bottom",
            "font": {"size": 11, "color": color},
        }
    return shape, label


def hline(y: float, *, color: str = COLORS["neutral"], dash: str = "dot", width: int = 1) -> dict:
    """A horizontal line across the plot, as a layout dict (see :func:`vline`)."""
    return {
        "type": "line",
        "x0": 0,
        "x1": 1,
        "xref": "paper",
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": width, "dash": dash},
    }


def lines_layout(items: list[tuple[dict, dict | None] | dict]) -> dict:
    """Shapes (and their labels) made by :func:`vline` / :func:`hline`, as layout entries."""
    shapes, labels = [], []
    for item in items:
        shape, label = item if isinstance(item, tuple) else (item, None)
        shapes.append(shape)
        if label:
            labels.append(label)
    return {"shapes": shapes, "annotations": labels}
