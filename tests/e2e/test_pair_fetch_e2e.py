"""Any pair, in a real browser (issue #16): pick Brazil and Argentina from the searchable lists,
see the empty state (axe-clean at desktop and phone width), fetch from a stand-in UN Comtrade
server and see the pair drawn. The lists and values served are synthetic test data."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dashboard.ingest.comtrade.client import API_KEY_ENV, BASE_URL_ENV, PREVIEW_PATH
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
from dashboard.ingest.comtrade.hs import HS_PATH
from dashboard.ingest.store import LocalStore
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import (
    by_key,
    expect_no_exception,
    open_app,
    operator_server_args,
    selectbox_options,
    sign_in_as_operator,
    wait_for_app_run,
)
from tests.e2e.test_accessibility_e2e import violations
from tests.support.comtrade_fakes import load, records_for
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

BRA, ARG = ("BRA", 76, "Brazil"), ("ARG", 32, "Argentina")
LAST = date.today().year - 1
#: Both listed from three years before last year, so the default fetch is short: 3 years x 2.
SINCE = LAST - 2


def _lists() -> tuple[dict, dict]:
    reporters, partners = load("reporters.json"), load("partnerAreas.json")
    for iso, code, name in (BRA, ARG):
        since = f"{SINCE}-01-01T00:00:00"
        reporters["results"].append({"id": str(code), "text": name, "reporterCode": code,
                                     "reporterCodeIsoAlpha3": iso, "entryEffectiveDate": since,
                                     "isGroup": False})  # fmt: skip
        partners["results"].append({"id": str(code), "text": name, "PartnerCode": code,
                                    "PartnerCodeIsoAlpha3": iso, "entryEffectiveDate": since,
                                    "isGroup": False})  # fmt: skip
    return reporters, partners


def _data(request: Request) -> Response:
    """Brazil reports exports 10e9 + y - SINCE and imports 5e9; Argentina 4e9 and 6e9."""
    rc = int(request.args["reporterCode"])
    y = int(request.args["period"])
    rep, par = (BRA, ARG) if rc == 76 else (ARG, BRA)
    values = (10e9 + (y - SINCE) * 1e9, 5e9) if rc == 76 else (4e9, 6e9)
    recs = records_for(y, *values, rep, par)
    body = {"elapsedTime": "0", "count": len(recs), "data": recs, "error": ""}
    return Response(json.dumps(body), content_type="application/json")


@contextlib.contextmanager
def comtrade_app(
    tmp_path: Path,
    data: Callable[[Request], Response],
    *,
    hs_missing: bool = False,
    before_stop: Callable[[], None] = lambda: None,
) -> Iterator[tuple[str, Path]]:
    """The dashboard (operator sign-in enabled, an empty store under ``tmp_path``) against a
    stand-in UN Comtrade: the reference lists with Brazil and Argentina, ``data`` answering the
    data calls and, with ``hs_missing``, the HS list answering 404. Yields (url, store);
    ``before_stop`` runs first when it ends (e.g. to release a request the stand-in holds)."""
    server = HTTPServer(threaded=True)
    server.start()
    reporters, partners = _lists()
    server.expect_request(REPORTERS_PATH).respond_with_json(reporters)
    server.expect_request(PARTNERS_PATH).respond_with_json(partners)
    if hs_missing:
        server.expect_request(HS_PATH).respond_with_data("not here", status=404)
    server.expect_request(PREVIEW_PATH).respond_with_handler(data)
    store = tmp_path / "store"
    env = {BASE_URL_ENV: server.url_for("").rstrip("/"), API_KEY_ENV: "",
           "TRADE_DASHBOARD_DATA_DIR": str(store)}  # fmt: skip
    proc, url, log = start_streamlit(
        ROOT / "dashboard" / "app" / "server.py", env=env, extra=operator_server_args(tmp_path)
    )
    try:
        yield url, store
    finally:
        before_stop()
        stop(proc)
        server.stop()
        log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def pair_app(tmp_path_factory: pytest.TempPathFactory):
    with comtrade_app(tmp_path_factory.mktemp("pair-app"), _data) as running:
        yield running


def search_and_pick(page: Page, key: str, typed: str, option: str) -> None:
    """Type into the searchable selectbox ``key`` and pick ``option`` from what is left."""
    box = by_key(page, key).locator("input")
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app_run(page)


def test_pick_any_pair_fetch_it_and_see_it_drawn(page, pair_app):
    url, store = pair_app
    open_app(page, url)
    search_and_pick(page, "pair_country", "Braz", "Brazil")
    search_and_pick(page, "pair_partner", "Argen", "Argentina")
    expect(page).to_have_url(re.compile(r"[?&]pair=ARG-BRA\b"))
    expect(page.get_by_text("There are no figures for Argentina – Brazil yet")).to_be_visible()
    expect(page.get_by_text("6 requests", exact=False)).to_be_visible()
    sign_in_as_operator(page, gate="fetch_tracker")
    page.get_by_role("button", name="Fetch from UN Comtrade").click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    expect_no_exception(page)
    expect(page.get_by_text("There are no figures")).to_have_count(0)
    stored = LocalStore(store).read()
    assert set(stored["reporter"]) == {"ARG", "BRA"}, stored
    # The pair stays in the selector, now marked as stored.
    assert "Argentina · figures stored" in selectbox_options(page, "pair_partner")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["", "mirror", "data"], ids=["tracker", "mirror", "data"])
def test_the_empty_state_is_accessible(browser, pair_app, path, width):
    url, _store = pair_app
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_app(page, f"{url}/{path}?pair=BRA-W00")
        expect_no_exception(page)
        expect(page.get_by_text("There are no figures for Brazil – World yet")).to_be_visible()
        assert violations(page) == []
    finally:
        context.close()
