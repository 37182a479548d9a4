"""Refresh from UN Comtrade against a real slow server, in a real browser: progress, Cancel.

Issue #13, finding 6: a server sending one byte a second kept the page's refresh running for
minutes. Only a browser can click Cancel while a run is in progress (AppTest waits for the run to
end), so this starts its own app server whose Comtrade address is a SlowServer.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.ingest.comtrade.client import API_KEY_ENV, BASE_URL_ENV
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
from dashboard.ingest.store import LocalStore
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import open_app, operator_server_args, sign_in_as_operator
from tests.support.comtrade_fakes import SlowServer, load
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_app(tmp_path: Path):
    """The app with UN Comtrade at a server that sends its data answers at 1 byte/s."""
    lists = {REPORTERS_PATH: load("reporters.json"), PARTNERS_PATH: load("partnerAreas.json")}
    body = json.dumps(load("preview_chn_kaz_2023.json")).encode()
    store = tmp_path / "store"
    # Refreshing writes the shared store: the operator's, signed in with the server's token.
    with SlowServer(body, interval=1.0, fast=lists) as slow:
        env = {BASE_URL_ENV: slow.url, API_KEY_ENV: "", "TRADE_DASHBOARD_DATA_DIR": str(store)}
        proc, url, log = start_streamlit(
            ROOT / "dashboard" / "app" / "server.py", env=env, extra=operator_server_args(tmp_path)
        )
        try:
            yield url, store, slow
        finally:
            stop(proc)
            log.unlink(missing_ok=True)


def test_cancel_stops_the_refresh_and_leaves_the_store_unchanged(page, slow_app):
    """The default years (2010 to last year) for both directions: 2 x 16 = 32 data calls in
    2026, the first one answering 1 byte/s (about 2,100 s for the whole answer). The page shows
    the progress and a Cancel button; Cancel ends the refresh, the page says nothing was
    stored, and no store file exists."""
    url, store, slow = slow_app
    calls = 2 * (date.today().year - 1 - 2010 + 1)
    open_app(page, f"{url}/data")
    sign_in_as_operator(page)
    page.get_by_role("button", name="Refresh from UN Comtrade").click()
    expect(page.get_by_text(f"0 of {calls} requests")).to_be_visible()
    cancel = page.get_by_role("button", name="Cancel")
    expect(cancel).to_be_visible()
    for _ in range(100):  # the first data call reaches the server after the reference lists
        if slow.data_requests:
            break
        time.sleep(0.1)
    assert slow.data_requests == 1
    cancel.click()
    stopped = page.get_by_test_id("stAlertContentWarning")
    expect(stopped).to_contain_text("The refresh was stopped before it finished", timeout=10_000)
    expect(stopped).to_contain_text("Nothing was stored")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert not LocalStore(store).exists()
    assert slow.data_requests == 1  # cancelled, not retried
