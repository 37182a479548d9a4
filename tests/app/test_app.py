"""The Streamlit app through AppTest: renders, reacts to controls, shows data errors as messages."""

import base64
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.support import live_apptest as live
from tests.support.apptest import switch_screen
from tests.support.paths import APP

TIMEOUT = 30


def own_target_app() -> AppTest:
    """The tracker on "your own target" (2 × 2024's value, the pre-#14 default): the scenario
    mechanics below are hand-worked on it."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["target"] = "own"
    return at


def kpis(at: AppTest) -> dict[str, str]:
    """The KPI cards Python sent the live component (AppTest runs no JavaScript)."""
    return live.kpis(at)


def test_tracker_renders_with_defaults():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    k = kpis(at)
    assert k["Latest (2025)"] == "$48.7 bn"
    # The July 2024 pledge (issue #14): 2 × 2023's declared $41.0 bn = $82.0 bn; progress
    # 48.7 / 82 = 0.594 → 59%; required (82 / 48.7) ** (1 / 5) - 1 = 11.0%; at 13.25% a year
    # 2029 = 80.1 < 82 and 2030 = 90.7 ≥ 82: reached in 2030.
    assert k["Declared target (2× 2023)"] == "$82.0 bn"
    assert k["Progress"] == "59%"
    assert k["Required growth to 2030"] == "11.0%"
    assert k["Scenario reaches target"] == "2030"
    assert live.payload(at)["figure"]["data"], "the tracker chart is on the page"
    # Download menus: their buttons exist only while a menu is open (slider moves send less).
    assert not at.get("download_button"), "closed menus send no buttons"
    at.session_state["download_tracker_menu"] = True
    at.run()
    keys = [b.key for b in at.get("download_button")]
    assert keys == [f"download_tracker_{ext}" for ext in ("csv", "xlsx", "json", "png", "svg")]
    assert at.download_button(key="download_tracker_csv").label == "CSV"
    assert any("Where the target comes from" in m.value for m in at.markdown)


def test_moving_growth_slider_changes_the_year_reached():
    """5% a year from $48.7 bn reaches $87.64 bn after 12.04 years: in 2038.
    Moving the slider by hand switches the preset to custom."""
    at = own_target_app().run()
    assert at.selectbox(key="preset").value == "recent"
    live.commit(at, growth=5.0)
    assert not at.exception
    assert kpis(at)["Scenario reaches target"] == "2038"
    assert at.selectbox(key="preset").value == "custom"


def test_uncertainty_kpis_and_required_preset():
    """Recent trend ln(48.7/18)/8 = 0.124413 a year; estimated sigma from the 13 China-customs
    totals 1992-2025 (12 intervals, 33 years): mu = 4.885351/33 = 0.148041, sum L(r - mu)^2 =
    0.502284, /11 = 0.045662, sigma = 0.213687. With ln(87.64/48.7) = 0.587558:
    2030 (n=5): z = (0.622067 - 0.587558) / (0.213687 sqrt 5 = 0.477819) = 0.0722 -> 52.9% = 53%;
    2037 (n=12): z = 0.905402 / 0.740234 = 1.2231 -> 88.9%; 2038 (n=13): z = 1.029816 /
    0.770460 = 1.3366 -> 90.9%, so 90% likely by 2038.
    The 'required' preset puts the median exactly on the target in 2030: 50%."""
    at = own_target_app().run()
    k = kpis(at)
    assert k["Chance of target by 2030"] == "53%"
    assert k["50% likely by"] == "2030" and k["90% likely by"] == "2038"
    at.selectbox(key="preset").set_value("required").run()
    k = kpis(at)
    assert k["Chance of target by 2030"] == "50%"
    assert k["Scenario reaches target"] == "2030"
    assert live.values(at)["growth"] == pytest.approx(12.5)


def test_shock_and_volatility_controls():
    """A -30% shock in 2027 delays reaching the target; zero hand-set volatility makes the
    chance 0% or 100% (here 0%: the shocked path is below target in 2030)."""
    at = own_target_app().run()
    live.commit(at, shock_size=-30.0)
    assert kpis(at)["Scenario reaches target"] == "2033"
    at.toggle(key="vol_manual").set_value(True).run()
    live.commit(at, volatility=0.0)
    assert not at.exception
    assert kpis(at)["Chance of target by 2030"] == "0%"


def test_bootstrap_method_and_comparison():
    """The chance tab (built only when open) shows the probability chart with both methods."""
    at = own_target_app().run()
    assert live.payload(at)["live"], "the closed form is recomputed in the browser"
    at.radio(key="method").set_value("bootstrap")
    at.toggle(key="compare").set_value(True)
    at.session_state["view"] = "chance"
    at.run()
    assert not at.exception
    sent = live.payload(at)
    names = [t.get("name") for t in sent["figure"]["data"]]
    assert names == ["Bootstrap of past growth", "Closed form (log-normal)"]
    # The bootstrap is Python's: the browser shows it as sent and says it follows on release.
    assert not sent["live"] and "server" in sent["note"]
    assert any("Closed form" in c.value for c in at.caption)


def test_target_controls_change_target_and_required_growth():
    """Multiple 3 on 2024: 3 x 43.82 = $131.5 bn; by 2035: (131.46/48.7) ** 0.1 - 1 = 10.44%."""
    at = own_target_app().run()
    live.commit(at, multiple=3.0, target_year=2035)
    k = kpis(at)
    assert k["Your own target (hypothetical, 3× 2024)"] == "$131.5 bn"
    assert k["Required growth to 2035"] == "10.4%"


def test_switching_to_kazakh_statistics():
    at = own_target_app().run()
    at.selectbox(key="basis").set_value("KAZ").run()
    assert not at.exception
    k = kpis(at)
    assert (
        k["Latest (2024)"] == "$30.1 bn"
        and k["Your own target (hypothetical, 2× 2024)"] == "$60.2 bn"
    )


def test_url_parameters_set_the_controls():
    at = own_target_app()
    at.query_params["multiple"] = "2.5"
    at.query_params["target_year"] = "2032"
    at.run()
    assert not at.exception
    assert "Your own target (hypothetical, 2.5× 2024)" in kpis(at)


def test_broken_data_file_shows_the_problem_not_a_traceback(data_copy):
    path = data_copy / "trade_series.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",high,", ",sure,", 1), encoding="utf-8"
    )
    at = own_target_app().run()
    assert not at.exception
    assert at.error, "an error message is shown"
    text = at.error[0].value
    assert "trade_series.csv, line" in text and "confidence" in text
    assert "git checkout data/" in text


def test_data_page_lists_sources():
    at = own_target_app().run()
    switch_screen(at, "data").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert {"source_url", "published", "confidence"} <= set(df.columns)
    assert len(df) > 20


def scenario_line(at: AppTest) -> list[float]:
    """The tracker chart's scenario trace as sent (Plotly writes arrays as base64 ``bdata``)."""
    spec = live.payload(at)["figure"]
    y = next(t for t in spec["data"] if t.get("name", "").startswith("Scenario"))["y"]
    if isinstance(y, dict):
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
    return y


def test_chart_drawn_before_the_controls_matches_a_fresh_page():
    """After a move the tracker draws its chart from the session's values before redrawing the
    controls. Whatever the order, the chart must be the one a fresh page with the same settings
    draws: 5% a year by hand, then Kazakhstan's statistics (base 2024: $30.1 bn), then a 3x
    target; each compared with a new session opened on the same link. The first visit, drawn
    from the defaults, is compared with a link that states one of them. (Switching to Kazakhstan's
    statistics, one year shorter, used to reset the target year to 2025: the slider's range
    followed the basis. The fresh page keeps 2030, so this comparison catches that too.)"""
    at = own_target_app().run()
    # A first visit with nothing in the link draws the chart from the defaults, before the
    # widgets; a link naming a setting takes the ordinary path. Same chart.
    explicit = own_target_app()
    explicit.query_params["multiple"] = "2.0"
    explicit.run()
    assert scenario_line(at) == pytest.approx(scenario_line(explicit), rel=1e-12)
    assert kpis(at) == kpis(explicit)
    steps = [
        (lambda: live.commit(at, growth=5.0), {"preset": "Custom", "growth": "5.0"}),
        (lambda: at.selectbox(key="basis").set_value("KAZ"),
         {"basis": "Kazakhstan statistics (BNS)"}),
        (lambda: live.commit(at, multiple=3.0), {"multiple": "3.0"}),
    ]  # fmt: skip
    params: dict[str, str] = {}
    for move, changed in steps:
        move()
        at.run()
        assert not at.exception
        params |= changed
        fresh = own_target_app()
        for k, v in params.items():
            fresh.query_params[k] = v
        fresh.run()
        assert not fresh.exception and not fresh.info, "the link's settings were all accepted"
        assert scenario_line(at) == pytest.approx(scenario_line(fresh), rel=1e-12)
        assert kpis(at) == kpis(fresh)
    # 3 x $30.1 bn = $90.3 bn, still by 2030.
    assert kpis(at)["Your own target (hypothetical, 3× 2024)"] == "$90.3 bn"
    assert "Required growth to 2030" in kpis(at)


def test_share_link_reopens_the_same_view():
    """The "Copy link" popover builds its link when opened; that link, opened in a new session,
    gives the same KPIs: custom 7.5% a year to a 2.5x target by 2034 on Kazakhstan's figures."""
    at = own_target_app().run()
    assert not at.code, "the link is not built while the popover is closed"
    at.selectbox(key="basis").set_value("KAZ").run()
    live.commit(at, multiple=2.5)
    live.commit(at, target_year=2034)
    live.commit(at, growth=7.5)
    at.session_state["share_link"] = True
    at.run()
    url = at.code[0].value
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["multiple"] == "2.5" and query["target_year"] == "2034"
    assert query["preset"] == "Custom" and query["growth"] == "7.5"
    fresh = own_target_app()
    for k, v in query.items():
        fresh.query_params[k] = v
    fresh.run()
    assert not fresh.exception and not fresh.info
    assert kpis(fresh) == kpis(at)
    assert (
        kpis(fresh)["Your own target (hypothetical, 2.5× 2024)"] == "$75.2 bn"
    )  # 2.5 x 30.1 = 75.25


def test_a_linked_base_year_must_be_one_of_the_linked_basis_years():
    """China's statistics have no 2020 figure (Kazakhstan's do): on China's basis a link's
    base_year=2020 is dropped with a notice naming it, and the page opens on 2024; with
    Kazakhstan's basis in the same link it is accepted (target 2 x 2020's figure)."""
    at = own_target_app()
    at.query_params["base_year"] = "2020"
    at.run()
    assert not at.exception
    assert at.info and "base_year" in at.info[0].value
    assert "Your own target (hypothetical, 2× 2024)" in kpis(at)

    kaz = own_target_app()
    kaz.query_params["basis"] = "Kazakhstan statistics (BNS)"
    kaz.query_params["base_year"] = "2020"
    kaz.run()
    assert not kaz.exception and not kaz.info
    assert "Your own target (hypothetical, 2× 2020)" in kpis(kaz)


def test_a_hand_move_of_the_growth_slider_makes_the_scenario_custom():
    """Moving the growth slider while a preset is chosen switches the preset to Custom (its
    callback reruns the choices, where the preset selector is, with the output); later moves
    keep it Custom. Which fragments a move reruns is checked in the browser, where only the
    WebSocket shows it (AppTest reruns the whole page on a plain widget change).

    Numbers: custom 7.0% from $48.7 bn (2025): 1.07 ** n >= 87.64 / 48.7 = 1.7996 ->
    n >= 8.69 -> 2034; 8.0%: 1.08 ** n >= 1.7996 -> n >= 7.64 -> 2033.
    """
    at = own_target_app().run()
    assert at.selectbox(key="preset").value == "recent"
    live.commit(at, growth=7.0)
    assert not at.exception
    assert at.selectbox(key="preset").value == "custom", "the selector shows the switch"
    assert kpis(at)["Scenario reaches target"] == "2034"
    live.commit(at, growth=8.0)
    assert at.selectbox(key="preset").value == "custom"
    assert kpis(at)["Scenario reaches target"] == "2033"
