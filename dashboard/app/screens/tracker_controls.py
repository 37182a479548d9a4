"""The tracker's scenario controls: growth presets tied to the growth slider, volatility, shock.

A preset (recent / long-run / required / custom) drives the growth slider; moving the slider by
hand switches the preset to custom. Every control has a stable key bound to the URL, so a copied
link restores the view, including a hand-set growth rate.

The tracker's controls and its answer are one fragment (the controls drawn first, into a box
below the answer): any control reruns that fragment alone, not the page's navigation.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR, recent_cagr
from dashboard.analysis.outlook import METHOD_LABELS
from dashboard.analysis.scenario import (
    DEFAULT_METHOD,
    DEFAULT_MULTIPLE,
    DEFAULT_PRESET,
    GROWTH_RANGE,
    MULTIPLE_RANGE,
    PRESET_KEYS,
    SHOCK_RANGE,
    VOLATILITY_RANGE,
    Preset,
    default_base_year,
)
from dashboard.app.urlstate import ParamSpec, boolean, choice, integer, number

PRESET_LABELS = {
    "recent": "Recent trend",
    "long_run": "Long-run trend",
    "required": "Required for the target",
    "custom": "Custom",
}
#: ``st.fragment(key=...)`` of the tracker's answer and controls.
OUTPUT_FRAGMENT = "tracker_output"
#: The two charts under the KPIs, shown one at a time (the ``view`` control): key -> label.
CHART_VIEWS = {"trade": "Trade and target", "chance": "Chance of reaching it, by year"}


def _clamp_round(value: float, lo: float, hi: float, step: float) -> float:
    return round(min(hi, max(lo, round(value / step) * step)), 6)


def unless_set(key: str, **default: object) -> dict[str, object]:
    """A widget's default argument, left out when session state already holds its value.

    Another page (the targets registry) may set a control before the tracker draws it; passing a
    default as well makes Streamlit log a warning on every run.
    """
    return {} if key in st.session_state else default


def _set_if_changed(key: str, value: float) -> None:
    """Set a bound widget's value only when it differs.

    Assigning on every run, even the same value, makes Streamlit rewrite the URL each time, and
    during fast keyboard moves the address bar then lags behind the widgets.
    """
    if st.session_state.get(key) != value:
        st.session_state[key] = value


def _growth_moved() -> None:
    """The growth slider's ``on_change``: a hand-set rate makes the scenario Custom (the
    callback runs before the fragment's rerun, which then draws the selector as Custom)."""
    if st.session_state.get("preset") != "custom":
        st.session_state["preset"] = "custom"


def choice_args(key: str) -> dict[str, object]:
    """Key and URL binding of a choice (basis, base year, growth scenario)."""
    return {"key": key, "bind": "query-params"}


def preset_control(container) -> str:
    """The growth scenario selector (see :func:`growth_slider`)."""
    return container.selectbox(
        "Growth scenario",
        PRESET_KEYS,
        format_func=PRESET_LABELS.__getitem__,
        **choice_args("preset"),
        help="Recent and long-run trends are measured on the chosen statistics; 'required' "
        "meets the target exactly in the target year.",
    )


def growth_slider(presets: dict[str, Preset], preset: str, container) -> float:
    """The growth slider, set to ``preset``'s rate unless it is "custom"; its value in percent.

    :func:`dashboard.analysis.scenario.resolve` turns (preset, slider) into the growth used.
    """
    lo, hi = GROWTH_RANGE
    if preset != "custom":
        _set_if_changed("growth", _clamp_round(presets[preset].growth * 100, lo, hi, 0.1))
    elif "growth" not in st.session_state and "growth" not in st.query_params:
        _set_if_changed("growth", _clamp_round(presets["recent"].growth * 100, lo, hi, 0.1))
    return container.slider(
        "Scenario growth per year",
        lo,
        hi,
        step=0.1,
        key="growth",
        bind="query-params",
        format="%.1f%%",
        on_change=_growth_moved,
        help="Moving this slider switches the scenario to Custom.",
    )


def custom_growth_from_link(series: pd.Series) -> None:
    """A shared link that sets growth but no preset means a hand-set rate: make it Custom.

    ``series`` is the basis's history, whose recent trend is the default preset. Runs before
    the preset selector is drawn, and does its work once per session.
    """
    if "growth_seen" in st.session_state:
        return
    st.session_state["growth_seen"] = True
    if "growth" in st.query_params and "preset" not in st.query_params:
        recent_pct = _clamp_round(recent_cagr(series).rate * 100, *GROWTH_RANGE, 0.1)
        # The address bar always holds the slider's value; only a value other than the
        # default preset's (recent trend) was set by hand.
        try:
            by_hand = abs(float(st.query_params["growth"]) - recent_pct) > 1e-9
        except ValueError:
            by_hand = False  # garbage: check_url has said so; the default applies
        if by_hand:
            st.session_state["preset"] = "custom"


def volatility_control(estimate_pct: float | None, container) -> tuple[bool, float]:
    """(set by hand?, the slider's volatility in percent); by default the estimate is used."""
    manual = container.toggle(
        "Set volatility by hand",
        key="vol_manual",
        bind="query-params",
        # Off unless the user turns it on: with no estimate the page uses a stated fallback and
        # says so, and never calls it "set by hand".
        value=False,
        help="By default the volatility is estimated from the observations (or, with too "
        "little history, a stated assumption is used).",
    )
    lo, hi = VOLATILITY_RANGE
    if not manual or ("volatility" not in st.session_state and "volatility" not in st.query_params):
        default = 20.0 if estimate_pct is None else estimate_pct
        _set_if_changed("volatility", _clamp_round(default, lo, hi, 0.5))
    pct = container.slider(
        "Volatility (std dev of annual log growth)",
        lo,
        hi,
        step=0.5,
        key="volatility",
        bind="query-params",
        format="%.1f%%",
        disabled=not manual,
        help="How much growth swings from year to year. 20% means a typical year lands within "
        "about ±20% of the trend.",
    )
    return manual, pct


def shock_controls(first_year: int, last_year: int, col_year, col_size) -> tuple[int, float]:
    """One-year shock: (year, size in percent). Size 0 means no shock."""
    default_year = min(last_year, first_year + 1)
    year = col_year.slider(
        "Shock year", first_year, last_year, default_year, key="shock_year", bind="query-params"
    )
    lo, hi = SHOCK_RANGE
    size = col_size.slider(
        "Shock size",
        lo,
        hi,
        0.0,
        1.0,
        key="shock_size",
        bind="query-params",
        format="%.0f%%",
        help="A one-year fall (or jump) in the level of trade, after which growth resumes. "
        "From 2013 to 2015–16 this pair's trade fell by about half with commodity prices.",
    )
    return int(year), size


def url_specs(
    basis_labels: list[str],
    years: list[int],
    first_target_year: int,
    target_default: int,
    growth_default: float = 0.0,
    volatility_default: float = 20.0,
) -> dict[str, ParamSpec]:
    """What each tracker URL parameter may hold, in the form Streamlit writes it.

    Selectboxes with a ``format_func`` write their label, not the option, into the URL. The
    growth and volatility defaults are the ones the page shows (recent trend, estimate), so a
    notice that falls back to a default names the right number.
    """
    return {
        "basis": choice(basis_labels[0], basis_labels),
        "base_year": choice(default_base_year(years), years),
        "multiple": number(DEFAULT_MULTIPLE, *MULTIPLE_RANGE, 0.1),
        "target_year": integer(target_default, first_target_year, HORIZON_YEAR),
        "preset": choice(PRESET_LABELS[DEFAULT_PRESET], [PRESET_LABELS[k] for k in PRESET_KEYS]),
        "growth": number(_clamp_round(growth_default, *GROWTH_RANGE, 0.1), *GROWTH_RANGE, 0.1),
        "vol_manual": boolean(False),
        "volatility": number(
            _clamp_round(volatility_default, *VOLATILITY_RANGE, 0.5), *VOLATILITY_RANGE, 0.5
        ),
        "method": choice(METHOD_LABELS[DEFAULT_METHOD], list(METHOD_LABELS.values())),
        "compare": boolean(False),
        "shock_year": integer(first_target_year + 1, first_target_year, HORIZON_YEAR),
        "shock_size": number(0.0, *SHOCK_RANGE, 1.0),
        "view": choice(CHART_VIEWS["trade"], list(CHART_VIEWS.values())),
    }
