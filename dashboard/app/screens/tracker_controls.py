"""The tracker's scenario controls: growth presets tied to the growth slider, volatility, shock.

A preset (recent / long-run / required / custom) drives the growth slider; moving the slider by
hand switches the preset to custom. The sliders themselves are range inputs in the live
component (:mod:`dashboard.app.screens.tracker_live`); their values are session keys, resolved
here each run, and the URL holds the ones the user set, so a copied link restores the view.

The tracker's controls and its answer are one fragment (the controls drawn first, into a box
below the answer): any control reruns that fragment alone, not the page's navigation.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard.analysis.growth import HORIZON_YEAR
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


def choice_args(key: str) -> dict[str, object]:
    """Key and URL binding of a choice (basis, base year)."""
    return {"key": key, "bind": "query-params"}


def preset_control(container) -> str:
    """The growth scenario selector (see :func:`growth_value`).

    Not bound to the URL: a hand move of the growth slider makes the scenario Custom, and the
    page writes both into the address bar in one step (a bound widget changed by the server
    would add a history entry of its own).
    """
    if st.session_state.get("preset") not in PRESET_KEYS:
        st.session_state["preset"] = DEFAULT_PRESET
    return container.selectbox(
        "Growth scenario",
        PRESET_KEYS,
        format_func=PRESET_LABELS.__getitem__,
        key="preset",
        help="Recent and long-run trends are measured on the chosen statistics; 'required' "
        "meets the target exactly in the target year. Moving the growth slider makes it Custom.",
    )


def session_value(key: str, default: float, lo: float, hi: float, step: float) -> float:
    """A live slider's value: the session's (set by the slider, a link or Back) kept on the
    slider's grid, else ``default``; written back so the session holds what is shown."""
    raw = st.session_state.get(key)
    try:
        value = float(default if raw is None else raw)
    except (TypeError, ValueError):
        value = float(default)
    if not math.isfinite(value):
        value = float(default)
    value = _clamp_round(value, lo, hi, step)
    if st.session_state.get(key) != value:
        st.session_state[key] = value
    return value


def growth_value(presets: dict[str, Preset], preset: str) -> float:
    """The growth slider's value in percent: ``preset``'s rate, or the hand-set one for Custom
    (where Custom starts: the last preset's rate, else the recent trend).

    :func:`dashboard.analysis.scenario.resolve` turns (preset, slider) into the growth used.
    """
    lo, hi = GROWTH_RANGE
    if preset != "custom":
        return _set("growth", _clamp_round(presets[preset].growth * 100, lo, hi, 0.1))
    return session_value("growth", presets["recent"].growth * 100, lo, hi, 0.1)


def _set(key: str, value: float) -> float:
    if st.session_state.get(key) != value:
        st.session_state[key] = value
    return value


def volatility_control(estimate_pct: float | None, container) -> tuple[bool, float]:
    """(set by hand?, the volatility in percent); by default the estimate is used.

    The toggle is a bound widget; the slider is in the live component, enabled by the toggle.
    """
    manual = container.toggle(
        "Set volatility by hand",
        key="vol_manual",
        bind="query-params",
        # Off unless the user turns it on: with no estimate the page uses a stated fallback and
        # says so, and never calls it "set by hand".
        value=False,
        help="By default the volatility is estimated from the observations (or, with too "
        "little history, a stated assumption is used). The slider is under the chart.",
    )
    lo, hi = VOLATILITY_RANGE
    default = 20.0 if estimate_pct is None else estimate_pct
    if not manual:
        # The estimate to the tenth shown everywhere else (the notes say 21.4%, not the
        # slider's 21.5%); turning the toggle on puts it on the slider's half-point grid.
        return manual, _set("volatility", round(min(hi, max(lo, default)), 1))
    return manual, session_value("volatility", default, lo, hi, 0.5)


def shock_values(first_year: int, last_year: int) -> tuple[int, float]:
    """One-year shock: (year, size in percent), from the session. Size 0 means no shock."""
    default_year = min(last_year, first_year + 1)
    year = int(session_value("shock_year", default_year, first_year, last_year, 1))
    st.session_state["shock_year"] = year
    size = session_value("shock_size", 0.0, *SHOCK_RANGE, 1.0)
    return year, size


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
