"""The target tracker's body: controls, KPIs, charts and downloads, as one Streamlit fragment.

A slider move reruns only this fragment, not the entry point and its navigation, and the code
lives in a module (imported once) rather than in the page file (compiled on every run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.analysis.growth import HORIZON_YEAR, recent_cagr
from dashboard.analysis.outlook import METHOD_LABELS, Outlook, assess
from dashboard.analysis.presets import scenario_presets
from dashboard.analysis.series import bases_for, basis_series
from dashboard.analysis.tracker import ScenarioError, TrackerResult, track
from dashboard.analysis.tracker_setup import Controls, Scenario, default_base_year, resolve
from dashboard.analysis.uncertainty import VolatilityEstimate, estimate_volatility
from dashboard.charts.outlook import probability_figure
from dashboard.charts.tracker import tracker_figure
from dashboard.exports import export_stem
from dashboard.formatting import format_pct, format_usd
from dashboard.model import Pair, basis_label
from dashboard.scenario_output import (
    outlook_summary,
    parameters,
    probability_table,
    scenario_table,
)
from dashboard.summaries import probability_summary, to_markdown, tracker_summary
from dashboard.textsafe import plain_label
from dashboard.ui.data import data_version, observations, pair_spec, target_origin, uploaded_for
from dashboard.ui.downloads import download_buttons
from dashboard.ui.links import check_url, share_link
from dashboard.ui.tracker_controls import (
    PRESET_LABELS,
    growth_controls,
    shock_controls,
    unless_set,
    url_specs,
    volatility_control,
)
from dashboard.upload import UploadedSeries, tracker_rows

DEFAULT_TARGET_YEAR = 2030
DEFAULT_MULTIPLE = 2.0
CHART_TABS = ("Trade and target", "Chance of reaching it, by year")
#: (context, Controls) as the widgets returned them in the last run; see ``tracker_view``.
CONTROLS_SEEN = "_tracker_controls_seen"


@dataclass(frozen=True)
class _Basis:
    """The chosen statistics: rows to track, the series, its years and volatility estimate."""

    reporter: str
    obs: pd.DataFrame
    series: pd.Series
    estimate: VolatilityEstimate

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.series.index]


def _basis(obs: pd.DataFrame, pair: Pair, code: str, upload: UploadedSeries | None) -> _Basis:
    if code == "upload" and upload is not None:
        reporter = upload.reporter if upload.reporter in (pair.a, pair.b) else pair.a
        obs = tracker_rows(upload, reporter, pair.other(reporter))
    else:
        reporter = code
    series = basis_series(obs, reporter, pair.other(reporter))
    return _Basis(reporter, obs, series, estimate_volatility(series))


@dataclass(frozen=True)
class _PairSetup:
    """What the tracker needs of one pair's observations before any control is read."""

    bases: tuple[str, ...]  # reporters with totals for the pair, the pair's first country first
    by_basis: dict[str, _Basis]


# Shared by every session and never mutated: a slider move reuses it instead of selecting rows
# out of the observation table again (pandas selections were a fifth of a rerun's time).
@st.cache_resource(ttl="1h", max_entries=64, show_spinner=False)
def _pair_setup(version: tuple[str, str, int], pair_code: str) -> _PairSetup:
    obs = observations()
    pair = Pair.parse(pair_code)
    bases = tuple(bases_for(obs, pair))
    return _PairSetup(bases, {code: _basis(obs, pair, code, None) for code in bases})


def _outlook(basis: _Basis, scenario: Scenario) -> tuple[TrackerResult, Outlook]:
    """Track and assess ``scenario``; ScenarioError with a one-line reason if it cannot be."""
    result = track(basis.obs, scenario.inputs)
    outlook = assess(
        result,
        volatility=scenario.volatility,
        method=scenario.method,
        compare=scenario.compare,
        estimate=basis.estimate,
    )
    return result, outlook


def _chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, key="tracker_chart", config={"displaylogo": False})


def _default_controls(
    bases: list[str], basis_for: Callable[[str], _Basis], first_target_year: int
) -> Controls:
    """What the controls hold on a first visit with nothing in the link: the widgets' defaults.

    ``growth`` and ``volatility`` are placeholders: with a preset and the estimated volatility
    (the defaults) the scenario does not read them.
    """
    b = basis_for(bases[0])
    return Controls(
        basis=bases[0],
        base_year=default_base_year(b.years),
        multiple=DEFAULT_MULTIPLE,
        target_year=max(DEFAULT_TARGET_YEAR, first_target_year),
        preset="recent",
        growth=0.0,
        vol_manual=b.estimate.sigma is None,
        volatility=20.0,
        method="closed",
        compare=False,
        shock_year=min(HORIZON_YEAR, first_target_year + 1),
        shock_size=0.0,
    )


def _known_controls(context: tuple, defaults: Callable[[], Controls]) -> Controls | None:
    """The controls' values before the widgets are drawn, when they are known for sure.

    After a move the session holds every control's new value. On a first visit with no setting
    in the link or the session they are the defaults. Otherwise (a shared link, the targets page
    opening a target) only the widgets know, and None sends the page down the ordinary path.
    """
    keys = Controls.widget_keys()
    seen = st.session_state.get(CONTROLS_SEEN)
    if seen is not None and seen[0] == context:
        if all(k in st.session_state for k in keys):
            return Controls(**{k: st.session_state[k] for k in keys})
        return None
    if seen is None and not any(k in st.query_params or k in st.session_state for k in keys):
        return defaults()
    return None


def _control_widgets(
    pair: Pair,
    bases: list[str],
    basis_name: Callable[[str], str],
    basis_for: Callable[[str], _Basis],
    first_target_year: int,
) -> tuple[Controls, DeltaGenerator]:
    """Draw the tracker's controls; return their values and a slot for the "growth used" note.

    The year sliders start at ``first_target_year`` whatever the basis: a slider whose range
    changes is a new widget to Streamlit and would fall back to its minimum, so switching to
    statistics one year shorter used to reset the target year to next year.
    """
    c1, c2, c3 = st.columns(3)
    basis = c1.selectbox(
        "Statistics basis",
        bases,
        key="basis",
        format_func=basis_name,
        bind="query-params",
        help="Whose statistics: the two countries' customs report different totals.",
    )
    b = basis_for(basis)
    years = b.years
    if len(years) < 2:
        st.warning(
            f"{basis_label(b.reporter)} has only one figure for {pair.label}: a trend needs two.",
            icon=":material/warning:",
        )
        st.stop()
    base_default = default_base_year(years)
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
        **unless_set("multiple", value=DEFAULT_MULTIPLE),
        key="multiple",
        bind="query-params",
        format="%.1f×",
        help="2.0 = doubling, the pledge of July 2024.",
    )
    target_year = c1.slider(
        "Target year (assumption)",
        first_target_year,
        HORIZON_YEAR,
        **unless_set("target_year", value=max(DEFAULT_TARGET_YEAR, first_target_year)),
        key="target_year",
        bind="query-params",
        help="No official year was given for doubling; 2030 is this dashboard's assumption.",
    )
    presets = scenario_presets(b.series, float(b.series[base_year]) * multiple, target_year)
    preset, growth = growth_controls(presets, c2, c3)
    growth_note = c1.empty()

    with st.expander("Uncertainty and shocks", icon=":material/tune:"):
        u1, u2, u3 = st.columns(3)
        sigma = b.estimate.sigma
        vol_manual, volatility = volatility_control(None if sigma is None else sigma * 100, u1)
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
        shock_year, shock_size = shock_controls(first_target_year, HORIZON_YEAR, u3, u3)
    controls = Controls(
        basis, base_year, multiple, target_year, preset, growth, vol_manual, volatility, method,
        compare, shock_year, shock_size,
    )  # fmt: skip
    return controls, growth_note


def _scenario_notes(
    result: TrackerResult, outlook: Outlook, pair: Pair, reporter: str, base_year: int, basis: str
) -> None:
    """The sentences under the tracker chart: summary, live figures, band, target's origin."""
    proj = outlook.projection
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


def _chance_view(
    outlook: Outlook, target_year: int, pair: Pair, basis_slug: str, download_params: dict
) -> None:
    """The "chance by year" tab: probability chart, its summary and its download menu."""
    proj, other = outlook.projection, outlook.comparison
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
        name=export_stem("trade-target-probability", pair.code, basis_slug),
        key="download_probability",
        label="the probabilities",
        parameters=download_params,
        figure=probability_fig,
    )


@st.fragment
def tracker_view(pair: Pair) -> None:
    """Everything below the tracker's title, for ``pair``.

    After a slider move, the chart is what the user waits for, so it is sent first: the session
    already holds every control's new value, and the chart is computed from those before the
    controls (laid out above it) are redrawn. The widgets' own values are then resolved the same
    way and must give the same scenario; if they do not (a value a widget corrects), the chart is
    redrawn by a rerun that takes the ordinary path: widgets first, then the chart.
    """
    obs = observations()
    version = data_version()
    setup = _pair_setup(version, pair.code)
    upload = uploaded_for(pair)
    bases = list(setup.bases) + (["upload"] if upload is not None else [])
    if not bases:
        st.info(
            f"There are no total-trade figures for {pair.label} yet, so nothing can be projected. "
            "See **Data and sources** for what is known, or fetch figures from UN Comtrade there.",
            icon=":material/info:",
        )
        st.stop()

    def basis_name(code: str) -> str:
        return f"Your data: {plain_label(upload.label)}" if code == "upload" else basis_label(code)

    memo: dict[str, _Basis] = dict(setup.by_basis)

    def basis_for(code: str) -> _Basis:
        if code not in memo:  # an uploaded series (the session's own)
            memo[code] = _basis(obs, pair, code, upload)
        return memo[code]

    # After the latest figure of every basis: the year sliders keep one range for the pair.
    first_target_year = max(basis_for(code).years[-1] for code in bases) + 1

    def tracker_specs() -> dict:
        """What the tracker's URL parameters may hold (built only when a link is read or made).

        Base years are those of the basis the link names (the default basis if none): the base
        year selectbox offers no other. The defaults the notices name are the default basis's
        recent trend and volatility.
        """
        labels = {basis_name(b): b for b in bases}
        linked = basis_for(labels.get(st.query_params.get("basis", ""), bases[0]))
        default = basis_for(bases[0])
        defaults = {}
        if len(default.series) >= 2:
            defaults = {
                "growth_default": recent_cagr(default.series).rate * 100,
                "volatility_default": (default.estimate.sigma or 0.2) * 100,
            }
        return url_specs(
            list(labels), linked.years, first_target_year,
            max(DEFAULT_TARGET_YEAR, first_target_year), **defaults,
        )  # fmt: skip

    check_url("tracker", tracker_specs)

    def scenario_for(controls: Controls) -> Scenario:
        b = basis_for(controls.basis)
        name = basis_name(controls.basis) if controls.basis == "upload" else None
        return resolve(pair, b.reporter, b.series, controls, basis_name=name)

    context = (pair.code, tuple(bases), version, id(upload))
    early = None
    known = _known_controls(context, lambda: _default_controls(bases, basis_for, first_target_year))
    if known is not None:
        try:
            scenario = scenario_for(known)
            result, outlook = _outlook(basis_for(known.basis), scenario)
            early = (scenario, result, outlook)
            tracker_fig = tracker_figure(result, fan=outlook.projection.fan)
        except (ScenarioError, KeyError, ValueError, TypeError):
            early = None  # the ordinary path below says what is wrong

    # Laid out top to bottom; filled in the order the user needs them. Everything the early
    # chart needs is computed above, so these placeholders and the chart leave back to back: the
    # browser re-renders the whole page for each batch of messages it gets, so fewer batches
    # before the chart mean an earlier redraw.
    controls_box = st.container(border=True)
    kpi_area = st.container()
    note_area = st.container()
    # Lazy tabs: only the open tab's chart is built, sent and drawn on each move.
    scenario_tab, chance_tab = st.tabs(CHART_TABS, key="chart_tab", on_change="rerun")
    if early is not None and scenario_tab.open:
        with scenario_tab:
            _chart(tracker_fig)

    with controls_box:
        controls, growth_note = _control_widgets(
            pair, bases, basis_name, basis_for, first_target_year
        )
    st.session_state[CONTROLS_SEEN] = (context, controls)
    basis = controls.basis
    b = basis_for(basis)
    scenario = scenario_for(controls)
    growth = scenario.growth
    growth_note.caption(f"Growth used: **{format_pct(growth.rate)}** a year. {growth.label}.")

    if early is not None and early[0] != scenario:
        # A widget corrected a value the session held: draw again, widgets first this time.
        st.session_state[CONTROLS_SEEN] = None
        st.rerun()
    if early is None:
        try:
            result, outlook = _outlook(b, scenario)
        except ScenarioError as exc:
            st.warning(str(exc), icon=":material/warning:")
            st.stop()
        tracker_fig = tracker_figure(result, fan=outlook.projection.fan)
        if scenario_tab.open:
            with scenario_tab:
                _chart(tracker_fig)
    else:
        result, outlook = early[1], early[2]
    reporter = b.reporter
    inputs = scenario.inputs
    base_year, multiple, target_year = inputs.base_year, inputs.multiple, inputs.target_year
    volatility, method, compare = scenario.volatility, scenario.method, scenario.compare
    shock_year, shock_size = inputs.shock_year, inputs.shock_size
    proj = outlook.projection

    if outlook.volatility_source == "fallback":
        with note_area:
            st.warning(
                f"Too little history to estimate volatility ({outlook.estimate.reason}); the band "
                f"uses an assumed {format_pct(outlook.volatility)}. Set it by hand under "
                "*Uncertainty and shocks*.",
                icon=":material/warning:",
            )
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

    basis_slug = "your-data" if basis == "upload" else basis_label(reporter)
    download_params = {**parameters(result), **outlook_summary(outlook)}
    if scenario_tab.open:
        with scenario_tab:
            _scenario_notes(result, outlook, pair, reporter, base_year, basis)
            download_buttons(
                lambda: scenario_table(result, proj.fan),
                name=export_stem("trade-tracker", pair.code, basis_slug),
                key="download_tracker",
                label="the chart's data",
                parameters=download_params,
                figure=tracker_fig,
            )
    if chance_tab.open:
        with chance_tab:
            _chance_view(outlook, target_year, pair, basis_slug, download_params)

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
        lambda: {**tracker_specs(), "pair": pair_spec()},
    )  # fmt: skip
