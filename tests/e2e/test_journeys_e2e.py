"""What a user does, in a real browser: every tracker slider by keyboard, the Excel download, a
broken link, every page for every pair, a bad and a good upload.

The numbers are China customs' CHN→KAZ series (data/trade_series.csv): 43.82 bn in 2024 and
48.7 bn in 2025; the recent trend (CAGR 2017–2025) is 13.248% a year. One app server and one
browser serve the whole session (fixtures in conftest.py); each test gets a fresh browser context,
hence a fresh Streamlit session.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    by_key,
    chart_selector,
    chart_trace,
    chart_traces,
    choose_option,
    download,
    expect_no_exception,
    kpis,
    live_slider,
    metric_value,
    open_app,
    press_slider,
    wait_for_app_run,
    wait_for_trace_name,
)

pytestmark = pytest.mark.e2e


# --- small drivers ------------------------------------------------------------------------------


def wait_for_trace_change(page: Page, name_start: str, before: list[float]) -> dict:
    """Wait until the tracker chart's trace ``name_start*`` has drawn y values other than
    ``before``; return the trace. Reads Plotly's ``_fullData``: what is drawn, not a label."""
    page.wait_for_function(
        """([sel, prefix, before]) => {
            const gd = document.querySelector(sel);
            if (!gd || !gd._fullData) return false;
            const t = gd._fullData.find(d => (d.name || '').startsWith(prefix));
            if (!t || !t.y) return false;
            const y = Array.from(t.y);
            return y.length !== before.length || y.some((v, i) => v !== before[i]);
        }""",
        arg=[chart_selector(), name_start, before],
    )
    return chart_trace(page, name_start)


def y_at(trace: dict, year: int) -> float:
    return trace["y"][trace["x"].index(year)]


def open_uncertainty(page: Page) -> None:
    page.get_by_test_id("stExpander").filter(has_text="Uncertainty and shocks").locator(
        "summary"
    ).click()
    expect(by_key(page, "vol_manual")).to_be_visible()


def band_width(page: Page, year: int) -> float:
    """Width of the drawn 10–90% band in ``year``: the named edge minus the unnamed edge drawn
    just before it (Plotly fills ``tonexty`` between the two)."""
    traces = chart_traces(page) or []
    i = next(i for i, t in enumerate(traces) if t["name"].startswith("10–90%"))
    return abs(y_at(traces[i], year) - y_at(traces[i - 1], year))


# --- every tracker slider moves the chart and the KPIs -----------------------------------------


def test_multiple_slider_moves_target_line_and_kpis(page, app_url):
    """Multiple 2.0 -> 3.0 (ten steps of 0.1). Target 3 x 43.82 = 131.46 bn ("$131.5 bn");
    progress 48.7 / 131.46 = 37.0%; required growth (131.46 / 48.7) ** (1/5) - 1 = 21.97%."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    before = chart_trace(page, "Your own target")
    assert before["y"] == pytest.approx([87.64, 87.64])  # 2 x 43.82
    press_slider(page, "multiple", "ArrowRight", 10)
    after = wait_for_trace_change(page, "Your own target", before["y"])
    expect_no_exception(page)
    assert after["name"] == "Your own target (hypothetical): $131.5 bn"
    assert after["y"] == pytest.approx([131.46, 131.46])
    k = kpis(page)
    assert k["Your own target (hypothetical, 3× 2024)"] == "$131.5 bn"
    assert k["Progress"] == "37%"
    assert k["Required growth to 2030"] == "22.0%"
    assert chart_trace(page, "Required")["name"] == "Required: 22.0% a year"


def test_target_year_slider_moves_required_path_and_kpis(page, app_url):
    """Target year 2030 -> 2035 (five steps). Required growth (87.64 / 48.7) ** (1/10) - 1
    = 6.05% a year; the required path now ends in 2035 at the target, 87.64 bn."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    before = chart_trace(page, "Required")
    assert before["x"][-1] == 2030
    press_slider(page, "target_year", "ArrowRight", 5)
    after = wait_for_trace_change(page, "Required", before["y"])
    expect_no_exception(page)
    assert after["name"] == "Required: 6.1% a year"
    assert after["x"][-1] == 2035 and after["y"][-1] == pytest.approx(87.64)
    k = kpis(page)
    assert k["Required growth to 2035"] == "6.1%"
    assert "Chance of target by 2035" in k


def test_growth_slider_moves_scenario_and_kpis(page, app_url):
    """Growth 13.2 -> 10.0% (32 steps of 0.1 down). 48.7 x 1.1^n >= 87.64 needs
    n >= ln(1.7996) / ln(1.1) = 6.16, so 7 years: 2032, where the path is 48.7 x 1.1^7 = 94.90 bn.
    Moving the slider by hand switches the growth scenario to Custom."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    before = chart_trace(page, "Scenario")
    assert before["name"] == "Scenario: 13.2% a year"
    assert metric_value(page, "Scenario reaches target") == "2030"
    press_slider(page, "growth", "ArrowLeft", 32)
    after = wait_for_trace_change(page, "Scenario", before["y"])
    expect_no_exception(page)
    assert after["name"] == "Scenario: 10.0% a year"
    assert y_at(after, 2032) == pytest.approx(94.90, abs=0.01)
    assert kpis(page)["Scenario reaches target"] == "2032"
    expect(by_key(page, "preset").locator("input")).to_have_value("Custom")


def test_shock_slider_moves_scenario_and_kpis(page, app_url):
    """Shock -20% in the default shock year 2027. Without it 48.7 x 1.13248^5 = 90.68 >= 87.64
    (2030). With it the level from 2027 on is 0.8x: 2027 is 48.7 x 1.13248^2 x 0.8 = 49.97 bn
    (62.46 before), 2031 is 48.7 x 1.13248^6 x 0.8 = 82.15 (short), 2032 is 93.03: reached."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    open_uncertainty(page)
    before = chart_trace(page, "Scenario")
    assert y_at(before, 2027) == pytest.approx(62.46, abs=0.01)
    press_slider(page, "shock_size", "ArrowLeft", 20)
    after = wait_for_trace_change(page, "Scenario", before["y"])
    expect_no_exception(page)
    assert y_at(after, 2026) == pytest.approx(y_at(before, 2026))  # before the shock: unchanged
    assert y_at(after, 2027) == pytest.approx(49.97, abs=0.01)
    assert kpis(page)["Scenario reaches target"] == "2032"


def test_volatility_slider_widens_band_and_moves_probability(page, app_url):
    """Volatility by hand: 21.4% estimated; by hand it starts on the 0.5 grid, 21.5%, -> 28.5%
    (14 steps).
    The median path in 2030 is 48.7 x 1.132484^5 = 90.72 bn, just above the 87.64 target, so
    P = Phi(ln(90.72 / 87.64) / (sigma x sqrt(5))) = Phi(0.03451 / (sigma x 2.23607)):
    sigma 21.5% -> Phi(0.0718) = 52.9% = 53%; sigma 28.5% -> Phi(0.0541) = 52.2% = 52%.
    A larger sigma widens the 10–90% band."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    open_uncertainty(page)
    assert metric_value(page, "Chance of target by 2030") == "53%"
    slider = live_slider(page, "volatility")
    expect(slider).to_be_disabled()  # estimated, until the toggle says otherwise
    by_key(page, "vol_manual").locator("label").click()
    wait_for_app_run(page)
    expect(slider).to_be_enabled()
    width_before = band_width(page, 2030)
    before = chart_trace(page, "10–90%")
    press_slider(page, "volatility", "ArrowRight", 14)
    wait_for_trace_change(page, "10–90%", before["y"])
    expect_no_exception(page)
    assert band_width(page, 2030) > width_before
    assert kpis(page)["Chance of target by 2030"] == "52%"


# --- downloads ----------------------------------------------------------------------------------


def test_excel_download_holds_the_csv_numbers_and_an_about_sheet(page, app_url, tmp_path):
    """The Excel button in the CSV's row: its Data sheet has the CSV's rows and numbers
    (observed 2024 = 43.82e9 and 2025 = 48.7e9 US$), and an About sheet explains the file."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    csv_path = download(page, "download_tracker_csv", tmp_path)
    xlsx_path = download(page, "download_tracker_xlsx", tmp_path)
    assert xlsx_path.suffix == ".xlsx" and xlsx_path.stem == csv_path.stem
    csv = pd.read_csv(csv_path, encoding="utf-8-sig")
    book = pd.read_excel(xlsx_path, sheet_name=None, engine="openpyxl")
    assert list(book) == ["Data", "About"]
    data = book["Data"]
    assert list(data.columns) == list(csv.columns)
    assert len(data) == len(csv) > 0
    assert data["year"].tolist() == csv["year"].tolist()
    assert data["kind"].tolist() == csv["kind"].tolist()
    numeric = [c for c in csv.columns if pd.api.types.is_numeric_dtype(csv[c])]
    assert "value_usd" in numeric
    for column in numeric:
        pd.testing.assert_series_equal(
            data[column].astype("float64"), csv[column].astype("float64"), check_names=False
        )
    observed = data[data["kind"] == "observed"].set_index("year")["value_usd"]
    assert observed[2024] == 43.82e9 and observed[2025] == 48.7e9
    about = book["About"].astype(str).to_string()
    assert "Parameters" in about and "Sources" in about


# --- links --------------------------------------------------------------------------------------


def test_garbage_url_shows_a_notice_and_uses_defaults(page, app_url):
    """?target_year=abc&multiple=99&pair=nonsense: each bad value is named in an info notice and
    replaced by its default (China–Kazakhstan, 2x, 2030): target 2 x 43.82 = 87.64 bn."""
    open_app(page, f"{app_url}/?target=own&target_year=abc&multiple=99&pair=nonsense")
    expect_no_exception(page)
    notices = page.get_by_test_id("stAlertContentInfo")
    expect(notices.filter(has_text="pair=nonsense")).to_have_count(1)
    expect(notices.filter(has_text="multiple=99")).to_have_count(1)
    expect(notices.filter(has_text="target_year=abc")).to_have_count(1)
    k = kpis(page)
    assert k["Your own target (hypothetical, 2× 2024)"] == "$87.6 bn"
    assert k["Required growth to 2030"] == "12.5%"
    assert chart_trace(page, "Scenario") is not None  # the chart is drawn
    for bad in ("target_year=abc", "multiple=99", "pair=nonsense"):
        assert bad not in page.url


def test_address_bar_follows_fast_keyboard_moves(page, app_url):
    """Ten quick presses move 'multiple' from 2.0 to 3.0 and the page shows 3x (target
    3 x 43.82 = 131.46 bn); the address bar must say multiple=3 as well, or a link copied from
    it restores another view."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    press_slider(page, "multiple", "ArrowRight", 10)
    wait_for_trace_name(page, "Your own target (hypothetical): $131.5 bn")
    expect(page).to_have_url(re.compile(r"[?&]multiple=3(&|$)"))


def test_address_bar_after_a_move_restores_the_view(page, app_url, browser):
    """Move 'multiple' one step (2.0 -> 2.1) and open the address bar's URL in a new session: the
    same view, target 2.1 x 43.82 = 92.02 bn, growth scenario still "Recent trend" (a URL with a
    growth but no preset would mean a hand-set rate)."""
    open_app(page, f"{app_url}/?target=own")  # your own target: 2 × 2024
    press_slider(page, "multiple", "ArrowRight", 1)
    wait_for_trace_name(page, "Your own target (hypothetical): $92.0 bn")
    expect(page).to_have_url(re.compile(r"[?&]multiple=2.1(&|$)"))
    other = browser.new_context().new_page()
    try:
        open_app(other, page.url)
        expect_no_exception(other)
        assert metric_value(other, "Your own target (hypothetical, 2.1× 2024)") == "$92.0 bn"
        expect(by_key(other, "preset").locator("input")).to_have_value("Recent trend")
    finally:
        other.context.close()


# --- every page, every pair ---------------------------------------------------------------------


def test_every_page_opens_for_every_pair(page, app_url):
    """Each page of the top navigation, for each pair with figures (opened by its link,
    ``?pair=CODE``, as the sidebar's Country and Partner lists write it): no traceback, no error
    box, the page's title shown and every chart on it drawn by Plotly."""
    from dashboard.analysis.series import pairs_with_data
    from dashboard.ingest.snapshot import load_observations

    codes = [p.code for p in pairs_with_data(load_observations())]
    assert "CHN-KAZ" in codes and len(codes) >= 2
    open_app(page, app_url)
    links = page.get_by_test_id("stTopNavLink")
    paths = [urlsplit(links.nth(i).get_attribute("href")).path for i in range(links.count())]
    assert len(set(paths)) >= 2
    for path in paths:
        for code in codes:
            open_app(page, f"{app_url}{path}?pair={code}")
            where = f"page {path} with pair {code}"
            assert page.get_by_test_id("stException").count() == 0, where
            assert page.get_by_test_id("stAlertContentError").count() == 0, where
            expect(page.locator("h1").first).to_be_visible()
            if code != "CHN-KAZ":  # the default is left out of the URL
                expect(page).to_have_url(re.compile(rf"pair={code}\b"))
            # Streamlit's charts, plus the live component's (drawn once Plotly has loaded).
            charts = page.get_by_test_id("stPlotlyChart").count()
            charts += page.locator(".st-key-live_scenario .tdl-chart").count()
            expect(page.locator(".js-plotly-plot"), where).to_have_count(charts)


# --- uploads ------------------------------------------------------------------------------------

BAD_UPLOAD = b"year,value\n2020,abc\n20x1,5\n2022,-3\n"
GOOD_UPLOAD = b"year,value,unit,label\n2020,10,USD billion,Test series\n2024,20,USD billion,\n"


def upload(page: Page, name: str, content: bytes) -> None:
    by_key(page, "upload_file").locator("input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    wait_for_app_run(page)


def test_bad_upload_lists_every_problem_with_its_line(page, app_url):
    """Line 2 has a non-number value, line 3 a non-integer year, line 4 a negative value (the
    header is line 1): three problems, each named with its line, and nothing is loaded."""
    open_app(page, f"{app_url}/data")
    upload(page, "bad.csv", BAD_UPLOAD)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("The file was not loaded: 3 problems to fix.")
    expect(error).to_contain_text("line 2: value 'abc' is not a number")
    expect(error).to_contain_text("line 3: year '20x1' is not a whole number")
    expect(error).to_contain_text("line 4: value is negative")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)


def test_good_upload_becomes_a_basis_in_the_tracker(page, app_url):
    """10 bn in 2020 and 20 bn in 2024 (USD billion): the tracker offers "Your data: Test series";
    on it the latest value is $20.0 bn and the target 2 x 20 = $40.0 bn."""
    open_app(page, f"{app_url}/data")
    upload(page, "mine.csv", GOOD_UPLOAD)
    expect_no_exception(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(1)
    # Navigate inside the app (a new page load would start a new session without the upload).
    page.get_by_test_id("stTopNavLink").first.click()
    # The tracker's first run can start after the data page's "not running" state is seen:
    # wait for its widgets, then for that run to end, before choosing.
    expect(by_key(page, "basis")).to_be_visible()
    wait_for_app_run(page)
    choose_option(page, "basis", "Your data: Test series")
    choose_option(page, "target", "Your own target (hypothetical)")
    expect_no_exception(page)
    k = kpis(page)
    assert k["Latest (2024)"] == "$20.0 bn"
    assert k["Your own target (hypothetical, 2× 2024)"] == "$40.0 bn"
    assert chart_trace(page, "Observed")["y"] == pytest.approx([10.0, 20.0])
