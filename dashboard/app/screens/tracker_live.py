"""The tracker's live part: the scenario component's values, its commits, and the address bar.

The target-year, multiple, growth, volatility and shock controls are range inputs inside the live
scenario component (:mod:`dashboard.app.live`), not Streamlit widgets. Their values live in
plain session keys of the same names (``growth`` in percent, as the sliders show it); the
component sends a gesture's final values back (``setStateValue``, debounced) and
:func:`_committed` writes them here and into the URL. Python then computes the verdict, notes,
downloads and share link from them, and is the only source of downloaded numbers.

The address bar holds only what the user set (defaults and derived values, e.g. the growth a
preset gives, are left out), and each user step writes it in one message: Streamlit pushes a
history entry per message a run sends, so one press of Back undoes one step. Back and Forward
rerun the page with the old address, which :func:`adopt_url` reads back into the session.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state import get_session_state

from dashboard.analysis.scenario import DEFAULT_MULTIPLE, DEFAULT_PRESET
from dashboard.app.live.component import live_scenario
from dashboard.app.screens.tracker_controls import PRESET_LABELS
from dashboard.app.urlstate import ParamSpec, sanitize_params

#: The component's Streamlit key.
LIVE_KEY = "live_scenario"
#: Session keys of the values the component's range inputs hold.
VALUE_KEYS = ("target_year", "multiple", "growth", "volatility", "shock_year", "shock_size")
#: URL parameters this module writes itself (the other controls are bound widgets).
URL_KEYS = ("target", "preset", *VALUE_KEYS)

_REVISION = "_live_revision"
_SENT = "_live_sent"  # the values sent with the current revision
_COMMITTED = "_live_committed"  # the values of the component's last accepted commit
_URL_MEMO = "_tracker_url_memo"  # {"url": managed params as last seen, "state": session values}
#: Set by the page each run: what :func:`_committed` needs to turn values into URL parameters.
_URL_CONTEXT = "_live_url_context"

_PRESET_BY_LABEL = {label: key for key, label in PRESET_LABELS.items()}


def _snapshot() -> dict[str, Any]:
    return {k: st.session_state.get(k) for k in URL_KEYS}


def _url_now() -> dict[str, str | None]:
    return {k: st.query_params.get(k) for k in URL_KEYS}


def _remember_url() -> None:
    st.session_state[_URL_MEMO] = {"url": _url_now(), "state": _snapshot()}


def history_replay() -> bool:
    """True when this run replays an address: the browser's Back or Forward."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "is_history_navigation", False))


def adopt_url(specs_for: Callable[[], Mapping[str, ParamSpec]]) -> bool:
    """Read this module's URL parameters into the session when the address changed under it.

    On a first visit, a return from another page, or after another page set the session's
    target (the registry's "Open in the tracker"), only the parameters the address holds are
    read; after Back or Forward every changed parameter is, and one that disappeared goes back
    to its default. Returns True when a value changed (the revision then moves on, so the
    component takes the values, see :func:`mount`).

    ``specs_for()`` gives what each parameter may hold (built only when the address changed);
    its growth default is the default preset's rate: a link holding that growth and no preset
    did not set it by hand.
    """
    memo = st.session_state.get(_URL_MEMO)
    url = _url_now()
    if memo is not None and memo["url"] == url and memo["state"] == _snapshot():
        return False
    # Only Back and Forward replay an address: a parameter gone from it then means its default.
    # Any other change (a first visit, a return from another page, whose address holds no
    # parameters and whose run dropped the target selector's state, or the registry setting
    # the target) reads only what the address holds.
    replay = history_replay()
    first = memo is None or not replay or memo["state"] != _snapshot()
    changed = [k for k in URL_KEYS if first or memo["url"].get(k) != url[k]]
    present = {k: st.query_params.get_all(k) for k in changed if url[k] is not None}
    before = _snapshot()
    specs = specs_for()
    values, _ = sanitize_params(present, specs)  # check_url has already said what was wrong
    for key in changed:
        if key in values:
            value = values[key]
            if key == "preset":
                value = _PRESET_BY_LABEL.get(str(value), DEFAULT_PRESET)
            st.session_state[key] = value
        elif not first:
            st.session_state.pop(key, None)  # gone from the address: back to its default
    if "growth" in values and "preset" not in values and url["preset"] is None:
        by_hand = not math.isclose(
            float(values["growth"]), float(specs["growth"].default), abs_tol=1e-9
        )
        if by_hand:
            st.session_state["preset"] = "custom"
    _remember_url()
    if _snapshot() == before:
        return False
    st.session_state[_REVISION] = st.session_state.get(_REVISION, 0) + 1
    return True


def url_wanted(ctx: Mapping[str, Any]) -> dict[str, str | None]:
    """This module's URL parameters for the session's values: None where the default applies.

    ``ctx`` (set by the page each run): ``target_default``, ``own`` (your own target: a multiple
    slider), ``year_free`` (a target-year slider), ``target_year_default``, ``vol_manual``,
    ``shock_year_default``.
    """
    s = st.session_state
    preset = s.get("preset", DEFAULT_PRESET)
    target = s.get("target")
    wanted: dict[str, str | None] = {k: None for k in URL_KEYS}
    if target is not None and target != ctx["target_default"]:
        wanted["target"] = str(target)
    if preset != DEFAULT_PRESET:
        wanted["preset"] = PRESET_LABELS[preset]
    if preset == "custom" and s.get("growth") is not None:
        wanted["growth"] = _num(s["growth"])
    if ctx["own"] and s.get("multiple", DEFAULT_MULTIPLE) != DEFAULT_MULTIPLE:
        wanted["multiple"] = _num(s["multiple"])
    year = s.get("target_year")
    if ctx["year_free"] and year is not None and year != ctx["target_year_default"]:
        wanted["target_year"] = str(int(year))
    if ctx["vol_manual"] and s.get("volatility") is not None:
        wanted["volatility"] = _num(s["volatility"])
    size = s.get("shock_size", 0.0) or 0.0
    if size != 0:
        wanted["shock_size"] = _num(size)
        shock_year = s.get("shock_year")
        if shock_year is not None and shock_year != ctx["shock_year_default"]:
            wanted["shock_year"] = str(int(shock_year))
    return wanted


def _num(x: float) -> str:
    """A number as a bound slider writes it into the URL: ``3`` (not ``3.0``), ``2.5``."""
    text = repr(float(x))
    return text.removesuffix(".0")


def write_url(wanted: Mapping[str, str | None]) -> None:
    """Make the address bar hold ``wanted`` (None: absent) with at most one message.

    ``del st.query_params[k]`` and each assignment send a message of their own, and the browser
    pushes one history entry per message; removals are made without a message and the one
    ``update`` that follows sends the whole query string.
    """
    now = _url_now()
    if all(now.get(k) == v for k, v in wanted.items()):
        _remember_url()
        return
    sets = {k: v for k, v in wanted.items() if v is not None}
    with get_session_state().query_params() as qp:
        for key, value in wanted.items():
            if value is None:
                qp.discard_param_no_forward_msg(key)
        qp.update(sets)
    _remember_url()


def sync_url(ctx: dict[str, Any]) -> None:
    """Write the session's values to the URL (a user's choice in this run) and keep ``ctx`` for
    the next commit's callback."""
    st.session_state[_URL_CONTEXT] = ctx
    write_url(url_wanted(ctx))


def _committed() -> None:
    """The component's ``on_change``: a released slider's values become the session's.

    A commit made before Python reset the values (a preset chosen, a link opened: the revision
    moved on) is stale and dropped; the component has taken the new values by then. A growth
    other than the preset's makes the scenario Custom.
    """
    state = st.session_state.get(LIVE_KEY) or {}
    values = state.get("scenario") if hasattr(state, "get") else None
    if not isinstance(values, dict) or values.get("revision") != st.session_state.get(_REVISION):
        return
    sent = st.session_state.get(_SENT, {})
    accepted = {}
    for key in VALUE_KEYS:
        if key in values and values[key] is not None and key in sent:
            accepted[key] = values[key]
    if "growth" in accepted and not math.isclose(
        float(accepted["growth"]), float(sent.get("growth") or 0.0), abs_tol=1e-9
    ):
        st.session_state["preset"] = "custom"
    for key, value in accepted.items():
        st.session_state[key] = int(value) if key in ("target_year", "shock_year") else value
    st.session_state[_COMMITTED] = {**sent, **accepted}
    ctx = st.session_state.get(_URL_CONTEXT)
    if ctx is not None:
        write_url(url_wanted(ctx))


def mount(payload_for: Any, values: dict[str, Any]) -> Any:
    """Mount the component for ``values`` (the session's, as this run resolved them).

    ``payload_for(revision)`` builds the payload. The revision moves on when the values differ
    from both what was last sent and what the component last committed: Python changed them
    (a preset, a link, Back, another target), so the component must take them; otherwise it
    keeps what the hand set, which may be ahead of this run.
    """
    revision = st.session_state.get(_REVISION, 0)
    sent = st.session_state.get(_SENT)
    committed = st.session_state.get(_COMMITTED)
    if sent is not None and values != sent and values != _restrict(committed, values):
        revision += 1
    st.session_state[_REVISION] = revision
    st.session_state[_SENT] = values
    return live_scenario(payload_for(revision), key=LIVE_KEY, on_change=_committed)


def _restrict(committed: dict | None, values: dict) -> dict | None:
    if committed is None:
        return None
    return {k: committed.get(k) for k in values}
