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
        "line": {"color": COLORS["scenario"], "width": 3, "dash": "solid"},
        "hovertemplate": "%{x}: $%{y:.1f} bn (scenario)<extra></extra>",
    })  # fmt: skip
    data.append({
        "type": "scatter", "x": result.required["year"].to_numpy(),
        "y": (result.required["value_usd"] / BN).to_numpy(), "meta": "required",
        "name": f"Required: {format_pct(result.required_cagr)} a year",
        "line": {"color": COLORS["required"], "width": 2, "dash": "longdash"},
        "mode": "lines+markers", "marker": {"symbol": "x", "size": 6},
        "hovertemplate": "%{x}: $%{y:.1f} bn (required)<extra></extra>",
    })  # fmt: skip
    first_year = int(obs["year"].min())
    data.append(_target_trace(result.target_value, first_year, x_end, inputs.target_id))
    layout = base_layout(fixed_margins=True) | lines_layout(
        [vline(inputs.target_year, f"target year {inputs.target_year}")]
    )
    layout["xaxis"]["range"] = [first_year - 1, x_end + 0.5]
    # Scaled to the history and the target (and the scenario up to the target year): the band,
    # and a scenario running on past the target, may leave the frame (clipped; the page says so)
    # rather than squash the history into the bottom of the chart.
    layout["yaxis"] = {**layout.get("yaxis", {}), "range": [0, _top(result) / BN]}
    return unvalidated_figure(data, layout)


def _top(result: TrackerResult) -> float:
    """The y-axis' top in US dollars: history, target and the scenario by the target year."""
    by_target = result.scenario[result.scenario["year"] <= result.inputs.target_year]
    highest = max(float(result.observations["value_usd"].max()), result.target_value)
    if len(by_target):
        highest = max(highest, float(by_target["value_usd"].max()))
    return highest * 1.15


def band_clipped(result: TrackerResult, fan: pd.DataFrame | None) -> bool:
    """True when the band or the scenario rises above :func:`tracker_figure`'s y-axis."""
    x_end = _x_end(result)
    top = _top(result)
    sc = result.scenario[result.scenario["year"] <= x_end]
    if len(sc) and float(sc["value_usd"].max()) > top:
        return True
    if fan is None or not len(fan):
        return False
    return bool((fan.loc[fan["year"] <= x_end, "p90"] > top).any())


def _target_trace(value: float, first_year: int, x_end: int, target_id: str) -> dict:
    bn = value / BN
    kind = "Your own target (hypothetical)" if target_id == "own" else "Declared target"
    return {
        "type": "scatter", "x": [first_year, x_end], "y": [bn, bn],
        "mode": "lines", "name": f"{kind}: ${bn:,.1f} bn", "meta": "target",
        "line": {"color": COLORS["target"], "width": 2, "dash": "dot"},
        "hovertemplate": f"{kind}: ${bn:,.1f} bn<extra></extra>",
    }  # fmt: skip


def history_figure(
    obs: pd.DataFrame, basis_name: str, target_value: float, target_year: int, target_id: str
) -> go.Figure:
    """The history and the target only, with no projection: for a target whose year has passed,
    or a series too old to project from (a path through years that have already happened would
    look like a forecast of them)."""
    first_year = int(obs["year"].min())
    x_end = max(int(obs["year"].max()), target_year) + 1
    data = [
        {
            "type": "scatter", "x": obs["year"].to_numpy(),
            "y": (obs["value_usd"] / BN).to_numpy(), "mode": "lines+markers",
            "name": f"Observed ({html.escape(basis_name)})",
            "line": {"color": COLORS["observed"], "width": 1, "dash": "dot"},
            "marker": {"color": COLORS["observed"], "size": 9},
            "hovertemplate": "%{x}: $%{y:.1f} bn<extra></extra>",
        },
        _target_trace(target_value, first_year, x_end, target_id),
    ]  # fmt: skip
    layout = base_layout(fixed_margins=True) | lines_layout(
        [vline(target_year, f"target year {target_year}")]
    )
    layout["xaxis"]["range"] = [first_year - 1, x_end + 0.5]
    top = max(float(obs["value_usd"].max()), target_value) / BN
    layout["yaxis"] = {**layout.get("yaxis", {}), "range": [0, top * 1.12]}
    return unvalidated_figure(data, layout)


def for_export(fig: go.Figure, title: str, lines: list[str]) -> go.Figure:
    """A copy of ``fig`` that stands alone as a file: a title and, under the plot, ``lines``
    (the pair, the target, the source, the date)."""
    out = go.Figure(fig)
    note = "<br>".join(html.escape(line) for line in lines)
    out.update_layout(
        title={"text": html.escape(title), "x": 0.01, "xanchor": "left"},
        margin={"t": 70, "b": 60 + 18 * len(lines)},
    )
    out.add_annotation(
        text=note, xref="paper", yref="paper", x=0, y=-0.12, xanchor="left", yanchor="top",
        showarrow=False, align="left", font={"size": 11},
    )  # fmt: skip
    return out


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
