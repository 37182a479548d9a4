"""The mirror chart: what each country reports about the same trade, and the gap between them.

Top panel: both reporters' totals per year as grouped bars, with the gap (A − B) as markers.
Bottom panel (only when some year has both sides of a direction): each exporter's reported exports
next to the partner's reported imports of the same goods. Each panel has its own legend, and no two
series share a colour. Values are shown in $ bn; hovering a
bar shows the figure's source. Years without a figure have no bar; nothing is filled in, and the
gap markers are not joined by lines, since the years between them are unknown.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analysis.mirror import has_flows
from dashboard.charts.style import BN, COLORS, OKABE_ITO, apply_layout
from dashboard.model import basis_label, country_name

_QUALIFIER_TEXT = {"approx": " (approx.)", "at_least": " (at least)"}


def _dtick(years: pd.Series) -> int:
    """One tick a year for short spans, fewer for long ones, so labels never overlap."""
    span = int(years.max() - years.min()) if len(years) else 0
    return 1 if span <= 12 else 2 if span <= 24 else 5


def _bars(
    df: pd.DataFrame,
    value: str,
    source: str | None,
    name: str,
    color: str,
    qualifier: str | None = None,
    yaxis: str = "y",
    pattern: str = "",
    legend: str = "legend",
) -> go.Bar:
    """Bars for the years where ``value`` exists; hover shows the value and its source."""
    rows = df[df[value].notna()]
    years = rows["year"].astype(int).tolist()
    values = rows[value].tolist()
    sources = rows[source].tolist() if source else [None] * len(rows)
    quals = rows[qualifier].tolist() if qualifier else [None] * len(rows)
    hover = []
    for year, v, src, q in zip(years, values, sources, quals, strict=True):
        text = f"<b>{year}</b> · {html.escape(name)}<br>${v / BN:,.2f} bn"
        text += _QUALIFIER_TEXT.get(q, "") if isinstance(q, str) else ""
        if isinstance(src, str):
            text += f"<br>Source: {html.escape(src)}"
        hover.append(text)
    return go.Bar(
        x=years,
        y=[v / BN for v in values],
        name=name,
        marker={"color": color, "pattern": {"shape": pattern}},
        hovertext=hover,
        hoverinfo="text",
        yaxis=yaxis,
        legend=legend,
    )


def mirror_figure(
    mirror_df: pd.DataFrame,
    a: str | None = None,
    b: str | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Build the mirror chart from :func:`dashboard.analysis.mirror.mirror_table`'s frame.

    ``a`` and ``b`` default to the reporters recorded in ``mirror_df.attrs``. Traces, in order:
    A's total, B's total, the gap (top panel, y axis ``y``); then, when flows exist, A's exports,
    B's imports (of A's goods), B's exports, A's imports (of B's goods), each only if it has at
    least one value (bottom panel, y axis ``y2``; both panels share the x axis).
    """
    a = a or mirror_df.attrs.get("a", "A")
    b = b or mirror_df.attrs.get("b", "B")
    flows = len(mirror_df) > 0 and has_flows(mirror_df)
    la, lb = basis_label(a), basis_label(b)
    traces = [
        _bars(mirror_df, "a_total", "a_total_source", la, COLORS["observed"], "a_total_qualifier"),
        _bars(
            mirror_df,
            "b_total",
            "b_total_source",
            lb,
            COLORS["observed_other"],
            "b_total_qualifier",
        ),
    ]
    gap = mirror_df[mirror_df["gap_usd"].notna()]
    traces.append(
        go.Scatter(
            x=gap["year"].astype(int).tolist(),
            y=(gap["gap_usd"] / BN).tolist(),
            mode="markers",
            name=f"Gap: {country_name(a)}'s figure minus {country_name(b)}'s",
            marker={"color": OKABE_ITO["black"], "symbol": "diamond", "size": 10},
            customdata=gap["gap_pct"].tolist(),
            hovertemplate=f"%{{x}}: gap $%{{y:,.2f}} bn ({a} − {b}), %{{customdata:+.1f}}% of "
            f"{html.escape(lb)}'s figure<extra></extra>",
        )
    )
    if flows:
        valuation = str(mirror_df["importer_valuation"].iloc[0])
        na, nb = country_name(a), country_name(b)
        # Every series its own colour (none shared with the top panel); each exporter's plain
        # bar stands next to the partner's hatched import bar for the same goods.
        specs = (
            ("ab_exporter_usd", "a_exports_source", f"{na}'s exports to {nb}, FOB",
             OKABE_ITO["orange"], ""),
            ("ab_importer_usd", "b_imports_source", f"{nb}'s imports from {na}, {valuation}",
             OKABE_ITO["sky_blue"], "/"),
            ("ba_exporter_usd", "b_exports_source", f"{nb}'s exports to {na}, FOB",
             OKABE_ITO["bluish_green"], ""),
            ("ba_importer_usd", "a_imports_source", f"{na}'s imports from {nb}, {valuation}",
             OKABE_ITO["vermillion"], "/"),
        )  # fmt: skip
        traces += [
            _bars(mirror_df, value, source, name, color, yaxis="y2", pattern=pattern,
                  legend="legend2")
            for value, source, name, color, pattern in specs
            if mirror_df[value].notna().any()
        ]  # fmt: skip

    # Two stacked panels sharing one x axis, laid out by hand: make_subplots costs ~25 ms.
    # Each panel has its own legend above it, titled with what the panel compares, so a reader
    # never has to match a bar to a legend entry across the other panel.
    fig = go.Figure(traces)
    apply_layout(fig, title=title, height=760 if flows else 480)
    fig.update_layout(barmode="group")
    fig.update_xaxes(dtick=_dtick(mirror_df["year"]), tickformat="d")
    top_domain = [0.62, 0.92] if flows else [0.0, 0.84]
    fig.update_layout(
        yaxis={"domain": top_domain},
        legend=_legend("Total trade as each side reports it", top_domain[1] + 0.01),
    )
    if flows:
        axis = {"title": "US$ bn", "tickprefix": "$", "ticksuffix": " bn", "anchor": "x"}
        fig.update_layout(
            xaxis={"anchor": "y2"},
            yaxis2={**axis, "domain": [0.0, 0.36]},
            legend2=_legend(
                "Exports as the exporter reports them,<br>against the partner's reported imports",
                0.37,
            ),
        )
    return fig


def _legend(title: str, y: float) -> dict:
    return {
        "title": {"text": title, "side": "top", "font": {"size": 13}},
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": y,
        "yanchor": "bottom",
    }
