"""The target tracker's body: controls, KPIs, charts and downloads, as one Streamlit fragment.

A slider move reruns only this fragment, not the entry point and its navigation, and the code
lives in a module (imported once) rather than in the page file (compiled on every run).
"""

import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR, recent_cagr
from dashboard.analysis.outlook import METHOD_LABELS, assess
from dashboard.analysis.presets import scenario_presets
from dashboard.analysis.series import bases_for, basis_series
from dashboard.analysis.tracker import ScenarioError, TrackerInputs, track
from dashboard.analysis.uncertainty import estimate_volatility
from dashboard.charts.outlook import probability_figure
from dashboard.charts.tracker import tracker_figure
from dashboard.exports import export_filename
from dashboard.formatting import format_pct, format_usd
from dashboard.model import Pair, basis_label
from dashboard.scenario_output import (
    outlook_fields,
    parameters,
    probability_table,
    scenario_table,
)
from dashboard.summaries import probability_summary, to_markdown, tracker_summary
from dashboard.textsafe import plain_label
from dashboard.ui.data import observations, pair_spec, target_origin, uploaded_for
from dashboard.ui.downloads import download_buttons
from dashboard.ui.links import check_url, share_link
from dashboard.ui.texts import METHOD_EXPLAINER
from dashboard.ui.tracker_controls import (
    PRESET_LABELS,
    growth_controls,
    shock_controls,
    unless_set,
    url_specs,
    volatility_control,
)
from dashboard.upload import tracker_rows

DEFAULT_BASE_YEAR = 2024
DEFAULT_TARGET_YEAR = 2030


@st.fragment
def tracker_view(pair: Pair) -> None:
    """Everything below the tracker's title, for ``pair``."""
    obs = observations()

    upload = uploaded_for(pair)
    bases = bases_for(obs, pair) + (["upload"] if upload is not None else [])
    if not bases:
        st.info(
            f"There are no total-trade figures for {pair.label} yet, so nothing can be projected. "
            "See **Data and sources** for what is known, or fetch figures from UN Comtrade there.",
            icon=":material/info:",
        )
        st.stop()

    def basis_name(code: str) -> str:
        return f"Your data: {plain_label(upload.label)}" if code == "upload" else basis_label(code)

    all_years = sorted({int(y) for y in obs.loc[obs["flow"] == "total", "year"]})

    def first_run_specs() -> dict:
        # Defaults the notices name: the default basis's recent trend and volatility estimate.
        default = (
            basis_series(obs, bases[0], pair.other(bases[0])) if bases[0] != "upload" else None
        )
        defaults = {}
        if default is not None and len(default) >= 2:
            est = estimate_volatility(default)
            defaults = {
                "growth_default": recent_cagr(default).rate * 100,
                "volatility_default": (est.sigma or 0.2) * 100,
            }
        return url_specs(
            [basis_name(b) for b in bases], all_years or [DEFAULT_BASE_YEAR],
            min(all_years[-1] + 1, DEFAULT_TARGET_YEAR) if all_years else DEFAULT_TARGET_YEAR,
            DEFAULT_TARGET_YEAR, **defaults,
        )  # fmt: skip

    check_url("tracker", first_run_specs)

    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        basis = c1.selectbox(
            "Statistics basis",
            bases,
            key="basis",
            format_func=basis_name,
            bind="query-params",
            help="Whose statistics: the two countries' customs report different totals.",
        )
        if basis == "upload":
            reporter = upload.reporter if upload.reporter in (pair.a, pair.b) else pair.a
            obs = tracker_rows(upload, reporter, pair.other(reporter))
        else:
            reporter = basis
        series = basis_series(obs, reporter, pair.other(reporter))
        years = [int(y) for y in series.index]
        if len(years) < 2:
            st.warning(
                f"{basis_label(reporter)} has only one figure for {pair.label}: a trend needs two.",
                icon=":material/warning:",
            )
            st.stop()
        base_default = DEFAULT_BASE_YEAR if DEFAULT_BASE_YEAR in years else years[-1]
        base_year = c2.selectbox(
            "Base year",
            years,
            **unless_set("base_year", index=years.index(base_default)),
            key="base_year",
            bind="query-params",
            help="The target is the base year's value times the multiple.",
        )
        multiple = c3.slider(
            "Multiple of the base year",
            1.0,
            10.0,
            step=0.1,
            **unless_set("multiple", value=2.0),
            key="multiple",
            bind="query-params",
            format="%.1f×",
            help="2.0 = doubling, the pledge of July 2024.",
        )
        latest_year = years[-1]
        target_year = c1.slider(
            "Target year (assumption)",
            latest_year + 1,
            HORIZON_YEAR,
            **unless_set("target_year", value=max(DEFAULT_TARGET_YEAR, latest_year + 1)),
            key="target_year",
            bind="query-params",
            help="No official year was given for doubling; 2030 is this dashboard's assumption.",
        )
        presets = scenario_presets(series, float(series[base_year]) * multiple, target_year)
        growth = growth_controls(presets, c2, c3)
        c1.caption(f"Growth used: **{format_pct(growth.rate)}** a year. {growth.label}.")

        with st.expander("Uncertainty and shocks", icon=":material/tune:"):
            u1, u2, u3 = st.columns(3)
            estimate = estimate_volatility(series)
            volatility = volatility_control(
                None if estimate.sigma is None else estimate.sigma * 100, u1
            )
            method = u2.radio(
                "Method",
                list(METHOD_LABELS),
                key="method",
                format_func=METHOD_LABELS.__getitem__,
                bind="query-params",
                help="The bootstrap resamples the history's own swings instead of assuming a "
                "normal distribution.",
            )
            compare = u2.toggle("Show both methods", key="compare", bind="query-params")
            shock_year, shock_size = shock_controls(latest_year + 1, HORIZON_YEAR, u3, u3)

    inputs = TrackerInputs(
        pair, reporter, base_year, multiple, target_year, growth.rate, shock_year, shock_size,
        basis_name=basis_name(basis) if basis == "upload" else None,
    )  # fmt: skip
    try:
        result = track(obs, inputs)
        outlook = assess(
            result, volatility=volatility, method=method, compare=compare, estimate=estimate
        )
    except ScenarioError as exc:
        st.warning(str(exc), icon=":material/warning:")
        st.stop()
    proj = outlook.projection

    # The chart is built and sent before the KPIs (they fill this placeholder afterwards), so
    # after a slider move the browser can redraw it while the KPIs are still on their way.
    kpi_area = st.container()
    if outlook.volatility_source == "fallback":
        st.warning(
            f"Too little history to estimate volatility ({outlook.estimate.reason}); the band uses "
            f"an assumed {format_pct(outlook.volatility)}. Set it by hand under "
            "*Uncertainty and shocks*.",
            icon=":material/warning:",
        )

    tracker_fig = tracker_figure(result, fan=proj.fan)
    st.plotly_chart(tracker_fig, key="tracker_chart", config={"displaylogo": False})
    with kpi_area:
        with st.container(horizontal=True):
            st.metric(
                f"Latest ({result.latest_year})", format_usd(result.latest_value), border=True
            )
            st.metric(
                f"Target ({multiple:g}× {base_year})", format_usd(result.target_value), border=True
            )
            st.metric("Progress", format_pct(result.progress, 0), border=True)
            st.metric(
                f"Required growth to {target_year}", format_pct(result.required_cagr), border=True
            )
            st.metric(
                "Historical growth",
                format_pct(result.historical.rate),
                border=True,
                help=result.historical.describe(),
            )
        with st.container(horizontal=True):
            st.metric(
                "Scenario reaches target",
                str(result.year_reached) if result.year_reached else f"not by {HORIZON_YEAR}",
                border=True,
            )
            st.metric(
                f"Chance of target by {target_year}",
                format_pct(proj.probability_at_target_year, 0),
                border=True,
                help="P(value in the target year ≥ target), " + METHOD_LABELS[proj.method].lower(),
            )
            st.metric("50% likely by", str(proj.year_50 or f"after {HORIZON_YEAR}"), border=True)
            st.metric("90% likely by", str(proj.year_90 or f"after {HORIZON_YEAR}"), border=True)

    st.markdown(to_markdown(tracker_summary(result)))
    shown_obs = result.observations
    live = shown_obs[shown_obs["origin"] == "comtrade"] if "origin" in shown_obs else shown_obs[:0]
    if len(live):
        st.caption(
            f"Includes {len(live)} live figure(s) from UN Comtrade (diamonds), retrieved "
            f"{', '.join(sorted(set(live['retrieved'])))}; the other points are sourced statements."
        )
    st.caption(
        "Band: 10–90% and 25–75% ranges around the scenario "
        f"({METHOD_LABELS[proj.method].lower()}; volatility {outlook.describe_volatility()}). "
        "Hollow markers: low-confidence figures."
    )
    if basis != "upload":
        st.markdown(target_origin(pair.code, reporter, base_year))

    basis_slug = "your-data" if basis == "upload" else basis_label(reporter)
    download_params = {
        **parameters(result),
        **{
            k: v
            for k, v in outlook_fields(outlook).items()
            if k not in ("fan", "probability_by_year")
        },
    }
    download_buttons(
        lambda: scenario_table(result, proj.fan),
        name=export_filename("trade-tracker", pair.code, basis_slug, "x").removesuffix(".x"),
        key="download_tracker",
        label="the chart's data",
        parameters=download_params,
        figure=tracker_fig,
    )

    st.subheader("When is the target likely?")
    other = outlook.comparison
    probability_fig = probability_figure(
        proj.curve,
        target_year,
        proj.year_50,
        proj.year_90,
        comparison=None if other is None else other.curve,
        comparison_name=METHOD_LABELS[other.method] if other else "",
        name=METHOD_LABELS[proj.method],
    )
    st.plotly_chart(probability_fig, key="probability_chart", config={"displaylogo": False})
    st.markdown(to_markdown(probability_summary(proj)))
    if other is not None:
        st.caption(
            f"{METHOD_LABELS[other.method]}: {format_pct(other.probability_at_target_year, 0)} by "
            f"{target_year}, 50% by {other.year_50 or 'after ' + str(HORIZON_YEAR)}, 90% by "
            f"{other.year_90 or 'after ' + str(HORIZON_YEAR)}."
        )
    download_buttons(
        lambda: probability_table(outlook),
        name=export_filename("trade-target-probability", pair.code, basis_slug, "x").removesuffix(
            ".x"
        ),
        key="download_probability",
        label="the probabilities",
        parameters=download_params,
        figure=probability_fig,
    )

    share_link(
        {
            "pair": pair.label,
            "basis": basis_name(basis),
            "base_year": base_year,
            "multiple": multiple,
            "target_year": target_year,
            "preset": PRESET_LABELS[growth.preset],
            **({"growth": round(growth.rate * 100, 1)} if growth.preset == "custom" else {}),
            "vol_manual": volatility is not None,
            **({"volatility": volatility * 100} if volatility is not None else {}),
            "method": METHOD_LABELS[method],
            "compare": compare,
            **({"shock_year": shock_year, "shock_size": shock_size * 100} if shock_year else {}),
        },
        {**url_specs([basis_name(b) for b in bases], all_years, latest_year + 1,
                     max(DEFAULT_TARGET_YEAR, latest_year + 1)),
         "pair": pair_spec()},
    )  # fmt: skip

    with st.expander("How this is computed", icon=":material/functions:"):
        st.markdown(METHOD_EXPLAINER)
