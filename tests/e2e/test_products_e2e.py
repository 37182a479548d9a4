"""The "What is traded" page in Chromium on a store holding product rows: charts drawn, axe-clean.

The store is written through ``LocalStore.upsert_products`` before the server starts, as a
fetch would leave it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, start_streamlit, stop
from tests.e2e.helpers import expect_no_exception, open_app
from tests.e2e.test_accessibility_e2e import violations
from tests.support.products import chn_kaz_rows, write_products

pytestmark = pytest.mark.e2e
SCRIPT = ROOT / "dashboard" / "app" / "server.py"


@pytest.fixture(scope="module")
def products_url(tmp_path_factory):
    store = tmp_path_factory.mktemp("products-store")
    write_products(store, chn_kaz_rows())
    proc, url, log = start_streamlit(SCRIPT, env={"TRADE_DASHBOARD_DATA_DIR": str(store)})
    yield url
    stop(proc)
    log.unlink(missing_ok=True)


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_products_page_draws_its_charts_and_passes_axe(browser, products_url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_app(page, f"{products_url}/products?year=2023")
        expect_no_exception(page)
        expect(
            page.get_by_text("In 2023 China's exports to Kazakhstan were led by")
        ).to_be_visible()
        charts = page.get_by_test_id("stPlotlyChart")
        expect(charts).to_have_count(4)
        expect(page.locator(".js-plotly-plot")).to_have_count(4)
        expect(page.locator(".js-plotly-plot").first.get_by_text("Not allocated")).to_be_visible()
        assert violations(page) == []
    finally:
        context.close()
