"""The target tracker's body: choices, then sliders, KPIs, charts and downloads, as two fragments.

A slider move reruns only the output fragment (a choice reruns both), not the entry point and
its navigation, and the code lives in a module (imported once) rather than in the page file
(compiled on every run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR, recent_cagr
from dashboard.analysis.outlook import (
    FALLBACK_VOLATILITY,
    METHOD_LABELS,
    Outlook,
    assess,
    trend_chance,
)
from dashboard.analysis.scenario import (
    DEFAULT_MULTIPLE,
    DEFAULT_TARGET_YEAR,
    GROWTH_RANGE,
    METHODS,
    MIN_TREND_OBSERVATIONS,
    MULTIPLE_RANGE,
    SHOCK_RANGE,
    VOLATILITY_RANGE,
    Controls,
    Scenario,
    default_base_year,
    resolve,
    scenario_presets,
)
from dashboard.analysis.series import bases_for, basis_series
from dashboard.analysis.targets import (
    OFF_TRACK,
    ON_TRACK,
    OWN_TARGET,
    STALE_AFTER_YEARS,
    TrackedTarget,
    judge_target,
    own_target,
    tracker_targets,
)
from dashboard.analysis.tracker import ScenarioError, TrackerResult, track
from dashboard.analysis.uncertainty import VolatilityEstimate, estimate_volatility
from dashboard.app.cache import (
    baci_observations,
    current_pair,
    data_version,
    observations,
    pair_spec,
    target_origin,
    targets,
    uploaded_for,
)
from dashboard.app.downloads import download_buttons
from dashboard.app.fetch_panel import complete_history, empty_state
from dashboard.app.links import check_url, share_link
from dashboard.app.live.payload import (
    Control,
    LiveTarget,
    figure_payload,
    live_payload,
    model_payload,
)
from dashboard.app.live.vendor import PLOTLY_URL
from dashboard.app.plain import plain
from dashboard.app.screens import tracker_live as live_part
from dashboard.app.screens.tracker_controls import (
    CHART_VIEWS,
    OUTPUT_FRAGMENT,
    PRESET_LABELS,
    growth_value,
    preset_control,
    session_value,
    shock_values,
    unless_set,
    url_specs,
    volatility_control,
)
from dashboard.app.texts import METHOD_EXPLAINER
from dashboard.app.urlstate import choice
from dashboard.charts.outlook import probability_figure
from dashboard.charts.tracker import band_clipped, for_export, history_figure, tracker_figure
from dashboard.formatting import format_pct, format_usd
from dashboard.ingest.baci import BASIS_LABEL as BACI_BASIS
from dashboard.ingest.upload import UploadedSeries, tracker_rows
from dashboard.model import Pair, basis_label
from dashboard.report.files import export_stem
from dashboard.report.sentences import (
    probability_summary,
    to_markdown,
    tracker_summary,
    verdict_sentence,
)
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
    targets: tuple[TrackedTarget, ...]  # declared targets the tracker can follow, default first


# Shared by every session and never mutated: a slider move reuses it instead of selecting rows
# out of the observation table again (pandas selections were a fifth of a rerun's time).
@st.cache_resource(ttl="1h", max_entries=64, show_spinner=False)
def _pair_setup(version: tuple[str, str, int], pair_code: str) -> _PairSetup:
    obs = observations()
    pair = Pair.parse(pair_code)
    bases = tuple(bases_for(obs, pair))
    declared = tuple(tracker_targets(targets(), pair, date.today().year))
    by_basis = {code: _basis(obs, pair, code) for code in bases}
    baci_rows = baci_observations(pair)
    if len(baci_rows):
        # The imported CEPII BACI matrix: a third basis (reconciled, FOB), drawn on the pair's
        # first country's side (its exports are BACI's flow from it to the other).
        by_basis["baci"] = _basis(baci_rows, pair, pair.a)
        bases = (*bases, "baci")
    return _PairSetup(bases, by_basis, declared)


#: Bases named by what they are, not by a reporter: the session's upload and the BACI matrix.
_NAMED_BASES = ("upload", "baci")


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
    declared: tuple[TrackedTarget, ...] = ()

    @property
    def target_ids(self) -> list[str]:
        """The target selector's options: declared targets (default first), then your own."""
        return [t.id for t in self.declared] + [OWN_TARGET]

    def target_for(self, target_id: str) -> TrackedTarget | None:
        """The declared target ``target_id`` names; None for your own."""
        return next((t for t in self.declared if t.id == target_id), None)

    def target_label(self, target_id: str) -> str:
        t = self.target_for(target_id)
        return t.label if t is not None else "Your own target (hypothetical)"

    def basis_name(self, code: str) -> str:
        if code == "upload" and self.upload is not None:
            return f"Your data: {plain_label(self.upload.label)}"
        if code == "baci":
            return BACI_BASIS
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
        name = self.basis_name(controls.basis) if controls.basis in _NAMED_BASES else None
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
        specs = url_specs(
            list(labels), linked.years, first, max(DEFAULT_TARGET_YEAR, first), **defaults
        )
        return {"target": choice(self.target_ids[0], self.target_ids), **specs}


def _view(pair: Pair) -> _View:
    setup = _pair_setup(data_version(), pair.code)
    upload = uploaded_for(pair)
    bases = list(setup.bases) + (["upload"] if upload is not None else [])
    return _View(pair, upload, bases, dict(setup.by_basis), setup.targets)


def _target_valid(view: _View) -> None:
    """Keep the session's target one of this pair's (the link's ``target=<id>`` has been read by
    :func:`~dashboard.app.screens.tracker_live.adopt_url`): else the pair's first, its newest
    open declared target, or your own when none was declared.

    Not a bound widget: a bound selectbox writes its option's *label* into the URL, and a link
    should name the target by its registry id. Being a widget's, the session's value is dropped
    by a run on another page; coming back (not by Back or Forward, which replay an address),
    the target this pair had in this session is taken again instead of the default.
    """
    memory: dict[str, str] = st.session_state.setdefault(_TARGET_MEMORY_KEY, {})
    target = st.session_state.get("target")
    if target is None and not live_part.history_replay():
        target = memory.get(view.pair.code)
    if target not in view.target_ids:
        target = view.target_ids[0]
    st.session_state["target"] = target
    memory[view.pair.code] = target


#: Session key: {pair code: the target last chosen for it}, kept while other pages run.
_TARGET_MEMORY_KEY = "_tracker_target_by_pair"


def _control_widgets(view: _View) -> tuple[Controls, TrackedTarget | None]:
    """Every control, in a box under the answer: target, statistics, growth scenario; then the
    sliders; then uncertainty and shocks. Returns them and the declared target chosen (None:
    your own)."""
    pair = view.pair
    c1, c2, c3 = st.columns([2, 1, 1])
    target = c1.selectbox(
        "Target",
        view.target_ids,
        format_func=view.target_label,
        key="target",
        help="The targets declared for this pair (newest open one first), or your own.",
    )
    declared = view.target_for(target)
    basis = c2.selectbox(
        "Statistics basis",
        view.bases,
        format_func=view.basis_name,
        key="basis",
        bind="query-params",
        help="Whose statistics: the two countries' customs report different totals.",
    )
    b = view.basis_for(basis)
    years = b.years
    if len(years) < 2:
        st.warning(
            f"{view.basis_name(basis)} has only one figure for {pair.label}: a trend needs two.",
            icon=":material/warning:",
        )
        # The page's own "Complete the history" (after the tracker) is never reached from here,
        # yet it is what gives this basis the figures a trend needs (and shows a fetch's report).
        complete_history(pair, key="tracker")
        st.stop()
    preset = preset_control(c3)

    first_target_year = view.first_target_year
    s1, _ = st.columns(2)
    if declared is None:
        base_year = s1.selectbox(
            "Base year",
            years,
            **unless_set("base_year", index=years.index(default_base_year(years))),
            key="base_year",
            bind="query-params",
            help="Your target is the base year's value times the multiple (the multiple's "
            "slider is under the chart).",
        )
        multiple = session_value("multiple", DEFAULT_MULTIPLE, *MULTIPLE_RANGE, 0.1)
    else:
        base_year = declared.base_year if declared.base_year is not None else years[-1]
        multiple = declared.multiple if declared.multiple is not None else DEFAULT_MULTIPLE
    if declared is not None and declared.year is not None:
        target_year = declared.year
    else:
        default_year = max(DEFAULT_TARGET_YEAR, first_target_year)
        target_year = int(
            session_value("target_year", default_year, first_target_year, HORIZON_YEAR, 1)
        )
        st.session_state["target_year"] = target_year
    growth = 0.0  # unused: nothing is projected
    can_project = first_target_year <= target_year and years[-1] < target_year
    if can_project:
        value = declared.value_usd if declared else float(b.series[base_year]) * multiple
        presets = scenario_presets(b.series, value, target_year)
        growth = growth_value(presets, preset)

    with st.expander("Uncertainty and shocks", icon=":material/tune:"):
        u1, u2 = st.columns(2)
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
        u1.caption("The volatility and shock sliders are under the chart.")
        shock_year, shock_size = shock_values(first_target_year, HORIZON_YEAR)
    controls = Controls(
        basis, int(base_year), float(multiple), int(target_year), preset, growth, vol_manual,
        volatility, method, compare, shock_year, shock_size, target,
    )  # fmt: skip
    return controls, declared


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
    """Everything below the tracker's title, for ``pair``: the answer, then the controls."""
    view = _view(pair)
    if not view.bases:
        empty_state(pair, key="tracker")  # what is missing, and the fetch, right here
        st.stop()
    check_url("tracker", view.url_specs)
    live_part.adopt_url(view.url_specs)
    _target_valid(view)
    _tracker_fragment(pair)


#: Session key of the last verdicts: a slider move (growth, volatility, shock) does not change
#: the verdict, which is on the recent trend, so it is not judged again (~10 ms a move).
_VERDICT_MEMO_KEY = "_tracker_verdicts"


def _verdict(view: _View, target: TrackedTarget, reporter: str, year: int) -> str:
    """The answer in one sentence, by the registry's rule (:func:`judge_target`), with the chance
    on the recent trend, on the chosen statistics and on the other side's when it has data.

    Remembered per session for the few last (data, pair, target, basis, year) combinations: the
    inputs are all in the key (the session's own upload by identity), so nothing stale is shown.
    """
    key = (
        data_version(), view.pair.code, target.id, target.value_usd, target.base_year,
        reporter, year, id(view.upload) if view.upload is not None else None,
    )  # fmt: skip
    memo: dict = st.session_state.setdefault(_VERDICT_MEMO_KEY, {})
    if key not in memo:
        if len(memo) >= 8:
            memo.pop(next(iter(memo)))
        memo[key] = _judge_verdict(view, target, reporter, year)
    return memo[key]


def _judge_verdict(view: _View, target: TrackedTarget, reporter: str, year: int) -> str:
    as_of = date.today().year

    def judged(code: str) -> tuple[dict, float | None]:
        b = view.basis_for(code)
        status = judge_target(target.row, b.obs, b.reporter, assumed_year=year, as_of_year=as_of)
        if code in _NAMED_BASES:
            # CEPII BACI's rows (or an upload's) carry a country as reporter; the verdict must
            # name the basis the figures are, not that country's statistics.
            status = {**status, "basis_name": view.basis_name(code)}
        chance = None
        # On or off track only with a trend (MIN_TREND_OBSERVATIONS figures, judge_target's
        # rule), so a chance is never a stand-in's number dressed as an estimate.
        if status["status"] in (ON_TRACK, OFF_TRACK):
            chance = trend_chance(b.series, target.value_usd, year)
        return status, chance

    chosen = "upload" if reporter == "upload" else reporter
    status, chance = judged(chosen)
    others = [c for c in view.bases if c != chosen and c not in _NAMED_BASES]
    other = judged(others[0]) if others else None
    sentence = verdict_sentence(status, chance, year, other)
    if not target.declared:
        # Never read as a government's target: this one is the visitor's own (or the default
        # hypothetical where none was declared).
        sentence = f"Your own target (a hypothetical): {sentence[0].lower()}{sentence[1:]}"
    return sentence


@st.fragment(key=OUTPUT_FRAGMENT)
def _tracker_fragment(pair: Pair) -> None:
    """The answer (verdict, KPIs, chart, notes, downloads, link) above the controls.

    The controls are drawn first, into the box below, so the answer is computed from this run's
    values; on a phone the verdict and the chart come before any control.
    """
    view = _view(pair)
    _target_valid(view)
    answer = st.container()
    with st.container(border=True):
        controls, declared = _control_widgets(view)
    first = view.first_target_year
    # The address bar: what the user chose in this run (a target, a preset), in one message.
    live_part.sync_url({
        "target_default": view.target_ids[0], "own": declared is None,
        "year_free": declared is None or declared.year is None,
        "target_year_default": max(DEFAULT_TARGET_YEAR, first), "vol_manual": controls.vol_manual,
        "shock_year_default": min(HORIZON_YEAR, first + 1),
    })  # fmt: skip
    with answer:
        _answer(view, controls, declared, _Live(view, controls, declared, controls.vol_manual))


def _answer(view: _View, controls: Controls, declared: TrackedTarget | None, live: _Live) -> None:
    pair = view.pair
    b = view.basis_for(controls.basis)
    as_of = date.today().year
    latest = b.years[-1]
    if declared is None:
        target = own_target(
            pair, controls.base_year, float(b.series[controls.base_year]), controls.multiple,
            controls.target_year, as_of,
        )  # fmt: skip
    else:
        target = declared
    year = controls.target_year
    with st.container(key="tracker_verdict"):
        st.markdown(f"**{to_markdown(_verdict(view, target, controls.basis, year))}**")
    if declared is None and not view.declared:
        st.info(
            f"No numeric trade target has been declared for {pair.label}, so the tracker follows "
            "your own target: a hypothetical, set with the base year and multiple below.",
            icon=":material/info:",
        )
    elif declared is None:
        st.caption("Your own target is a hypothetical, not a declared one.")
    origin = (
        ""
        if controls.basis in _NAMED_BASES
        else target_origin(pair.code, b.reporter, controls.base_year, target.id)
    )
    basis_slug = {"upload": "your-data", "baci": "cepii-baci"}.get(
        controls.basis, basis_label(b.reporter)
    )
    name_parts = {"target": target.id, "scenario": controls.preset}
    stale = latest < as_of - STALE_AFTER_YEARS
    if stale or year <= latest:
        if stale:
            st.warning(
                f"The latest figure on {view.basis_name(controls.basis)} is from **{latest}**, "
                f"{as_of - latest} years ago. A projection from it would guess years that have "
                "already happened, so none is drawn.",
                icon=":material/history:",
            )
        else:
            st.caption(
                f"The target year {year} is not after the latest figure ({latest}): the data "
                "decide it, so nothing is projected."
            )
        fig = history_figure(b.obs, view.basis_name(controls.basis), target.value_usd, year,
                             target.id)  # fmt: skip
        live.mount(fig, year, kpis=[], live=False, note=_SERVER_NOTE["history"])
        if controls.basis not in _NAMED_BASES:
            st.markdown(origin)
        return

    if len(b.series) < MIN_TREND_OBSERVATIONS:
        st.warning(
            f"Only {len(b.series)} figures on {view.basis_name(controls.basis)}: growth and "
            "volatility cannot be estimated from so few. The trend shown is the change between "
            f"them, and the band uses an assumed {format_pct(FALLBACK_VOLATILITY)} volatility; "
            "both are stand-ins.",
            icon=":material/warning:",
        )
    try:
        name = view.basis_name(controls.basis) if controls.basis in _NAMED_BASES else None
        scenario = resolve(pair, b.reporter, b.series, controls, basis_name=name,
                           declared=declared)  # fmt: skip
        done = _compute(b, scenario)
    except ScenarioError as exc:
        st.warning(f"This scenario cannot be computed: {plain(exc)}.", icon=":material/warning:")
        fig = history_figure(b.obs, view.basis_name(controls.basis), target.value_usd, year,
                             target.id)  # fmt: skip
        live.mount(fig, year, kpis=[], live=False, note=_SERVER_NOTE["history"])
        return
    scenario, result, outlook = done.scenario, done.result, done.outlook
    growth = scenario.growth
    inputs = scenario.inputs
    volatility, method, compare = scenario.volatility, scenario.method, scenario.compare
    shock_year, shock_size = inputs.shock_year, inputs.shock_size
    proj = outlook.projection

    if outlook.volatility_source == "fallback" and len(b.series) >= MIN_TREND_OBSERVATIONS:
        st.warning(
            f"Too little history to estimate volatility ({outlook.estimate.reason}); the band "
            f"uses an assumed {format_pct(outlook.volatility)}. Set it by hand under "
            "*Uncertainty and shocks*.",
            icon=":material/warning:",
        )
    cards = _kpis(result, outlook, target)
    st.caption(f"Growth used: **{format_pct(growth.rate)}** a year. {to_markdown(growth.label)}.")

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
    # The closed form is recomputed in the browser while a slider moves; the bootstrap (and the
    # two methods side by side) only here, when a slider is released.
    is_live = method == "closed" and not compare
    model = model_payload(
        latest_year=result.latest_year, latest_value=result.latest_value,
        first_year=int(result.observations["year"].min()), horizon=inputs.horizon_year,
        sigma=outlook.volatility, growth=growth.rate, vol_manual=volatility is not None,
        target=LiveTarget(
            declared.value_usd if declared is not None else None,
            result.base_value if declared is None else None,
            declared.year if declared is not None else None,
        ),
    )  # fmt: skip
    download_params = {**parameters(result), **outlook_summary(outlook)}
    today = date.today().isoformat()
    export_lines = [
        f"{pair.label}, on {result.basis_label} figures",
        f"Target: {target.label}",
        f"Scenario: {growth.label}",
        "Sources: " + "; ".join(sorted(set(map(str, result.observations["source"]))))[:160],
        f"Made {today} with the trade target dashboard",
    ]
    if chart_view == "chance" and not outlook.chances_backed:
        st.info(
            "A chance by year needs a volatility estimated from the history, and here there "
            f"is {outlook.estimate.reason} (under *Uncertainty and shocks*). The trade chart "
            "is shown instead.",
            icon=":material/info:",
        )
    if chart_view == "trade" or not outlook.chances_backed:
        tracker_fig = tracker_figure(result, fan=proj.fan)
        live.mount(tracker_fig, inputs.target_year, kpis=cards, live=is_live,
                   note=None if is_live else _SERVER_NOTE[method], model=model,
                   chances=outlook.chances_backed)  # fmt: skip
        if band_clipped(result, proj.fan):
            st.caption(
                "The chart is scaled to the history and the target; the uncertainty band (or the "
                "scenario after the target year) runs above its top and is clipped."
            )
        _scenario_notes(result, outlook, origin, controls.basis)
        download_buttons(
            lambda: scenario_table(result, proj.fan),
            name=export_stem("trade-tracker", pair.code, basis_slug, **name_parts),
            key="download_tracker",
            label="the chart's data",
            parameters=download_params,
            figure=lambda: for_export(tracker_fig, "Is the trade target on track?", export_lines),
        )
    else:
        stem = export_stem("trade-target-probability", pair.code, basis_slug, **name_parts)
        _chance_view(outlook, inputs.target_year, stem, download_params, export_lines,
                     lambda fig: live.mount(fig, inputs.target_year, kpis=cards, live=is_live,
                                            note=None if is_live else _SERVER_NOTE[method],
                                            model=model, view="chance"))  # fmt: skip

    share_link(
        {
            "pair": pair.code,
            "target": controls.target,
            "basis": view.basis_name(controls.basis),
            **({"base_year": inputs.base_year, "multiple": inputs.multiple}
               if declared is None else {}),
            **({"target_year": inputs.target_year}
               if declared is None or declared.year is None else {}),
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


def _scenario_notes(result: TrackerResult, outlook: Outlook, origin: str, basis: str) -> None:
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
    if basis not in _NAMED_BASES:
        st.markdown(origin)


def _chance_view(
    outlook: Outlook,
    target_year: int,
    stem: str,
    download_params: dict,
    export_lines: list[str],
    draw: Callable[[go.Figure], None],
) -> None:
    """The "chance by year" view: probability chart (drawn by ``draw``), its summary and its
    download menu."""
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
    draw(probability_fig)
    st.markdown(to_markdown(probability_summary(proj)))
    if other is not None:
        st.caption(
            f"{METHOD_LABELS[other.method]}: {format_pct(other.probability_at_target_year, 0)} by "
            f"{target_year}, 50% by {other.year_50 or 'after ' + str(HORIZON_YEAR)}, 90% by "
            f"{other.year_90 or 'after ' + str(HORIZON_YEAR)}."
        )
    download_buttons(
        lambda: probability_table(outlook),
        name=stem,
        key="download_probability",
        label="the probabilities",
        parameters=download_params,
        figure=lambda: for_export(
            probability_fig, "Chance of reaching the target, by year", export_lines
        ),
    )


def _target_card_label(target: TrackedTarget) -> str:
    """The target card's label: "Declared target (2× 2023)", or your own, hypothetical one."""
    times = (
        f"{target.multiple:g}× {target.base_year}"
        if target.multiple is not None and target.base_year is not None
        else ""
    )
    if not target.declared:
        return f"Your own target (hypothetical, {times})"
    return f"Declared target ({times})" if times else "Declared target"


#: A chance card's value when the volatility is only the stated fallback.
UNBACKED_CHANCE = "not estimated"


def _kpis(result: TrackerResult, outlook: Outlook, target: TrackedTarget) -> list[dict[str, str]]:
    """The nine KPI cards (where trade stands, then the scenario's outlook), as Python computes
    them for the committed values; the live component shows them and, while a slider moves,
    recomputes all but the latest figure and the historical growth."""
    proj = outlook.projection
    target_year = result.inputs.target_year

    def card(id_: str, label: str, value: str, help_: str = "") -> dict[str, str]:
        return {"id": id_, "label": label, "value": value, "help": help_}

    if outlook.chances_backed:
        chances = [
            card("chance", f"Chance of target by {target_year}",
                 format_pct(proj.probability_at_target_year, 0),
                 "P(value in the target year ≥ target), " + METHOD_LABELS[proj.method].lower()),
            card("year50", "50% likely by", str(proj.year_50 or f"after {HORIZON_YEAR}")),
            card("year90", "90% likely by", str(proj.year_90 or f"after {HORIZON_YEAR}")),
        ]  # fmt: skip
    else:
        # Other ids than the live ones: the browser keeps these as they are while sliders move.
        # The reason ends "... so set the volatility yourself".
        why = (
            f"Too few figures to estimate how much growth varies: {outlook.estimate.reason} "
            "(under Uncertainty and shocks) to see chances under your own assumption."
        )
        chances = [
            card("chance_unbacked", "Chance of target", UNBACKED_CHANCE, why),
            card("year50_unbacked", "50% likely by", UNBACKED_CHANCE, why),
            card("year90_unbacked", "90% likely by", UNBACKED_CHANCE, why),
        ]
    return [
        card("latest", f"Latest ({result.latest_year})", format_usd(result.latest_value)),
        card("target", _target_card_label(target), format_usd(result.target_value)),
        card("progress", "Progress", format_pct(result.progress, 0)),
        card("required", f"Required growth to {target_year}", format_pct(result.required_cagr)),
        card("historical", "Historical growth", format_pct(result.historical.rate),
             result.historical.describe()),
        card("reached", "Scenario reaches target",
             str(result.year_reached) if result.year_reached else f"not by {HORIZON_YEAR}"),
        *chances,
    ]  # fmt: skip


#: What the component says when it does not recompute in the browser.
_SERVER_NOTE = {
    "bootstrap": "Bootstrap: the band and the chances are computed on the server when you "
    "release a slider.",
    "closed": "Both methods are shown: the chart and the cards are computed on the server when "
    "you release a slider.",
    "history": "Nothing is projected here: the chart and the cards follow when you release a "
    "slider.",
}


@dataclass
class _Live:
    """The live component for this run's controls: its sliders, the target and its labels."""

    view: _View
    controls: Controls
    declared: TrackedTarget | None
    manual_volatility: bool

    def sliders(self) -> list[Control]:
        first = self.view.first_target_year
        out = []
        declared = self.declared
        if declared is None or declared.year is None:
            out.append(Control(
                "target_year",
                "Target year (assumption)" if declared else "Target year (your choice)",
                first, HORIZON_YEAR, 1, "year",
                "No year was given for this target; 2030 is this dashboard's assumption."
                if declared else "The year your own target should be met by.",
            ))  # fmt: skip
        if declared is None:
            out.append(Control("multiple", "Multiple of the base year", *MULTIPLE_RANGE, 0.1,
                               "times", "2.0 = doubling."))  # fmt: skip
        out += [
            Control("growth", "Scenario growth per year", *GROWTH_RANGE, 0.1, "pct",
                    "Moving this slider switches the scenario to Custom."),
            Control("volatility", "Volatility (std dev of annual log growth)",
                    *VOLATILITY_RANGE, 0.5, "pct",
                    "How much growth swings from year to year. Turn on 'Set volatility by "
                    "hand' under Uncertainty and shocks to move it.",
                    disabled=not self.manual_volatility),
            Control("shock_year", "Shock year", first, HORIZON_YEAR, 1, "year",
                    "The year of a one-year fall (or jump) in the level of trade."),
            Control("shock_size", "Shock size", *SHOCK_RANGE, 1.0, "pct",
                    "A one-year fall (or jump) in the level of trade, after which growth "
                    "resumes. From 2013 to 2015–16 this pair's trade fell by about half with "
                    "commodity prices.", digits=0),
        ]  # fmt: skip
        return out

    def values(self) -> dict[str, float | int]:
        c = self.controls
        return {
            "target_year": int(c.target_year), "multiple": float(c.multiple),
            "growth": float(c.growth), "volatility": float(c.volatility),
            "shock_year": int(c.shock_year), "shock_size": float(c.shock_size),
        }  # fmt: skip

    def labels(self, chances: bool = True) -> dict[str, str]:
        """The browser's label templates; without ``chances`` the chart's accessible name
        states none (they are not estimated)."""
        declared = self.declared
        kind = "Declared target" if declared is not None else "Your own target (hypothetical)"
        if declared is None:
            card = f"Your own target (hypothetical, {{multiple}}× {self.controls.base_year})"
        else:
            card = _target_card_label(declared)
        out = {**LIVE_LABELS, "target": card, "targetTrace": f"{kind}: {{value}}"}
        if not chances:
            out["chartLabel"] = "Trade and the target of {value} by {year}"
        return out

    def mount(
        self,
        fig: go.Figure,
        target_year: int,
        *,
        kpis: list[dict[str, str]],
        live: bool,
        note: str | None,
        model: dict | None = None,
        chances: bool = True,
        view: str = "trade",
    ) -> None:
        """The component: the sliders, ``kpis`` and ``fig``, recomputed in the browser when
        ``live`` (closed form), else redrawn from Python's numbers when a slider is released."""
        sliders = self.sliders()
        values = self.values()

        def payload(revision: int) -> dict:
            return live_payload(
                revision=revision, values=values, controls=sliders, model=model or {},
                figure=figure_payload(fig, target_year), view=view,
                labels=self.labels(chances), kpis=kpis, plotly_url=PLOTLY_URL,
                live=live and model is not None, note=note,
            )  # fmt: skip

        live_part.mount(payload, values)


#: Card, trace and chart labels the browser fills in ({year}, {value}, {growth}, {chance}).
LIVE_LABELS = {
    "progress": "Progress",
    "required": "Required growth to {year}",
    "reached": "Scenario reaches target",
    "never": "not by {year}",
    "chance": "Chance of target by {year}",
    "year50": "50% likely by",
    "year90": "90% likely by",
    "after": "after {year}",
    "scenarioTrace": "Scenario: {growth} a year",
    "requiredTrace": "Required: {growth} a year",
    "targetYearNote": "target year {year}",
    "chartLabel": "Trade and the target of {value} by {year}: a {chance} chance",
    "chanceLabel": "Chance of reaching {value}, by year: {chance} by {year}",
}


def render() -> None:
    """The tracker page (home): is the declared target on track, how likely is it, and by when?"""
    pair = current_pair()
    st.title("Is the trade target on track?")
    st.caption(f"{pair.label}: history with sources, the target, and how likely it is to be met.")
    tracker_view(pair)
    complete_history(pair, key="tracker", expander=True)
    # Outside the fragment: the same text for every scenario, so slider moves do not resend it.
    with st.expander("How this is computed", icon=":material/functions:"):
        st.markdown(METHOD_EXPLAINER)
