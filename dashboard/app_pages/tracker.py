"""Target tracker (home): is the declared target on track, on the chosen statistics basis?"""

from datetime import date

import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR
from dashboard.analysis.series import bases_for, basis_series
from dashboard.analysis.tracker import ScenarioError, TrackerInputs, track
from dashboard.charts.tracker import tracker_figure
from dashboard.formatting import format_pct, format_usd
from dashboard.model import Pair, basis_label
from dashboard.narrative import target_origin_markdown
from dashboard.scenario_output import scenario_csv
from dashboard.ui.data import observations, targets

DEFAULT_BASE_YEAR = 2024
DEFAULT_TARGET_YEAR = 2030

pair = Pair.parse(st.session_state["pair"])
obs = observations()

st.title("Is the trade target on track?")
st.caption(f"{pair.label}: history with sources, the target, and where the trend leads.")

bases = bases_for(obs, pair)
if not bases:
    st.info(
        f"There are no total-trade figures for {pair.label} yet, so nothing can be projected. "
        "See **Data and sources** for what is known, or fetch figures from UN Comtrade there.",
        icon=":material/info:",
    )
    st.stop()

with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    reporter = c1.selectbox(
        "Statistics basis",
        bases,
        key="basis",
        format_func=basis_label,
        bind="query-params",
        help="Whose statistics: the two countries' customs report different totals.",
    )
    series = basis_series(obs, reporter, pair.other(reporter))
    years = [int(y) for y in series.index]
    base_default = DEFAULT_BASE_YEAR if DEFAULT_BASE_YEAR in years else years[-1]
    base_year = c2.selectbox(
        "Base year",
        years,
        index=years.index(base_default),
        key="base_year",
        bind="query-params",
        help="The target is the base year's value times the multiple.",
    )
    multiple = c3.slider(
        "Multiple of the base year",
        1.0,
        5.0,
        2.0,
        0.1,
        key="multiple",
        bind="query-params",
        format="%.1f×",
        help="2.0 = doubling, the pledge of July 2024.",
    )
    latest_year = years[-1]
    first_target_year = latest_year + 1
    target_default = max(DEFAULT_TARGET_YEAR, first_target_year)
    target_year = c1.slider(
        "Target year (assumption)",
        first_target_year,
        HORIZON_YEAR,
        target_default,
        key="target_year",
        bind="query-params",
        help="No official year was given for doubling; 2030 is this dashboard's assumption.",
    )
    try:
        baseline = track(obs, TrackerInputs(pair, reporter, base_year, multiple, target_year))
    except ScenarioError as exc:
        st.warning(str(exc), icon=":material/warning:")
        st.stop()
    hist_pct = round(baseline.historical.rate * 100, 1)
    growth_pct = c2.slider(
        "Scenario growth per year",
        -10.0,
        30.0,
        hist_pct,
        0.1,
        key="growth",
        bind="query-params",
        format="%.1f%%",
        help="Default: the historical growth rate shown beside this slider.",
    )
    c3.markdown(
        f"Historical: **{format_pct(baseline.historical.rate)}** a year  \n"
        f"{baseline.historical.describe()}, {basis_label(reporter)}"
    )

result = track(
    obs, TrackerInputs(pair, reporter, base_year, multiple, target_year, growth_pct / 100)
)

with st.container(horizontal=True):
    st.metric(f"Latest ({result.latest_year})", format_usd(result.latest_value), border=True)
    st.metric(f"Target ({multiple:g}× {base_year})", format_usd(result.target_value), border=True)
    st.metric("Progress", format_pct(result.progress, 0), border=True)
    st.metric(f"Required growth to {target_year}", format_pct(result.required_cagr), border=True)
    st.metric(
        "Historical growth",
        format_pct(result.historical.rate),
        border=True,
        help=result.historical.describe(),
    )
    st.metric(
        "Scenario reaches target",
        str(result.year_reached) if result.year_reached else f"not by {HORIZON_YEAR}",
        border=True,
    )

st.plotly_chart(tracker_figure(result), key="tracker_chart", config={"displaylogo": False})

st.markdown(target_origin_markdown(obs, targets(), pair, reporter, base_year))

st.download_button(
    "Download the chart's data (CSV)",
    data=scenario_csv(result),
    file_name=f"trade-tracker_{pair.code}_{reporter}_{date.today().isoformat()}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="download_tracker_csv",
)
