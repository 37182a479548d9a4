"""The tracker in a real browser: chart drawn, sliders by keyboard, CSV download, URL state."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    COMMIT_MS,
    DEBOUNCE_MS,
    SentElements,
    by_key,
    chart_selector,
    chart_trace,
    chart_trace_y,
    choose_option,
    download,
    live_slider,
    metric_value,
    open_app,
    press_slider,
    wait_for_app_run,
)

pytestmark = pytest.mark.e2e


def test_tracker_draws_its_chart_without_exception(page, app_url):
    open_app(page, app_url)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(chart_selector())).to_have_count(1)  # Plotly drew the tracker chart
    assert metric_value(page, "Latest (2025)") == "$48.7 bn"
    observed = chart_trace_y(page, "Observed")
    assert observed is not None and max(observed) == pytest.approx(48.7)


def test_growth_slider_by_keyboard_moves_scenario_and_kpi(page, app_url):
    open_app(page, app_url)
    before = chart_trace_y(page, "Scenario")
    reached_before = metric_value(page, "Scenario reaches target")
    slider = live_slider(page, "growth")
    slider.focus()
    for _ in range(30):  # 30 x 0.1 pp = 3 pp lower
        page.keyboard.press("ArrowLeft")
    wait_for_app_run(page, initial_wait_ms=COMMIT_MS + DEBOUNCE_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    after = chart_trace_y(page, "Scenario")
    assert after[-1] < before[-1]
    assert metric_value(page, "Scenario reaches target") != reached_before
    assert "growth=" in page.url  # the released slider's value reached the URL
    expect(by_key(page, "preset").locator("input")).to_have_value("Custom")


def test_a_slider_move_resends_only_the_tracker(page, app_url):
    """The tracker's answer and controls are one fragment: a released slider resends them (the
    first hand move of the growth slider also switches the scenario to Custom), never the
    sidebar's pair selector."""
    frames = SentElements(page)
    open_app(page, app_url)
    frames.clear()
    press_slider(page, "growth", "ArrowRight", 1)
    types, keys = frames.sent()
    assert {"basis", "preset", "target", "live_scenario"} <= keys
    assert "bidi_component" in types and not {"pair_country", "pair_partner"} & keys
    expect(by_key(page, "preset").locator("input")).to_have_value("Custom")


def test_downloaded_csv_holds_the_numbers_on_screen(page, app_url, tmp_path):
    open_app(page, app_url)
    path = download(page, "download_tracker_csv", tmp_path)
    assert path.name.startswith("trade-tracker_CHN-KAZ_") and path.suffix == ".csv"
    df = pd.read_csv(io.BytesIO(path.read_bytes()), encoding="utf-8-sig")
    observed = df[df.kind == "observed"].set_index("year")["value_usd"]
    assert observed[2025] == 48.7e9 and observed[2024] == 43.82e9
    target = df[df.kind == "target"]["value_usd"].item()
    assert metric_value(page, "Declared target") == f"${target / 1e9:.1f} bn"


def test_url_parameters_restore_the_view(page, app_url):
    # Bound selectboxes put the option's label in the URL, as a copied link shows it.
    query = urlencode(
        {"target": "own", "basis": "Kazakhstan statistics (BNS)", "multiple": "3.0",
         "target_year": "2035", "growth": "7.5"}
    )  # fmt: skip
    open_app(page, f"{app_url}/?{query}")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert metric_value(page, "Latest (2024)") == "$30.1 bn"
    assert metric_value(page, "Your own target (hypothetical, 3× 2024)") == "$90.3 bn"
    # 7.5% from 30.1: 1.075 ** n >= 3 -> n >= 15.19 -> 2040
    assert metric_value(page, "Scenario reaches target") == "2040"


def test_chance_view_draws_the_probability_chart(page, app_url):
    """The second chart is built when chosen: its curve at 2030 is the KPI's 53% (recent trend,
    estimated volatility), a slider move redraws it while it is shown, and the choice is in
    the address bar. On your own target, 2 × 2024 = $87.6 bn."""
    open_app(page, f"{app_url}/?target=own")
    assert chart_trace(page, "Scenario") is not None  # the trade chart first
    by_key(page, "view").get_by_role("radio", name="Chance of reaching it, by year").click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"view=Chance"))
    page.wait_for_function(  # the component has drawn the chance-by-year figure
        """() => { const gd = document.querySelector('.tdl-chart');
                   return !!(gd && gd._fullData
                             && gd._fullData.some(t => t.meta === 'chance')); }"""
    )
    curve = chart_trace(page, "Closed form", chart_key="probability_chart")
    at_2030 = dict(zip(curve["x"], curve["y"], strict=True))[2030]
    assert f"{at_2030:.0f}%" == metric_value(page, "Chance of target by 2030") == "53%"
    assert chart_trace(page, "Scenario") is None  # the other chart is not built
    live_slider(page, "growth").focus()
    page.keyboard.press("ArrowLeft")  # redrawn in the browser, before any rerun
    after = chart_trace(page, "Closed form", chart_key="probability_chart")
    assert dict(zip(after["x"], after["y"], strict=True))[2030] < at_2030
    wait_for_app_run(page, initial_wait_ms=COMMIT_MS + DEBOUNCE_MS)


def test_opened_target_is_in_the_address_bar_and_a_copied_link_reopens_it(page, app_url, browser):
    """B1: choosing the May 2023 $40 bn-by-2030 target writes target=<id> into the address bar;
    that address opened elsewhere shows the same target, its declared year (no assumption
    slider) and where it comes from."""
    open_app(page, app_url)
    choose_option(page, "target", "$40 bn by 2030 (Tokayev, May 2023)")
    expect(page).to_have_url(re.compile(r"target=chn-kaz-2023-40bn-2030"))
    other = browser.new_page()
    try:
        open_app(other, page.url)
        expect(other.get_by_test_id("stException")).to_have_count(0)
        assert metric_value(other, "Declared target") == "$40.0 bn"
        expect(by_key(other, "target_year")).to_have_count(0)
        expect(other.get_by_text("17 May 2023", exact=False).first).to_be_visible()
    finally:
        other.close()


def test_on_a_phone_the_verdict_and_chart_come_before_the_controls(browser, app_url):
    """At 390 px wide, the verdict sentence and the chart sit above the target selector."""
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        open_app(phone, app_url)
        verdict = by_key(phone, "tracker_verdict").bounding_box()
        chart = phone.locator(chart_selector()).bounding_box()
        control = by_key(phone, "target").bounding_box()
        assert verdict["y"] < chart["y"] < control["y"]
    finally:
        phone.close()
