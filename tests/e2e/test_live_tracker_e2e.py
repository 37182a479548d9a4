"""The tracker's live scenario in Chromium: it follows the hand, Python gets what it shows.

The sliders, cards and chart are one custom component computed in the browser (issue #15). Here:
a drag draws many chart states, a released slider reaches Python (URL, CSV) with the numbers the
browser shows, Back undoes one user step at a time (issue #14), one number format everywhere,
dark mode, and labelled keyboard controls.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from dashboard.charts.plotly_js import PLOTLY_JS, PLOTLY_URL
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import (
    COMMIT_MS,
    DEBOUNCE_MS,
    RECORD_DRAWN_STATES_JS,
    by_key,
    chart_trace,
    choose_option,
    download,
    kpis,
    live_slider,
    metric_value,
    open_app,
    wait_for_app_run,
)
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

#: The default target's label in the selector, and the one the Back test switches to.
DEFAULT_TARGET = "$82 bn: double 2023's trade (Xi and Tokayev, July 2024)"
OTHER_TARGET = "$40 bn by 2030 (Tokayev, May 2023)"


def _released(page: Page) -> None:
    """Wait for the component's commit (debounced after the last change) and Python's run."""
    wait_for_app_run(page, initial_wait_ms=COMMIT_MS + DEBOUNCE_MS + 100)


def _shown(page: Page, name: str) -> str:
    """The value a live slider shows next to its label."""
    return page.locator(f".tdl-control:has(input[data-name={name}]) output").inner_text()


def _query(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_the_page_names_plotly_in_its_head_and_the_browser_loads_it_once(page, app_url):
    """The server adds plotly.js to the HTML head (so it loads while Python runs); the
    component then uses that copy: one request, one script element, the vendored bundle."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/vendor/" in r.url else None)
    open_app(page, app_url)
    html = page.request.get(app_url).text()
    assert html.count(f'<script id="tdl-plotly" defer src="{PLOTLY_URL}"') == 1
    assert requests == [app_url + PLOTLY_URL]
    assert page.locator("script[src*='plotly']").count() == 1
    served = page.request.get(app_url + PLOTLY_URL).body()
    assert served == PLOTLY_JS.read_bytes()


def test_a_one_second_drag_in_the_tracker_draws_at_least_20_chart_states(page, app_url):
    """Mouse down on the growth thumb and move across a third of the track in one second: the
    chart and the cards follow during the drag, before anything is sent to Python."""
    open_app(page, app_url)
    page.evaluate(RECORD_DRAWN_STATES_JS)
    slider = live_slider(page, "growth")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box is not None
    # Growth runs -10..30 (40 points); the recent trend, 13.2%, sits at 23.2/40 of the track.
    x0 = box["x"] + box["width"] * 23.2 / 40
    y = box["y"] + box["height"] / 2
    reached_before = metric_value(page, "Scenario reaches target")
    page.mouse.move(x0, y)
    page.mouse.down()
    steps = 60
    for i in range(1, steps + 1):
        page.mouse.move(x0 - box["width"] / 3 * i / steps, y)
        page.wait_for_timeout(1000 / steps)
    states = page.evaluate("() => window.__states")
    page.mouse.up()
    distinct = set(states)
    assert len(distinct) >= 20, f"only {len(distinct)} distinct chart states during the drag"
    assert metric_value(page, "Scenario reaches target") != reached_before
    _released(page)


def test_after_release_python_the_url_and_the_csv_equal_what_the_browser_shows(
    page, app_url, tmp_path
):
    """Twelve presses down on growth (13.2% -> 12.0%), released: the address bar says
    growth=12 with preset=Custom, and the downloaded CSV's scenario is the drawn line (in US
    dollars, the chart in billions) with the target on the card."""
    open_app(page, app_url)
    live_slider(page, "growth").focus()
    for _ in range(12):
        page.keyboard.press("ArrowDown")
    assert _shown(page, "growth") == "12.0%"
    drawn = chart_trace(page, "Scenario")
    assert drawn["name"] == "Scenario: 12.0% a year"
    _released(page)
    query = _query(page)
    assert query["growth"] == "12" and query["preset"] == "Custom"
    expect(by_key(page, "preset").locator("input")).to_have_value("Custom")
    path = download(page, "download_tracker_csv", tmp_path)
    df = pd.read_csv(io.BytesIO(path.read_bytes()), encoding="utf-8-sig")
    scenario = df[df["kind"] == "scenario"].set_index("year")["value_usd"] / 1e9
    after = chart_trace(page, "Scenario")
    for year, y in zip(after["x"], after["y"], strict=True):
        assert math.isclose(scenario[year], y, rel_tol=1e-9), (year, scenario[year], y)
    target = df[df["kind"] == "target"]["value_usd"].iloc[0]
    assert metric_value(page, "Declared target") == f"${target / 1e9:.1f} bn"
    # The cards drawn by the browser equal Python's after its run (the same numbers).
    # 48.7 × 1.12^4 = 76.6 < 82; 48.7 × 1.12^5 = 85.8 ≥ 82: reached in 2030.
    assert metric_value(page, "Scenario reaches target") == "2030"


def test_back_undoes_one_user_step_at_a_time(page, app_url):
    """Change growth (a history entry), change the target (another), then Back twice: first the
    growth-changed view on the default target, then the page as opened. Derived values (the
    preset's growth, the estimated volatility) never add an entry."""
    open_app(page, app_url)
    start = page.evaluate("history.length")
    assert _query(page) == {}  # nothing derived was written into the address
    live_slider(page, "growth").focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    _released(page)
    assert _query(page) == {"preset": "Custom", "growth": "12.7"}
    choose_option(page, "target", OTHER_TARGET)
    expect(page).to_have_url(re.compile(r"target=chn-kaz-2023-40bn-2030"))
    assert page.evaluate("history.length") == start + 2

    page.go_back()
    wait_for_app_run(page)
    assert _query(page) == {"preset": "Custom", "growth": "12.7"}
    expect(by_key(page, "target").locator("input")).to_have_value(DEFAULT_TARGET)
    expect(page.locator(".tdl-control output").filter(has_text="12.7%")).to_have_count(1)
    assert metric_value(page, "Declared target (2× 2023)") == "$82.0 bn"

    page.go_back()
    wait_for_app_run(page)
    assert _query(page) == {}
    expect(by_key(page, "preset").locator("input")).to_have_value("Recent trend")
    expect(page.locator(".tdl-control output").filter(has_text="13.2%")).to_have_count(1)
    assert chart_trace(page, "Scenario")["name"] == "Scenario: 13.2% a year"


def test_the_chosen_target_survives_a_visit_to_another_page(page, app_url):
    """Choose the $40 bn target, open Mirror statistics from the menu, come back to the tracker
    from the menu: the target is still the $40 bn one (its card and the address say so), not
    the pair's default, whose selector state a run on another page drops."""
    open_app(page, app_url)
    choose_option(page, "target", OTHER_TARGET)
    page.get_by_test_id("stTopNavLink").filter(has_text="Mirror statistics").click()
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text("Mirror statistics")
    page.get_by_test_id("stTopNavLink").filter(has_text="Target tracker").click()
    wait_for_app_run(page)
    expect(by_key(page, "target").locator("input")).to_have_value(OTHER_TARGET)
    assert metric_value(page, "Declared target") == "$40.0 bn"
    expect(page).to_have_url(re.compile(r"target=chn-kaz-2023-40bn-2030"))


def test_one_number_format_in_card_slider_hover_and_sentence(page, app_url):
    """The target $82.0 bn and the growth 13.2% read the same in a card, the slider's value,
    the chart's legend and hover text, and Python's sentence under the chart."""
    open_app(page, app_url)
    assert metric_value(page, "Declared target") == "$82.0 bn"
    target = page.evaluate(
        """() => document.querySelector('.tdl-chart')._fullData.find(t => t.meta === 'target')"""
        """ && (({name, hovertemplate}) => ({name, hovertemplate}))("""
        """document.querySelector('.tdl-chart')._fullData.find(t => t.meta === 'target'))"""
    )
    assert target["name"] == "Declared target: $82.0 bn"
    assert target["hovertemplate"].startswith("Declared target: $82.0 bn")
    assert _shown(page, "growth") == "13.2%" == kpis(page)["Historical growth"]
    assert chart_trace(page, "Scenario")["name"] == "Scenario: 13.2% a year"
    sentence = page.get_by_text(re.compile(r"^Trade reached \$48\.7 bn")).inner_text()
    assert "$82.0 bn" in sentence and "13.2% a year" in sentence


def test_controls_are_labelled_and_announce_their_values(page, app_url):
    """Every range input has a label and an aria-valuetext with its unit; Home/End work."""
    open_app(page, app_url)
    inputs = page.locator(".tdl-control input[type=range]")
    assert inputs.count() >= 4
    for i in range(inputs.count()):
        box = inputs.nth(i)
        name = box.get_attribute("data-name")
        expect(page.get_by_role("slider", name=re.compile(".+")).nth(i)).to_be_attached()
        assert box.get_attribute("aria-valuetext"), name
    growth = page.get_by_role("slider", name="Scenario growth per year")
    growth.focus()
    page.keyboard.press("End")
    assert growth.get_attribute("aria-valuetext") == "30.0%"
    _released(page)


@pytest.fixture(scope="module")
def dark_url() -> Iterator[str]:
    """The app served with a dark theme (the repo's config fixes a light one): light text on a
    dark background, as a deployment that chooses dark would have."""
    proc, url, log = start_streamlit(
        ROOT / "dashboard" / "app" / "server.py",
        extra=["--theme.base=dark", "--theme.textColor=#fafafa"],
    )
    yield url
    stop(proc)
    log.unlink(missing_ok=True)


def test_dark_mode_draws_the_component_in_the_theme_colours(browser, dark_url):
    """In the dark theme the component's cards, slider values and chart text take the theme's
    light text colour (Streamlit's --st-* variables), and the chart is drawn."""
    page = browser.new_page()
    try:
        open_app(page, dark_url)
        light = "rgb(250, 250, 250)"
        for selector in (".tdl-card-value", ".tdl-value", ".tdl-control label"):
            color = page.locator(selector).first.evaluate("e => getComputedStyle(e).color")
            assert color == light, (selector, color)
        tick = page.locator(".tdl-chart .xtick text").first.evaluate(
            "e => getComputedStyle(e).fill"
        )
        assert tick == light, tick
        assert chart_trace(page, "Scenario") is not None
    finally:
        page.close()
