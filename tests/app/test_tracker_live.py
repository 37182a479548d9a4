"""The tracker's live component through AppTest: what Python sends it and what a commit does.

AppTest runs no JavaScript; ``tests/support/live_apptest.py`` plays the browser's part (the
component's state after a release, sent as the next run's widget state). Numbers are worked out
in the docstrings.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import live_apptest as live
from tests.support.paths import APP


def _open(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_the_address_holds_no_derived_value():
    """Opened plainly, the tracker writes nothing into the URL: the preset's growth (13.2%) and
    the estimated volatility are derived, not chosen (each write would be a history entry)."""
    at = _open()
    assert not at.exception
    assert dict(at.query_params) == {}
    assert live.values(at)["growth"] == pytest.approx(13.2)
    assert live.sliders(at)["volatility"]["disabled"]  # estimated: not set by hand


def test_a_commit_without_a_growth_change_keeps_the_preset():
    """Moving the target year only (2030 -> 2032) keeps "Recent trend": its growth is still the
    preset's, and only target_year goes into the URL. Required growth to 2032 from $48.7 bn:
    (82 / 48.7) ** (1 / 7) - 1 = 7.72%."""
    at = _open()
    live.commit(at, target_year=2032)
    assert not at.exception
    assert at.selectbox(key="preset").value == "recent"
    assert dict(at.query_params) == {"target_year": "2032"}
    assert live.kpis(at)["Required growth to 2032"] == "7.7%"


def test_a_preset_chosen_in_python_moves_the_revision_on():
    """Choosing "Required for the target" changes the growth in Python (to the required
    (82 / 48.7) ** (1 / 5) - 1 = 10.98%, shown 11.0): the revision moves on so the browser takes
    the new value; a commit carrying the old revision is then dropped, not applied."""
    at = _open()
    before = live.payload(at)["revision"]
    stale = {**live.values(at), "growth": 5.0, "revision": before}
    at.selectbox(key="preset").set_value("required").run()
    sent = live.payload(at)
    assert sent["revision"] == before + 1
    assert sent["values"]["growth"] == pytest.approx(11.0)
    assert at.query_params["preset"] == "Required for the target"
    # The browser's older release, made before it saw the new revision:
    element = live._find(at)
    assert element is not None
    block, idx, node = element
    block.children[idx] = live._Committed(node, {"scenario": stale})
    at.run()
    assert at.selectbox(key="preset").value == "required"
    assert live.values(at)["growth"] == pytest.approx(11.0)


def test_a_released_growth_makes_the_scenario_custom_and_reaches_the_downloads():
    """Growth released at 7.5%: preset Custom, URL preset=Custom&growth=7.5, and the CSV's
    parameters (Python's, the only source of downloaded numbers) say 0.075. From $48.7 bn at
    7.5% a year: 48.7 × 1.075^7 = 80.8 < 82, × 1.075^8 = 86.9 ≥ 82: reached in 2033."""
    at = _open()
    live.commit(at, growth=7.5)
    assert at.selectbox(key="preset").value == "custom"
    assert dict(at.query_params) == {"preset": "Custom", "growth": "7.5"}
    assert live.kpis(at)["Scenario reaches target"] == "2033"
    at.session_state["download_tracker_menu"] = True
    at.run()
    csv = at.download_button(key="download_tracker_csv").proto
    assert csv.url or csv.label  # the menu's CSV exists for the committed scenario


def test_the_bootstrap_is_applied_on_release_and_labelled():
    """With the bootstrap the browser recomputes nothing: the payload is marked not live, with a
    note, and a release reruns Python, whose figure carries the bootstrap's band."""
    at = _open(method="Bootstrap of past growth")
    assert not at.exception
    sent = live.payload(at)
    assert sent["live"] is False and "Bootstrap" in sent["note"]
    band_before = [t for t in sent["figure"]["data"] if t.get("meta") == "band90_hi"]
    live.commit(at, growth=9.0)
    after = live.payload(at)
    band_after = [t for t in after["figure"]["data"] if t.get("meta") == "band90_hi"]
    assert band_before and band_after and band_before != band_after
    assert after["kpis"] != sent["kpis"]


def test_a_link_sets_the_sliders_and_the_component_takes_them():
    """A link with growth=7.5 and no preset means a hand-set rate: Custom, and the sliders sent
    to the browser hold the link's values."""
    at = _open(target="own", growth="7.5", multiple="3", target_year="2035")
    assert not at.exception and not at.info
    assert at.selectbox(key="preset").value == "custom"
    values = live.values(at)
    assert (values["growth"], values["multiple"], values["target_year"]) == (7.5, 3.0, 2035)


def test_too_few_figures_for_a_volatility_state_no_chance():
    """China–Tajikistan has 2 figures on China's statistics (2024 and 2025): 1 interval, fewer
    than the 3 a volatility estimate needs, and the verdict calls the target not assessable.
    The band is drawn on the stated 20% fallback, under a warning, but no card states a chance
    or a 50%/90% year, the browser recomputes none of them (they carry other ids than the live
    ones), and the chart's accessible name states no chance."""
    at = _open(pair="CHN-TJK")
    assert not at.exception
    assert any("not assessable" in m.value for m in at.markdown)
    cards = live.kpis(at)
    assert cards["Chance of target"] == "not estimated"
    assert cards["50% likely by"] == cards["90% likely by"] == "not estimated"
    assert not any(label.startswith("Chance of target by") for label in cards)
    sent = live.payload(at)
    assert not {k["id"] for k in sent["kpis"]} & {"chance", "year50", "year90"}
    assert "{chance}" not in sent["labels"]["chartLabel"]
    assert any("assumed 20.0% volatility" in w.value for w in at.warning)


def test_the_chance_view_without_a_volatility_shows_the_trade_chart_and_says_why():
    """Asked for the chance by year on China–Tajikistan (1 interval), the page says why there is
    none and draws the trade chart (its figure has the scenario, not the chance curve)."""
    at = _open(pair="CHN-TJK", view="Chance of reaching it, by year")
    assert not at.exception
    assert any("A chance by year needs a volatility" in i.value for i in at.info)
    sent = live.payload(at)
    roles = {t.get("meta") for t in sent["figure"]["data"]}
    assert "scenario" in roles and "chance" not in roles
    assert sent["view"] == "trade"  # the browser patches it as the trade chart it is


def test_a_volatility_set_by_hand_brings_the_chances_back():
    """The same pair with the volatility set by hand to 25%: the chance is the user's
    assumption, stated with a percent, and recomputed live (the live ids are back)."""
    at = _open(pair="CHN-TJK", vol_manual="true", volatility="25")
    assert not at.exception
    cards = live.kpis(at)
    chance = next(v for k, v in cards.items() if k.startswith("Chance of target by"))
    assert chance.endswith("%")
    assert {"chance", "year50", "year90"} <= {k["id"] for k in live.payload(at)["kpis"]}
