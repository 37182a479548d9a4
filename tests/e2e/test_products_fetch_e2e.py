"""What is traded, fetched from the page in a real browser (issue #16): the products page's empty
state (axe-clean at desktop and phone width), the operator's fetch of Argentina–Brazil's HS
chapters from a stand-in UN Comtrade server ending on the chart, and Cancel mid-way storing
nothing. The lists and values served are synthetic test data; only their shape is Comtrade's.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug import Request, Response

from dashboard.ingest.store import LocalStore
from tests.e2e.helpers import (
    expect_no_exception,
    open_app,
    sign_in_as_operator,
    wait_for_app_run,
)
from tests.e2e.test_accessibility_e2e import violations
from tests.e2e.test_pair_fetch_e2e import ARG, BRA, LAST, SINCE, comtrade_app
from tests.support.comtrade_fakes import chapter_records

pytestmark = pytest.mark.e2e

#: Argentina's chapters every year: exports 87 = 3e9, 84 = 1.5e9; imports 27 = 2e9.
#: Brazil's: exports 84 = 2e9; imports 87 = 1e9.
CHAPTERS = {
    32: {("X", "87"): 3e9, ("X", "84"): 1.5e9, ("M", "27"): 2e9},
    76: {("X", "84"): 2e9, ("M", "87"): 1e9},
}


class StandIn:
    """AG2 answers for Argentina and Brazil; Brazil–World chapters hang until released (the
    cancel test), and ``hanging`` counts those requests."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hanging = 0

    def __call__(self, request: Request) -> Response:
        rc, pc = int(request.args["reporterCode"]), int(request.args["partnerCode"])
        recs: list[dict] = []
        if pc == 0:  # Brazil–World
            self.hanging += 1
            self.release.wait(30)
        elif request.args["cmdCode"] == "AG2":
            rep, par = (BRA, ARG) if rc == 76 else (ARG, BRA)
            for p in request.args["period"].split(","):
                recs += chapter_records(int(p), CHAPTERS[rc], rep, par)
        body = {"elapsedTime": "0", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture(scope="module")
def products_app(tmp_path_factory: pytest.TempPathFactory):
    stand_in = StandIn()
    # A request held by the Cancel test must be released before the stand-in server stops.
    with comtrade_app(
        tmp_path_factory.mktemp("products-app"),
        stand_in,
        hs_missing=True,
        before_stop=stand_in.release.set,
    ) as (url, store):
        yield url, store, stand_in


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_fetch_what_is_traded_from_the_empty_state_and_see_the_chart(page: Page, products_app):
    """Argentina–Brazil has no figures at all: the years are chosen (SINCE to last year, 3) on
    both sides: 6 chapters requests. Afterwards the page leads with Argentina's exports in the
    latest year: 87 = 3e9 of the chapters' 4.5e9 (no reported total) = 66.7%."""
    url, store, _stand_in = products_app
    open_app(page, f"{url}/products?pair=ARG-BRA")
    expect(page.get_by_text("There is no product data for Argentina – Brazil yet")).to_be_visible()
    expect(page.get_by_text("6 requests for HS chapters", exact=False)).to_be_visible()
    sign_in_as_operator(page, gate="fetch_products")
    page.get_by_role("button", name="Fetch what is traded").click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    expect_no_exception(page)
    expect(page.get_by_text("There is no product data")).to_have_count(0)
    lead = f"In {LAST} Argentina's exports to Brazil were led by 87 "
    expect(page.get_by_text(lead, exact=False)).to_be_visible()
    expect(page.get_by_text("66.7% of the $4.5 bn total", exact=False)).to_be_visible()
    rows = LocalStore(store).read_products()
    assert set(rows["reporter"]) == {"ARG", "BRA"} and len(rows) == 3 * (3 + 2)
    assert sorted(set(rows["year"])) == list(range(SINCE, LAST + 1))


def test_cancel_mid_way_stores_nothing(page: Page, products_app):
    """Brazil–World, 3 years: the first chapters request hangs; Cancel stops the fetch, the page
    says nothing was stored, and every file of the store is unchanged."""
    url, store, stand_in = products_app
    open_app(page, f"{url}/products?pair=BRA-W00")
    sign_in_as_operator(page, gate="fetch_products")
    before = _files(store)
    page.get_by_role("button", name="Fetch what is traded").click()
    expect(page.get_by_text("0 of 3 requests")).to_be_visible()
    for _ in range(100):  # the first data call reaches the server after the reference lists
        if stand_in.hanging:
            break
        time.sleep(0.1)
    assert stand_in.hanging == 1
    page.get_by_role("button", name="Cancel").click()
    stopped = page.get_by_test_id("stAlertContentWarning")
    expect(stopped).to_contain_text("The fetch was stopped before it finished", timeout=10_000)
    expect(stopped).to_contain_text("Nothing was stored")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect_no_exception(page)
    assert stand_in.hanging == 1  # cancelled, not retried
    assert _files(store) == before


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_the_products_empty_state_is_accessible(browser, products_app, width):
    url, _store, _stand_in = products_app
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_app(page, f"{url}/products?pair=BRA-W00")
        expect_no_exception(page)
        expect(page.get_by_text("Fetch what is traded from UN Comtrade")).to_be_visible()
        assert violations(page) == []
    finally:
        context.close()
