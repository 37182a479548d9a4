"""Upstream text reaches the visitor as plain text: a Markdown image in an error is never fetched.

A real local server plays UN Comtrade answering with an error whose message holds a Markdown
image pointing back at that server, a link and LaTeX; it counts every request. The operator
(token from a secrets file given to the server) presses Refresh in a real Chromium.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from dashboard.ingest.comtrade.client import BASE_URL_ENV, PREVIEW_PATH
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import (
    by_key,
    open_app,
    operator_server_args,
    sign_in_as_operator,
    wait_for_app_run,
)
from tests.support.comtrade_fakes import load
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

# 1x1 transparent PNG: what a tracking pixel would be.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def upstream():
    server = HTTPServer(threaded=True)
    server.start()
    base = server.url_for("").rstrip("/")
    message = (
        f"Bad request ![pixel]({base}/pixel.png) see [the help]({base}/help) "
        f"or {base}/bare and $x^2$ <b>bold</b>"
    )
    server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    server.expect_request(PREVIEW_PATH).respond_with_data(
        json.dumps({"statusCode": 400, "message": message}),
        status=400,
        content_type="application/json",
    )
    server.expect_request("/pixel.png").respond_with_data(PIXEL, content_type="image/png")
    server.expect_request("/help").respond_with_data("help")
    yield server, base
    server.stop()


@pytest.fixture(scope="module")
def operator_app(upstream, tmp_path_factory) -> str:
    _, base = upstream
    folder = tmp_path_factory.mktemp("e2e-operator")
    proc, url, log = start_streamlit(
        ROOT / "dashboard" / "app" / "server.py",
        env={"TRADE_DASHBOARD_DATA_DIR": str(folder / "store"), BASE_URL_ENV: base},
        extra=operator_server_args(folder),
    )
    yield url
    stop(proc)
    log.unlink(missing_ok=True)


def _requests_for(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_an_image_in_an_upstream_error_is_never_requested(page: Page, operator_app, upstream):
    server, base = upstream
    open_app(page, f"{operator_app}/data")
    sign_in_as_operator(page)
    by_key(page, "refresh").locator("button").click()
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("Bad request", timeout=30_000)
    wait_for_app_run(page)
    page.wait_for_timeout(500)  # room for a late image load, which must not come
    assert _requests_for(server, "/pixel.png") == 0, "the visitor's browser fetched the image"
    assert _requests_for(server, PREVIEW_PATH) >= 1, "the refresh did reach the fake upstream"

    # Shown literally: the Markdown source is on the page as text...
    expect(error).to_contain_text(f"![pixel]({base}/pixel.png)")
    expect(error).to_contain_text("$x^2$")
    expect(error).to_contain_text("<b>bold</b>")
    # ...and nothing of it was turned into an element.
    expect(error.locator("img")).to_have_count(0)
    expect(error.locator("a")).to_have_count(0)
    expect(error.locator(".katex, b")).to_have_count(0)
    expect(page.locator(f"a[href^='{base}']")).to_have_count(0)
    assert _requests_for(server, "/help") == 0
