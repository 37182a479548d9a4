"""The Streamlit app through AppTest: renders, reacts to controls, shows data errors as messages."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import APP

TIMEOUT = 30


@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def kpis(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_tracker_renders_with_defaults():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    k = kpis(at)
    assert k["Latest (2025)"] == "$48.7 bn"
    assert k["Target (2× 2024)"] == "$87.6 bn"
    assert k["Progress"] == "56%"
    assert k["Required growth to 2030"] == "12.5%"
    assert k["Scenario reaches target"] == "2030"
    assert at.get("plotly_chart"), "the tracker chart is on the page"
    assert at.download_button(key="download_tracker_csv").label.startswith("Download")
    assert at.download_button(key="download_probability_csv")
    assert any("Where the target comes from" in m.value for m in at.markdown)


def test_moving_growth_slider_changes_the_year_reached():
    """5% a year from $48.7 bn reaches $87.64 bn after 12.04 years: in 2038.
    Moving the slider by hand switches the preset to custom."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert at.selectbox(key="preset").value == "recent"
    at.slider(key="growth").set_value(5.0).run()
    assert not at.exception
    assert kpis(at)["Scenario reaches target"] == "2038"
    assert at.selectbox(key="preset").value == "custom"


def test_uncertainty_kpis_and_required_preset():
    """Recent trend, estimated sigma 23.07% (10 intervals, 1992-2025): P(2030 >= 87.64) = 53%.
    The 'required' preset puts the median exactly on the target in 2030: 50%."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    k = kpis(at)
    assert k["Chance of target by 2030"] == "53%"
    assert k["50% likely by"] == "2030" and k["90% likely by"] == "2039"
    at.selectbox(key="preset").set_value("required").run()
    k = kpis(at)
    assert k["Chance of target by 2030"] == "50%"
    assert k["Scenario reaches target"] == "2030"
    assert at.slider(key="growth").value == pytest.approx(12.5)


def test_shock_and_volatility_controls():
    """A -30% shock in 2027 delays reaching the target; zero hand-set volatility makes the
    chance 0% or 100% (here 0%: the shocked path is below target in 2030)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.slider(key="shock_size").set_value(-30.0).run()
    assert kpis(at)["Scenario reaches target"] == "2033"
    at.toggle(key="vol_manual").set_value(True).run()
    at.slider(key="volatility").set_value(0.0).run()
    assert not at.exception
    assert kpis(at)["Chance of target by 2030"] == "0%"


def test_bootstrap_method_and_comparison():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.radio(key="method").set_value("bootstrap")
    at.toggle(key="compare").set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    assert any("Closed form" in c.value for c in at.caption)


def test_target_controls_change_target_and_required_growth():
    """Multiple 3 on 2024: 3 x 43.82 = $131.5 bn; by 2035: (131.46/48.7) ** 0.1 - 1 = 10.44%."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.slider(key="multiple").set_value(3.0)
    at.slider(key="target_year").set_value(2035).run()
    k = kpis(at)
    assert k["Target (3× 2024)"] == "$131.5 bn"
    assert k["Required growth to 2035"] == "10.4%"


def test_switching_to_kazakh_statistics():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.selectbox(key="basis").set_value("KAZ").run()
    assert not at.exception
    k = kpis(at)
    assert k["Latest (2024)"] == "$30.1 bn" and k["Target (2× 2024)"] == "$60.2 bn"


def test_url_parameters_set_the_controls():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["multiple"] = "2.5"
    at.query_params["target_year"] = "2032"
    at.run()
    assert not at.exception
    assert "Target (2.5× 2024)" in kpis(at)


def test_broken_data_file_shows_the_problem_not_a_traceback(data_copy):
    path = data_copy / "trade_series.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",high,", ",sure,", 1), encoding="utf-8"
    )
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.error, "an error message is shown"
    text = at.error[0].value
    assert "trade_series.csv, line" in text and "confidence" in text
    assert "git checkout data/" in text


def test_data_page_lists_sources():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/data_sources.py").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert {"source_url", "published", "confidence"} <= set(df.columns)
    assert len(df) > 20
