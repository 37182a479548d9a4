"""The live scenario component in Chromium: it follows the hand and hands the value back.

Runs the component alone (``tests/support/live_demo``, China–Kazakhstan on China's figures) so a
failure here points at the component, not at the tracker around it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from dashboard.analysis.outlook import assess
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import RECORD_DRAWN_STATES_JS, open_app, wait_for_app_run
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    proc, url, log = start_streamlit(ROOT / "tests" / "support" / "live_demo" / "server.py")
    yield url
    stop(proc)
    log.unlink(missing_ok=True)


def _open(page: Page, url: str) -> None:
    open_app(page, url)
    page.locator(".tdl-chart .main-svg").first.wait_for(state="attached", timeout=30_000)


def _card(page: Page, label: str) -> str:
    card = page.locator(".tdl-card", has=page.locator(".tdl-card-label", has_text=label))
    return card.locator(".tdl-card-value").inner_text()


def test_plotly_is_loaded_once_from_the_server(page: Page, demo_url: str) -> None:
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if "plotly" in r.url else None)
    _open(page, demo_url)
    vendor = [u for u in scripts if "/vendor/plotly-" in u]
    assert len(vendor) == 1, scripts
    response = page.request.get(vendor[0])
    assert "immutable" in response.headers["cache-control"]


def test_a_keypress_recomputes_cards_and_chart_in_the_browser(page: Page, demo_url: str) -> None:
    """ArrowRight on growth (5.0% -> 5.1%) moves the scenario reach year and chance as Python says.

    The expected numbers come from dashboard.analysis run here with growth 5.1%, not from the
    component: its card values must equal Python's.
    """
    _open(page, demo_url)
    slider = page.locator("input[data-name=growth]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tdl-control output").nth(2)).to_have_text("5.1%")

    obs = load_observations()
    result = track(
        obs, TrackerInputs(pair=Pair.parse("CHN-KAZ"), reporter="CHN", base_year=2024, growth=0.051)
    )
    outlook = assess(result)
    assert _card(page, "Scenario reaches target") == str(result.year_reached)
    chance = f"{outlook.projection.probability_at_target_year * 100:.0f}%"
    assert _card(page, "Chance of target by 2030") == chance


def test_a_one_second_drag_draws_at_least_20_chart_states(page: Page, demo_url: str) -> None:
    """Mouse down on the growth thumb, move across a third of the track in one second."""
    _open(page, demo_url)
    page.evaluate(RECORD_DRAWN_STATES_JS)
    box = page.locator("input[data-name=growth]").bounding_box()
    assert box is not None
    # Growth runs -20..30 (50 points); 5% sits at 25/50 of the track.
    x0 = box["x"] + box["width"] * 0.5
    y = box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    steps = 60
    for i in range(1, steps + 1):
        page.mouse.move(x0 + box["width"] / 3 * i / steps, y)
        page.wait_for_timeout(1000 / steps)
    page.mouse.up()
    states = page.evaluate("() => window.__states")
    distinct = set(states)
    assert len(distinct) >= 20, f"only {len(distinct)} distinct chart states during the drag"
    # The cards followed: growth is now near 5% + 50/3 points.
    shown = float(page.locator(".tdl-control output").nth(2).inner_text().rstrip("%"))
    assert math.isclose(shown, 5 + 50 / 3, abs_tol=1.5)


# Every line, band and marker of the chart as drawn (the SVG paths of Plotly's trace layer),
# the legend's scenario entry, and whether the full redraw is still to come.
_DRAWN_JS = """async () => {
  // Read in the next animation frame, after Plotly's own frame callbacks: what is painted.
  await new Promise((r) => requestAnimationFrame(r));
  return {
    paths: [...document.querySelectorAll('.tdl-chart .scatterlayer path')]
        .map((p) => p.getAttribute('d')).sort(),
    legend: [...document.querySelectorAll('.tdl-chart .legendtext')]
        .map((t) => t.textContent).find((t) => t.startsWith('Scenario')),
    settling: document.querySelector('.tdl-root').hasAttribute('data-settling'),
    growth: document.querySelectorAll('.tdl-control output')[2].textContent,
  };
}"""


def test_a_move_draws_what_a_full_redraw_draws(page: Page, demo_url: str) -> None:
    """While a slider moves only the traces' numbers are redrawn (Plotly's animate path); the
    legend and hover text wait for the full redraw once the hand pauses. The lines, bands and
    markers drawn fast must be exactly those the full redraw then draws. Presses of 0.1 point
    from 5.0%, fifteen and then until one is read before its full redraw (a press that moves
    the x axis's end, with the year the target is reached, is drawn in full at once)."""
    _open(page, demo_url)
    before = page.evaluate(_DRAWN_JS)
    page.locator("input[data-name=growth]").focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    fast = page.evaluate(_DRAWN_JS)
    for _ in range(10):  # not caught before its full redraw: one more press, read at once
        if fast["settling"]:
            break
        page.keyboard.press("ArrowRight")
        fast = page.evaluate(_DRAWN_JS)
    assert fast["settling"], "every move was read after its full redraw"
    assert before["legend"] == "Scenario: 5.0% a year"
    assert fast["legend"] != f"Scenario: {fast['growth']} a year"  # a move behind
    expect(page.locator(".tdl-root[data-settling]")).to_have_count(0)
    full = page.evaluate(_DRAWN_JS)
    assert full["legend"] == f"Scenario: {fast['growth']} a year"
    assert fast["paths"] != before["paths"]
    assert fast["paths"] == full["paths"]


def test_the_committed_value_reaches_python(page: Page, demo_url: str) -> None:
    """After release, Python's component state holds what the browser shows."""
    _open(page, demo_url)
    page.locator("input[data-name=target_year]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_app_run(page, initial_wait_ms=600)
    committed = page.get_by_test_id("stJson").inner_text()
    text = "".join(committed.split())
    assert '"target_year":2032' in text, committed
    assert _card(page, "Chance of target by 2032")
    json.dumps(text)  # the state is plain JSON
