"""The target tracker's body: choices, then sliders, KPIs, charts and downloads, as two fragments.

A slider move reruns only the output fragment (a choice reruns both), not the entry point and
its navigation, and the code lives in a module (imported once) rather than in the page file
(compiled on every run).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR, recent_cagr
from dashboard.analysis.outlook import METHOD_LABELS, Outlook, assess
from dashboard.analysis.scenario import (
    DEFAULT_MULTIPLE,
    DEFAULT_TARGET_YEAR,
    METHODS,
    MULTIPLE_RANGE,
    Controls,
    Scenario,
    default_base_year,
    resolve,
    scenario_presets,
)
from dashboard.analysis.series import bases_for, basis_series
from dashboard.analysis.tracker import ScenarioError, TrackerResult, track
from dashboard.analysis.uncertainty import VolatilityEstimate, estimate_volatility
from dashboard.app.cache import (
    current_pair,
    data_version,
    observations,
    pair_spec,
    target_origin,
    uploaded_for,
)
from dashboard.app.downloads import download_buttons
from dashboard.app.links import check_url, share_link
from dashboard.app.plain import plain
from dashboard.app.screens.tracker_controls import (
    CHART_VIEWS,
    CHOICES_FRAGMENT,
    OUTPUT_FRAGMENT,
    PRESET_LABELS,
    choice_args,
    custom_growth_from_link,
    growth_slider,
    preset_control,
    shock_controls,
    unless_set,
    url_specs,
    volatility_control,
)
from dashboard.app.texts import METHOD_EXPLAINER
from dashboard.charts.outlook import probability_figure
from dashboard.charts.tracker import tracker_figure
from dashboard.formatting import format_pct, format_usd
from dashboard.ingest.upload import UploadedSeries, tracker_rows
from dashboard.model import Pair, basis_label
from dashboard.report.files import export_stem
from dashboard.report.sentences import probability_summary, to_markdown, tracker_summary
from dashboard.report.tables import (
    outlook_summary,
    parameters,
    probability_table,
    scenario_table,
)
from dashboard.textsafe import plain_label


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


def _basis(obs: pd.DataFrame, pair: Pair, reporter: str) -> _Basis:
    series = basis_series(obs, reporter, pair.other(reporter))
    return _Basis(reporter, obs, series, estimate_volatility(series))


def _upload_basis(pair: Pair, upload: UploadedSeries) -> _Basis:
    """The session's uploaded series as a basis (it needs nothing from the stored data)."""
    reporter = upload.reporter if upload.reporter in (pair.a, pair.b) else pair.a
    return _basis(tracker_rows(upload, reporter, pair.other(reporter)), pair, reporter)


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
    return _PairSetup(bases, {code: _basis(obs, pair, code) for code in bases})


def _chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, key="tracker_chart", config={"displaylogo": False})


@dataclass
class _View:
    """One run's view of the pair: which statistics it can be tracked on and their setup.

    Built at the start of each of the tracker's runs (the page's and each fragment's own): cheap,
    since the per-pair setup is cached; the observation table is read only for an upload.
    """

    pair: Pair
    upload: UploadedSeries | None
    bases: list[str]
    memo: dict[str, _Basis]

    def basis_name(self, code: str) -> str:
        if code == "upload" and self.upload is not None:
            return f"Your data: {plain_label(self.upload.label)}"
        return basis_label(code)

    def basis_for(self, code: str) -> _Basis:
        if code not in self.memo and code == "upload" and self.upload is not None:
            self.memo[code] = _upload_basis(self.pair, self.upload)  # the session's own series
        return self.memo[code]

    @property
    def first_target_year(self) -> int:
        """After the latest figure of every basis: the year sliders keep one range for the pair."""
        return max(self.basis_for(code).years[-1] for code in self.bases) + 1

    def scenario_for(self, controls: Controls) -> Scenario:
        b = self.basis_for(controls.basis)
        name = self.basis_name(controls.basis) if controls.basis == "upload" else None
        return resolve(self.pair, b.reporter, b.series, controls, basis_name=name)

    def url_specs(self) -> dict:
        """What the tracker's URL parameters may hold (built only when a link is read or made).

        Base years are those of the basis the link names (the default basis if none): the base
        year selectbox offers no other. The defaults the notices name are the default basis's
        recent trend and volatility.
        """
        labels = {self.basis_name(b): b for b in self.bases}
        linked = self.basis_for(labels.get(st.query_params.get("basis", ""), self.bases[0]))
        default = self.basis_for(self.bases[0])
        defaults = {}
        if len(default.series) >= 2:
            defaults = {
                "growth_default": recent_cagr(default.series).rate * 100,
                "volatility_default": (default.estimate.sigma or 0.2) * 100,
            }
        first = self.first_target_year
        return url_specs(
            list(labels), linked.years, first, max(DEFAULT_TARGET_YEAR, first), **defaults
        )


def _view(pair: Pair) -> _View:
    setup = _pair_setup(data_version(), pair.code)
    upload = uploaded_for(pair)
    bases = list(setup.bases) + (["upload"] if upload is not None else [])
    return _View(pair, upload, bases, dict(setup.by_basis))


def _session_controls() -> Controls | None:
    """Every control's value as the session holds it, or None before the controls exist."""
    keys = Controls.widget_keys()
    if not all(k in st.session_state for k in keys):
        return None
    return Controls(**{k: st.session_state[k] for k in keys})


def _choice_widgets(view: _View) -> None:
    """The choices: statistics basis, base year and growth scenario (one row).

    The base years offered are the chosen basis's; a basis with a single figure stops the page
    with a warning (a trend needs two).
    """
    pair = view.pair
    c1, c2, c3 = st.columns(3)
    basis = c1.selectbox(
        "Statistics basis",
        view.bases,
        format_func=view.basis_name,
        **choice_args("basis"),
        help="Whose statistics: the two countries' customs report different totals.",
    )
    b = view.basis_for(basis)
    years = b.years
    if len(years) < 2:
        st.warning(
            f"{basis_label(b.reporter)} has only one figure for {pair.label}: a trend needs two.",
            icon=":material/warning:",
        )
        st.stop()
    c2.selectbox(
        "Base year",
        years,
        **unless_set("base_year", index=years.index(default_base_year(years))),
        **choice_args("base_year"),
        help="The target is the base year's value times the multiple.",
    )
    custom_growth_from_link(b.series)
    preset_control(c3)


def _slider_widgets(view: _View) -> Controls:
    """The sliders (target year, multiple, growth) and the uncertainty and shock settings.

    Drawn in the output fragment, after the choices, which they read from the session. The year
    sliders start at the pair's first target year whatever the basis: a slider whose range
    changes is a new widget to Streamlit and would fall back to its minimum, so switching to
    statistics one year shorter used to reset the target year to next year.
    """
    first_target_year = view.first_target_year
    basis, base_year, preset = (st.session_state[k] for k in ("basis", "base_year", "preset"))
    b = view.basis_for(basis)
    c1, c2, c3 = st.columns(3)
    target_year = c1.slider(
        "Target year (assumption)",
        first_target_year,
        HORIZON_YEAR,
        **unless_set("target_year", value=max(DEFAULT_TARGET_YEAR, first_target_year)),
        key="target_year",
        bind="query-params",
        help="No official year was given for doubling; 2030 is this dashboard's assumption.",
    )
    multiple = c2.slider(
        "Multiple of the base year",
        *MULTIPLE_RANGE,
        step=0.1,
        **unless_set("multiple", value=DEFAULT_MULTIPLE),
        key="multiple",
        bind="query-params",
        format="%.1f×",
        help="2.0 = doubling, the pledge of July 2024.",
    )
    presets = scenario_presets(b.series, float(b.series[base_year]) * multiple, target_year)
    growth = growth_slider(presets, preset, c3)

    with st.expander("Uncertainty and shocks", icon=":material/tune:"):
        u1, u2, u3 = st.columns(3)
        sigma = b.estimate.sigma
        vol_manual, volatility = volatility_control(None if sigma is None else sigma * 100, u1)
        method = u2.radio(
            "Method",
            list(METHODS),
            format_func=METHOD_LABELS.__getitem__,
            key="method",
            bind="query-params",
            help="The bootstrap resamples the history's own swings instead of assuming a "
            "normal distribution.",
        )
        compare = u2.toggle("Show both methods", key="compare", bind="query-params")
        shock_year, shock_size = shock_controls(first_target_year, HORIZON_YEAR, u3, u3)
    return Controls(
        basis, base_year, multiple, target_year, preset, growth, vol_manual, volatility, method,
        compare, shock_year, shock_size,
    )  # fmt: skip


@dataclass(frozen=True)
class _Computed:
    scenario: Scenario
    result: TrackerResult
    outlook: Outlook


def _compute(basis: _Basis, scenario: Scenario) -> _Computed:
    """Track and assess ``scenario`` on ``basis``; ScenarioError with a one-line reason if it
    cannot be."""
    result = track(basis.obs, scenario.inputs)
    outlook = assess(
        result,
        volatility=scenario.volatility,
        method=scenario.method,
        compare=scenario.compare,
        estimate=basis.estimate,
    )
    return _Computed(scenario, result, outlook)


def tracker_view(pair: Pair) -> None:
    """Everything below the tracker's title, for ``pair``: the choices, then the output.

    Two fragments (:data:`CHOICES_FRAGMENT`, :data:`OUTPUT_FRAGMENT`): a slider move reruns the
    output alone, a choice both.
    """
    view = _view(pair)
    if not view.bases:
        st.info(
            f"There are no total-trade figures for {pair.label} yet, so nothing can be projected. "
            "See **Data and sources** for what is known, or fetch figures from UN Comtrade there.",
            icon=":material/info:",
        )
        st.stop()
    check_url("tracker", view.url_specs)
    _choices_fragment(pair)
    _output_fragment(pair)


@st.fragment(key=CHOICES_FRAGMENT)
def _choices_fragment(pair: Pair) -> None:
    with st.container(border=True):
        _choice_widgets(_view(pair))


@st.fragment(key=OUTPUT_FRAGMENT)
def _output_fragment(pair: Pair) -> None:
    """Sliders, KPIs, the chosen chart with its notes and downloads, and the share link.

    After a move the session holds every control's new value, so the scenario is computed
    before anything is drawn: the sliders, KPIs and chart then leave back to back, and the
    browser, which re-renders the page for each batch of messages it gets, gets fewer batches.
    The sliders' own values are resolved as well; if they ask for another scenario (a value a
    widget corrected, or a first visit), that one is computed and shown.
    """
    view = _view(pair)
    early = None
    if (known := _session_controls()) is not None:
        try:
            early = _compute(view.basis_for(known.basis), view.scenario_for(known))
        except (ScenarioError, KeyError, ValueError):
            early = None  # computed again below from the widgets' values
    with st.container(border=True):
        controls = _slider_widgets(view)
        growth_note = st.empty()
    try:
        scenario = view.scenario_for(controls)
        if early is not None and early.scenario == scenario:
            done = early
        else:
            done = _compute(view.basis_for(controls.basis), scenario)
    except (ScenarioError, KeyError, ValueError) as exc:
        st.warning(f"This scenario cannot be computed: {plain(exc)}.", icon=":material/warning:")
        return
    scenario, result, outlook = done.scenario, done.result, done.outlook
    growth = scenario.growth
    growth_note.caption(f"Growth used: **{format_pct(growth.rate)}** a year. {growth.label}.")

    inputs = scenario.inputs
    base_year, multiple, target_year = inputs.base_year, inputs.multiple, inputs.target_year
    volatility, method, compare = scenario.volatility, scenario.method, scenario.compare
    shock_year, shock_size = inputs.shock_year, inputs.shock_size
    proj = outlook.projection
    basis = controls.basis
    reporter = view.basis_for(basis).reporter

    if outlook.volatility_source == "fallback":
        st.warning(
            f"Too little history to estimate volatility ({outlook.estimate.reason}); the band "
            f"uses an assumed {format_pct(outlook.volatility)}. Set it by hand under "
            "*Uncertainty and shocks*.",
            icon=":material/warning:",
        )
    _kpis(result, outlook, multiple, base_year, target_year)

    # One chart at a time, chosen here: only the chosen chart is built, sent and drawn on each
    # move. Not st.tabs: a tab panel walks its whole subtree for focusable elements whenever
    # anything in it changes, and a Plotly redraw changes hundreds of nodes (a tenth of the
    # browser's time per move, measured with benchmarks/profile_move.py).
    if "view" in st.session_state and st.session_state["view"] is None:
        st.session_state["view"] = "trade"  # after a `/?view=` run (see below)
    chart_view = st.segmented_control(
        "Chart",
        list(CHART_VIEWS),
        format_func=CHART_VIEWS.__getitem__,
        default="trade",
        required=True,
        key="view",
        bind="query-params",
        label_visibility="collapsed",
    )
    # `required` does not stop an empty URL value (`/?view=`) from seeding None on the first run
    # (Streamlit 1.67): show the default chart; the URL notice has said the value was ignored.
    chart_view = chart_view or "trade"
    basis_slug = "your-data" if basis == "upload" else basis_label(reporter)
    download_params = {**parameters(result), **outlook_summary(outlook)}
    if chart_view == "trade":
        tracker_fig = tracker_figure(result, fan=proj.fan)
        _chart(tracker_fig)
        _scenario_notes(result, outlook, pair, reporter, base_year, basis)
        download_buttons(
            lambda: scenario_table(result, proj.fan),
            name=export_stem("trade-tracker", pair.code, basis_slug),
            key="download_tracker",
            label="the chart's data",
            parameters=download_params,
            figure=tracker_fig,
        )
    else:
        _chance_view(outlook, target_year, pair, basis_slug, download_params)

    share_link(
        {
            "pair": pair.label,
            "basis": view.basis_name(basis),
            "base_year": base_year,
            "multiple": multiple,
            "target_year": target_year,
            "preset": PRESET_LABELS[growth.preset],
            **({"growth": round(growth.rate * 100, 1)} if growth.preset == "custom" else {}),
            "vol_manual": volatility is not None,
            **({"volatility": volatility * 100} if volatility is not None else {}),
            "method": METHOD_LABELS[method],
            "compare": compare,
            "view": CHART_VIEWS[chart_view],
            **({"shock_year": shock_year, "shock_size": shock_size * 100} if shock_year else {}),
        },
        lambda: {**view.url_specs(), "pair": pair_spec()},
    )  # fmt: skip


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
    """The "chance by year" view: probability chart, its summary and its download menu."""
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


def _kpis(
    result: TrackerResult, outlook: Outlook, multiple: float, base_year: int, target_year: int
) -> None:
    """The nine KPI cards, in two rows: where trade stands, then the scenario's outlook."""
    proj = outlook.projection
    with st.container(horizontal=True):
        st.metric(f"Latest ({result.latest_year})", format_usd(result.latest_value), border=True)
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


def render() -> None:
    """The tracker page (home): is the declared target on track, how likely is it, and by when?"""
    pair = current_pair()
    st.title("Is the trade target on track?")
    st.caption(f"{pair.label}: history with sources, the target, and how likely it is to be met.")
    tracker_view(pair)
    # Outside the fragment: the same text for every scenario, so slider moves do not resend it.
    with st.expander("How this is computed", icon=":material/functions:"):
        st.markdown(METHOD_EXPLAINER)
