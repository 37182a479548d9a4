"""The tracker chart: observations, target, required and scenario paths, uncertainty band."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analysis.tracker import TrackerResult
from dashboard.charts.style import BN, COLORS, base_layout, lines_layout, unvalidated_figure, vline
from dashboard.formatting import format_pct


def _x_end(result: TrackerResult) -> int:
    reach = result.year_reached or result.inputs.target_year
    return min(result.inputs.horizon_year, max(result.inputs.target_year, reach) + 3)


def tracker_figure(result: TrackerResult, fan: pd.DataFrame | None = None) -> go.Figure:
    """Build the tracker chart.

    ``fan`` (optional) has columns year, p10, p25, p50, p75, p90 in US dollars; it is drawn as a
    light p10–p90 band with a darker p25–p75 band around the scenario path. Redrawn on every
    slider move, so it is built from plain dicts with fixed margins (see
    :func:`~dashboard.charts.style.base_layout`).
    """
    inputs = result.inputs
    x_end = _x_end(result)
    data: list[dict] = []

    if fan is not None and len(fan):
        f = fan[fan["year"] <= x_end]
        years = f["year"].to_numpy()
        # ``meta`` names each trace's role: the browser's live scenario replaces those traces'
        # numbers on every slider move and leaves the rest of the figure as built here.
        for lo, hi, opacity, name, role in (
            ("p10", "p90", 0.18, "10–90% range", "band90"),
            ("p25", "p75", 0.35, "25–75% range", "band50"),
        ):
            edge = {"type": "scatter", "x": years, "mode": "lines", "line": {"width": 0},
                    "legendgroup": name}  # fmt: skip
            data.append(edge | {
                "y": (f[hi] / BN).to_numpy(), "hoverinfo": "skip", "showlegend": False,
                "meta": f"{role}_hi",
            })  # fmt: skip
            data.append(edge | {
                "y": (f[lo] / BN).to_numpy(), "fill": "tonexty", "meta": f"{role}_lo",
                "fillcolor": _rgba(COLORS["band"], opacity), "name": name,
                "hovertemplate": f"{name}: %{{y:.1f}} bn<extra></extra>",
            })  # fmt: skip

    obs = result.observations
    live = _is_live(obs)
    hover = [
        f"<b>{int(r.year)}</b>: ${r.value_usd / BN:,.2f} bn"
        f"{' (approx.)' if r.qualifier == 'approx' else ''}"
        f"{' (at least)' if r.qualifier == 'at_least' else ''}"
        f"<br>{html.escape(_short(r.source))}"
        + (
            f"<br>live data, retrieved {html.escape(str(r.retrieved))}"
            if is_live
            else f"<br>published {html.escape(str(r.published))} · confidence {r.confidence}"
        )
        for r, is_live in zip(obs.itertuples(), live, strict=True)
    ]
    # Hollow: low-confidence figure. Diamond: fetched live from UN Comtrade.
    symbols = [
        ("diamond" if is_live else "circle") + ("-open" if c == "low" else "")
        for c, is_live in zip(obs["confidence"], live, strict=True)
    ]
    data.append({
        "type": "scatter", "x": obs["year"].to_numpy(), "y": (obs["value_usd"] / BN).to_numpy(),
        "mode": "markers", "name": f"Observed ({html.escape(result.basis_label)})",
        "marker": {"color": COLORS["observed"], "size": 9, "symbol": symbols,
                   "line": {"width": 2, "color": COLORS["observed"]}},
        "hovertext": hover, "hoverinfo": "text",
    })  # fmt: skip

    sc = result.scenario[result.scenario["year"] <= x_end]
    data.append({
        "type": "scatter", "x": sc["year"].to_numpy(), "y": (sc["value_usd"] / BN).to_numpy(),
        "mode": "lines", "name": f"Scenario: {format_pct(result.growth)} a year",
        "meta": "scenario",
        "line": {"color": COLORS["scenario"], "width": 3},
        "hovertemplate": "%{x}: $%{y:.1f} bn (scenario)<extra></extra>",
    })  # fmt: skip
    data.append({
        "type": "scatter", "x": result.required["year"].to_numpy(),
        "y": (result.required["value_usd"] / BN).to_numpy(), "mode": "lines",
        "name": f"Required: {format_pct(result.required_cagr)} a year", "meta": "required",
        "line": {"color": COLORS["required"], "width": 2, "dash": "dash"},
        "hovertemplate": "%{x}: $%{y:.1f} bn (required)<extra></extra>",
    })  # fmt: skip
    first_year = int(obs["year"].min())
    target_bn = result.target_value / BN
    data.append({
        "type": "scatter", "x": [first_year, x_end], "y": [target_bn, target_bn],
        "mode": "lines", "name": f"Target: ${target_bn:,.1f} bn", "meta": "target",
        "line": {"color": COLORS["target"], "width": 2, "dash": "dot"},
        "hovertemplate": f"Target ${target_bn:,.1f} bn<extra></extra>",
    })  # fmt: skip
    layout = base_layout(fixed_margins=True) | lines_layout(
        [vline(inputs.target_year, f"target year {inputs.target_year}")]
    )
    layout["xaxis"]["range"] = [first_year - 1, x_end + 0.5]
    return unvalidated_figure(data, layout)


def _is_live(obs: pd.DataFrame) -> list[bool]:
    """Which observations came from a live fetch (the local store), not the sourced snapshot."""
    if "origin" not in obs.columns:
        return [False] * len(obs)
    return [o == "comtrade" for o in obs["origin"]]


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
