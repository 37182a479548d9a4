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


def apply_layout(fig: go.Figure, *, title: str | None = None, height: int = 460) -> go.Figure:
    """Common layout: integer-year x axis, $ bn y axis, legend below, compact margins."""
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        hovermode="closest",
        template="plotly_white",
    )
    # Years are integers: without this Plotly ticks them as 2,021.5.
    fig.update_xaxes(tickformat="d", title=None)
    fig.update_yaxes(title="US$ bn", tickprefix="$", ticksuffix=" bn", rangemode="tozero")
    return fig
