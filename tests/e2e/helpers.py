"""Waiting the way Streamlit's own e2e tests do: on the app's script state, never fixed sleeps.

Also small readers for what a user sees (KPIs, a chart's drawn data) and drivers for the widgets
the journeys use (sliders by keyboard, selectboxes by option label).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

#: Sliders and text inputs debounce before they send a rerun; Streamlit's e2e waits this long too.
DEBOUNCE_MS = 210
#: Streamlit's own e2e tests give a run this long (a cold first run on a busy 2-core machine).
APP_TIMEOUT_MS = 25_000
#: The tracker's chart, drawn by the live scenario component (either view).
TRACKER_CHART = "tracker_chart"
#: Chart "keys" that name the live component's chart (the tracker's two views).
_LIVE_CHARTS = {TRACKER_CHART, "probability_chart"}
_LIVE_CHART = ".st-key-live_scenario .tdl-chart.js-plotly-plot"
#: The live component waits this long after a release before it commits (live_scenario.js).
COMMIT_MS = 250

# Plotly keeps the decoded arrays in ``_fullData``; ``gd.data`` keeps plotly.py's base64
# typed-array form, so reading ``data`` would compare encodings, not numbers.
_TRACES_JS = """([sel]) => {
    const gd = document.querySelector(sel);
    if (!gd || !gd._fullData) return null;
    return gd._fullData.map(t => ({
        name: t.name || '',
        x: t.x ? Array.from(t.x) : [],
        y: t.y ? Array.from(t.y) : [],
    }));
}"""


#: Records, every animation frame, the scenario line as drawn on screen (its SVG path), into
#: ``window.__states``: what was presented, whichever of Plotly's draw paths drew it.
RECORD_DRAWN_STATES_JS = """() => {
    const gd = document.querySelector('.tdl-chart');
    window.__states = [];
    const sample = () => {
        const t = (gd._fullData || []).find((d) => d.meta === 'scenario');
        const line = t && gd.querySelector(`.scatterlayer .trace${t.uid} .js-line`);
        if (line) window.__states.push(line.getAttribute('d'));
        window.__recording = requestAnimationFrame(sample);
    };
    sample();
}"""


def wait_for_app_run(page: Page, initial_wait_ms: int = DEBOUNCE_MS) -> None:
    """Wait until the app is connected, the script has finished and no skeleton is left."""
    if initial_wait_ms:
        page.wait_for_timeout(initial_wait_ms)
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=APP_TIMEOUT_MS
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=APP_TIMEOUT_MS
    )
    # A fragment's elements can still be skeletons for a moment after the script state says
    # notRunning (seen on the tracker's first load): wait them out like Streamlit's e2e does.
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=APP_TIMEOUT_MS)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid='stAppViewContainer']").wait_for(state="attached")
    wait_for_app_run(page, initial_wait_ms=0)
    wait_for_live_chart(page)


def wait_for_live_chart(page: Page) -> None:
    """If the page has the live scenario component, wait until its script has run and Plotly
    (loaded by URL, after the app's run) has drawn its chart."""
    if page.locator(".st-key-live_scenario").count():
        page.locator(".st-key-live_scenario .tdl-chart .main-svg").first.wait_for(
            state="attached", timeout=APP_TIMEOUT_MS
        )


def expect_no_exception(page: Page) -> None:
    """No Python traceback element and no error box on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def by_key(page: Page, key: str) -> Locator:
    """The element with Streamlit `key=...` (rendered as CSS class `st-key-<key>`)."""
    return page.locator(f".st-key-{key}")


def metric_value(page: Page, label_start: str) -> str:
    """The value of the first KPI card (the live component's) whose label starts so."""
    return metric(page, label_start).locator(".tdl-card-value").inner_text()


def metric(page: Page, label_start: str) -> Locator:
    """The first live KPI card whose label starts with ``label_start``."""
    label = page.locator(".tdl-card-label").filter(
        has_text=re.compile("^" + re.escape(label_start))
    )
    return page.locator(".tdl-card").filter(has=label).first


def kpis(page: Page) -> dict[str, str]:
    """Every KPI card on the page as {label: value}."""
    out = {}
    for m in page.locator(".tdl-card").all():
        label = m.locator(".tdl-card-label").inner_text().strip()
        out[label] = m.locator(".tdl-card-value").inner_text().strip()
    return out


def live_slider(page: Page, name: str) -> Locator:
    """The live component's range input ``name`` (growth, multiple, target_year, ...)."""
    return page.locator(f".tdl-control input[data-name={name}]")


def chart_selector(chart_key: str = TRACKER_CHART) -> str:
    if chart_key in _LIVE_CHARTS:
        return _LIVE_CHART
    return f".st-key-{chart_key} .js-plotly-plot"


def chart_traces(page: Page, chart_key: str = TRACKER_CHART) -> list[dict[str, Any]] | None:
    """The drawn traces of a keyed Plotly chart: [{name, x, y}], or None if not drawn yet.

    The live chart is read once it has settled: while a slider moves it redraws only the
    traces' numbers, and the names (legend) follow in the full redraw just after.
    """
    if chart_key in _LIVE_CHARTS:
        page.wait_for_function("() => !document.querySelector('.tdl-root[data-settling]')")
    return page.evaluate(_TRACES_JS, [chart_selector(chart_key)])


def chart_trace_y(page: Page, name_start: str, chart_key: str = TRACKER_CHART) -> list[float]:
    """The y values of the first trace whose name starts with ``name_start`` (None if absent)."""
    trace = chart_trace(page, name_start, chart_key)
    return None if trace is None else trace["y"]


def chart_trace(page: Page, name_start: str, chart_key: str = TRACKER_CHART) -> dict | None:
    for trace in chart_traces(page, chart_key) or []:
        if trace["name"].startswith(name_start):
            return trace
    return None


def wait_for_trace_name(page: Page, name: str, chart_key: str = TRACKER_CHART) -> None:
    """Wait until the chart has drawn a trace called exactly ``name`` (auto-retrying, no sleep)."""
    page.wait_for_function(
        """([sel, name]) => {
            const gd = document.querySelector(sel);
            return !!(gd && gd._fullData && gd._fullData.some(t => t.name === name));
        }""",
        arg=[chart_selector(chart_key), name],
    )


class SentElements:
    """Records which elements the server sends, from the page's WebSocket frames.

    What a rerun resends is invisible on the page (unchanged elements look the same), so tests
    of a rerun's scope decode the frames themselves (Streamlit's ``ForwardMsg`` protobuf).
    """

    def __init__(self, page: Page) -> None:
        self.frames: list[bytes] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._record))

    def _record(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            self.frames.append(payload)

    def clear(self) -> None:
        self.frames.clear()

    def sent(self) -> tuple[set[str], set[str]]:
        """(element types, widget keys) in the deltas received since the last ``clear``."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        types, keys = set(), set()
        for payload in self.frames:
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") != "delta" or not msg.delta.HasField("new_element"):
                continue
            kind = msg.delta.new_element.WhichOneof("type")
            types.add(kind)
            widget_id = getattr(getattr(msg.delta.new_element, kind), "id", "")
            if widget_id:
                keys.add(widget_id.rsplit("-", 1)[-1])  # "$$ID-<hash>-<key>"
        return types, keys


def press_slider(page: Page, key: str, arrow: str, times: int) -> None:
    """Move the slider ``key`` by ``times`` steps with the keyboard, then wait for the run: the
    live component's range input of that name if there is one, else the keyed st.slider."""
    live = live_slider(page, key)
    slider = live if live.count() else by_key(page, key).get_by_role("slider")
    slider.focus()
    for _ in range(times):
        page.keyboard.press(arrow)
    wait_for_app_run(page, initial_wait_ms=COMMIT_MS + DEBOUNCE_MS if live.count() else DEBOUNCE_MS)


def selectbox_options(page: Page, key: str) -> list[str]:
    """The option labels of the selectbox with ``key`` (opens and closes its list)."""
    by_key(page, key).locator("input").click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    page.keyboard.press("Escape")
    return labels


def choose_option(page: Page, key: str, label: str) -> None:
    """Pick ``label`` in the selectbox with ``key`` and wait for the rerun.

    A click that lands while the chart above is still settling can focus the box without
    opening its list; the arrow key opens it then.
    """
    by_key(page, key).locator("input").click()
    option = page.get_by_role("option", name=label, exact=True)
    try:
        option.wait_for(state="visible", timeout=2000)
    except PlaywrightTimeoutError:
        page.keyboard.press("ArrowDown")
    option.click()
    wait_for_app_run(page)


def download(page: Page, key: str, folder: Path) -> Path:
    """Click download button ``key`` (e.g. ``download_tracker_csv``) and save the file.

    The buttons live in a "Download ..." menu whose content is built when it opens (a rerun),
    so the menu ``<prefix>_menu`` is opened first unless it already is.
    """
    button = by_key(page, key).locator("button")
    if not button.is_visible():
        by_key(page, key.rsplit("_", 1)[0] + "_menu").locator("button").first.click()
        wait_for_app_run(page)
        expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


#: The admin token the operator's e2e servers are started with.
OPERATOR_TOKEN = "e2e-operator-token"


def operator_server_args(folder: Path) -> list[str]:
    """``streamlit run`` flags for a server whose secrets hold :data:`OPERATOR_TOKEN` (writing
    the shared store from the web is the operator's)."""
    secrets = folder / "secrets.toml"
    secrets.write_text(f'admin_token = "{OPERATOR_TOKEN}"\n', encoding="utf-8")
    return [f"--secrets.files={secrets}"]


def sign_in_as_operator(page: Page, gate: str = "refresh") -> None:
    """Enter the operator's token in the data page's ``gate`` box (``refresh`` or ``save``)."""
    token = by_key(page, f"operator_token_{gate}").locator("input")
    token.fill(OPERATOR_TOKEN)
    token.press("Enter")
    wait_for_app_run(page)
