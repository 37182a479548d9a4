"""The tracker's page structure rebuilt from parts, each part switched on by ``FEATURES``.

``benchmarks/feature_cost.py`` starts this app several times with growing feature sets and
measures a growth-slider keypress on each, to show what each part of the real page costs in
the browser. With no features it is the reference app (one slider, one Plotly line). The
scenario and chart are the dashboard's own (the real analysis and chart code); the widgets, KPIs
and notes stand in for the tracker's, with the same kinds, counts and layout. ``FEATURES`` is a
comma-separated subset of:

* ``chart``: the dashboard's scenario and tracker chart instead of the single line;
* ``pages``: four pages in a top navigation, the tracker's title, caption and explainer;
* ``sidebar``: the pair selector in the sidebar;
* ``choices``: basis, base year and growth scenario selectboxes, target-year and multiple sliders
  (in bordered boxes, three columns each, as on the tracker);
* ``expander``: the "Uncertainty and shocks" expander with its six widgets;
* ``kpis``: nine metric cards in two rows;
* ``notes``: the chart selector, three notes under the chart and two popovers;
* ``fragments``: choices and output as two fragments (as the tracker), not full-page reruns;
* ``bind``: every widget bound to the URL (``bind="query-params"``).
"""

from __future__ import annotations

import os

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dashboard.analysis.outlook import assess
from dashboard.analysis.series import basis_series
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.analysis.uncertainty import estimate_volatility
from dashboard.charts.tracker import tracker_figure
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair

FEATURES = set(filter(None, os.environ.get("FEATURES", "").split(",")))
BIND = {"bind": "query-params"} if "bind" in FEATURES else {}
PAIR = Pair.parse("CHN-KAZ")


@st.cache_resource
def _history():
    obs = load_observations()
    series = basis_series(obs, "CHN", "KAZ")
    return obs, estimate_volatility(series)


def _choices() -> None:
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        bases = ["China customs (GACC)", "Kazakhstan statistics (BNS)"]
        c1.selectbox("Statistics basis", bases, key="basis", **BIND)
        c2.selectbox("Base year", list(range(1992, 2025)), index=32, key="base_year", **BIND)
        c3.selectbox("Growth scenario", ["Recent trend", "Custom"], key="preset", **BIND)


def _output() -> None:
    if "choices" not in FEATURES:  # the reference app's one slider
        growth = st.slider("Growth", -10.0, 30.0, 10.0, 0.1, key="growth", format="%.1f%%", **BIND)
    else:
        with st.container(border=True):
            c1, c2, c3 = st.columns(3)
            c1.slider("Target year", 2026, 2050, 2030, key="target_year", **BIND)
            c2.slider("Multiple", 1.0, 10.0, 2.0, 0.1, key="multiple", format="%.1f×", **BIND)
            growth = c3.slider("Scenario growth per year", -10.0, 30.0, 10.0, 0.1, key="growth",
                               format="%.1f%%", **BIND)  # fmt: skip
    if "expander" in FEATURES:
        with st.expander("Uncertainty and shocks", icon=":material/tune:"):
            u1, u2, u3 = st.columns(3)
            u1.toggle("Set volatility by hand", key="vol_manual", **BIND)
            u1.slider("Volatility", 0.0, 60.0, 20.0, 0.5, key="volatility", **BIND)
            u2.radio("Method", ["Closed form", "Bootstrap"], key="method", **BIND)
            u2.toggle("Show both methods", key="compare", **BIND)
            u3.slider("Shock year", 2026, 2050, 2027, key="shock_year", **BIND)
            u3.slider("Shock size", -60.0, 30.0, 0.0, 1.0, key="shock_size", **BIND)
    if "chart" in FEATURES:
        obs, estimate = _history()
        result = track(obs, TrackerInputs(PAIR, "CHN", growth=growth / 100))
        fig = tracker_figure(result, fan=assess(result, estimate=estimate).projection.fan)
        target = result.target_value
    else:  # the reference app's chart
        years = np.arange(2025, 2051)
        values = 48.7 * (1 + growth / 100) ** (years - 2025)
        fig = go.Figure(go.Scatter(x=years, y=values, mode="lines", name="scenario"))
        target = 87.6e9
    if "kpis" in FEATURES:
        for row in (range(5), range(5, 9)):
            with st.container(horizontal=True):
                for i in row:
                    st.metric(f"KPI {i + 1}", f"{target / 1e9 * (i + 1) * growth:.1f}",
                              border=True)  # fmt: skip
    if "notes" in FEATURES:
        st.segmented_control("Chart", ["Trade and target", "Chance of reaching it, by year"],
                             default="Trade and target", required=True, key="view",
                             label_visibility="collapsed", **BIND)  # fmt: skip
    for trace in fig.data:  # the benchmarks follow the trace named "scenario..."
        if (trace.name or "").startswith("Scenario"):
            trace.name = "scenario"
    st.plotly_chart(fig, key="chart")
    if "notes" in FEATURES:
        st.markdown(f"The scenario grows **{growth:.1f}%** a year.")
        st.caption("Band: 10–90% and 25–75% ranges around the scenario.")
        st.markdown("**Where the target comes from.** " + "A sourced sentence. " * 20)
        with st.popover("Download the chart's data"):
            st.write("menu")
        with st.popover("Copy link to this view"):
            st.write("link")


def tracker() -> None:
    if "pages" in FEATURES:
        st.title("Is the trade target on track?")
        st.caption("China – Kazakhstan: history with sources, the target, and how likely it is.")
    wrap = st.fragment if "fragments" in FEATURES else (lambda f: f)
    if "choices" in FEATURES:
        wrap(_choices)()
    wrap(_output)()
    if "pages" in FEATURES:
        with st.expander("How this is computed", icon=":material/functions:"):
            st.markdown("An explanation. " * 100)


def other() -> None:
    st.write("Another page.")


if "pages" in FEATURES or "sidebar" in FEATURES:
    st.set_page_config(page_title="Feature cost", layout="wide")
if "sidebar" in FEATURES:
    with st.sidebar:
        st.selectbox("Country pair", ["China – Kazakhstan", "Russia – China"], key="pair")
if "pages" in FEATURES:
    st.navigation(
        [
            st.Page(tracker, title="Target tracker", default=True),
            st.Page(other, title="Mirror statistics", url_path="mirror"),
            st.Page(other, title="Targets registry", url_path="targets"),
            st.Page(other, title="Data and sources", url_path="data"),
        ],
        position="top",
    ).run()
else:
    tracker()
