"""Waiting the way Streamlit's own e2e tests do: on the app's script state, never fixed sleeps."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

#: Sliders and text inputs debounce before they send a rerun; Streamlit's e2e waits this long too.
DEBOUNCE_MS = 210


def wait_for_app_run(page: Page, initial_wait_ms: int = DEBOUNCE_MS) -> None:
    """Wait until the app is connected, the script has finished and no skeleton is left."""
    if initial_wait_ms:
        page.wait_for_timeout(initial_wait_ms)
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached"
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached"
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid='stAppViewContainer']").wait_for(state="attached")
    wait_for_app_run(page, initial_wait_ms=0)


def by_key(page: Page, key: str) -> Locator:
    """The element with Streamlit `key=...` (rendered as CSS class `st-key-<key>`)."""
    return page.locator(f".st-key-{key}")


def metric_value(page: Page, label_start: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label_start).first
    return metric.get_by_test_id("stMetricValue").inner_text()


def chart_trace_y(page: Page, name_start: str) -> list[float]:
    """The y values of the first Plotly trace whose name starts with ``name_start``."""
    return page.evaluate(
        """(prefix) => {
            const gd = document.querySelector('.js-plotly-plot');
            // _fullData holds decoded arrays; gd.data keeps Plotly's base64 typed-array form.
            const t = gd._fullData.find(d => (d.name || '').startsWith(prefix));
            if (!t) return null;
            return Array.from(t.y);
        }""",
        name_start,
    )
