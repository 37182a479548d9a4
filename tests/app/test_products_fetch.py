"""What is traded, fetched from the page (issue #16): "Also fetch what is traded (HS chapters)" on
the empty state, the products page's own fetch, failures on a chapters request and a chapters
write failing after the totals were stored, against a real local HTTP server (pytest-httpserver)
answering in Comtrade's record shapes.

Values served are synthetic test data (see tests/support/fixtures/comtrade/README.md):

- Argentina (32) on Brazil: totals 2023 exports 5e9, imports 8e9; 2024 6e9 and 9e9. Chapters
  2024 only: exports 87 = 3e9, 84 = 1.5e9, 10 = 0.5e9 (5e9 of the 6e9 total); imports 84 = 4e9,
  27 = 2e9.
- Brazil (76) on Argentina: totals 2024 only, 8e9 and 4e9; chapters 2024: exports 84 = 3e9,
  87 = 2e9; imports 10 = 1.5e9.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from werkzeug import Request, Response

from dashboard.analysis.series import basis_series
from dashboard.app import fetch_panel
from dashboard.ingest.comtrade.client import (
    PREVIEW_PATH,
)
from dashboard.ingest.comtrade.hs import HS_PATH
from dashboard.ingest.snapshot import load_observations
from dashboard.ingest.store import LocalStore
from dashboard.model import DataFileError
from tests.app.test_pair_fetch import LAST, TIMEOUT, _partners, _reporters
from tests.app.test_pair_fetch import _open as open_pair
from tests.support.apptest import switch_screen
from tests.support.comtrade_fakes import (
    chapter_records,
    chapter_values,
    comtrade_handler,
    point_app_at,
    records_for,
)
from tests.support.rows import fetched_rows

BRA, ARG = ("BRA", 76, "Brazil"), ("ARG", 32, "Argentina")
COUNTRY = {76: (BRA, ARG), 32: (ARG, BRA)}
TOTALS = {(32, 2023): (5e9, 8e9), (32, 2024): (6e9, 9e9), (76, 2024): (8e9, 4e9)}
CHAPTERS = {
    (32, 2024): {("X", "87"): 3e9, ("X", "84"): 1.5e9, ("X", "10"): 0.5e9,
                 ("M", "84"): 4e9, ("M", "27"): 2e9},
    (76, 2024): {("X", "84"): 3e9, ("X", "87"): 2e9, ("M", "10"): 1.5e9},
}  # fmt: skip
#: Comtrade's HS.json shape; chapter 84 has a name the bundled list does not, so the page
#: showing it proves the fetch refreshed the names.
HS_PAYLOAD = {
    "more": False,
    "results": [
        {"id": "TOTAL", "text": "TOTAL - All Commodities", "parent": "#"},
        {"id": "84", "text": "84 - Machinery from the live list; boilers", "parent": "TOTAL"},
    ],
}


def arg_bra(asked: list, fail_chapters: Response | None = None):
    """The data endpoint for Argentina and Brazil: totals and AG2 chapters from TOTALS and
    CHAPTERS (other years: count 0); every AG2 request answered ``fail_chapters`` if given.
    ``asked`` collects (cmdCode, reporterCode, year)."""

    def handle(request: Request) -> Response:
        rc, cmd = int(request.args["reporterCode"]), request.args["cmdCode"]
        reporter, partner = COUNTRY[rc]
        recs: list[dict] = []
        for p in request.args["period"].split(","):
            year = int(p)
            asked.append((cmd, rc, year))
            if cmd == "AG2" and fail_chapters is not None:
                return fail_chapters
            if cmd == "AG2" and (rc, year) in CHAPTERS:
                recs += chapter_records(year, CHAPTERS[(rc, year)], reporter, partner)
            elif cmd == "TOTAL" and (rc, year) in TOTALS:
                recs += records_for(year, *TOTALS[(rc, year)], reporter, partner)
        body = {"elapsedTime": "0.1 secs", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(body), content_type="application/json")

    return handle


@pytest.fixture
def comtrade(_shared_server, monkeypatch, tmp_path):
    server = _shared_server
    point_app_at(server, monkeypatch, tmp_path, fetch_panel, _reporters(), _partners())
    server.expect_request(HS_PATH).respond_with_json(HS_PAYLOAD)
    yield server, tmp_path
    server.clear()


def _open(pair: str, page: str | None = None, operator: bool = True) -> AppTest:
    """The pair-fetch tests' opener, signed in as the operator unless told otherwise."""
    return open_pair(pair, page, operator)


def _texts(at: AppTest) -> str:
    parts = [*at.info, *at.markdown, *at.caption, *at.header, *at.success, *at.error]
    return "\n".join(e.value for e in parts).replace("\\", "")


def _fingerprint(folder: Path) -> dict[str, bytes]:
    """Every file in the store folder, cached reference lists included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_operator_fetches_totals_and_chapters_and_the_products_page_shows_them(comtrade):
    """Argentina–Brazil 2023–2024 with chapters: 2 years x 2 sides x 2 kinds = 8 requests. On
    the products page (Argentina's statistics first), 2024 exports: 87 = 3e9 of a reported
    6e9 = 50.0%, 84 = 1.5e9 = 25.0% (named from the refreshed HS list), and 6e9 - 5e9 = 1e9
    (16.7%) not allocated."""
    server, store_dir = comtrade
    asked: list = []
    server.expect_request(PREVIEW_PATH).respond_with_handler(arg_bra(asked))
    at = _open("ARG-BRA")
    at.slider(key="fetch_tracker_years").set_value((2023, 2024)).run()
    assert "4 requests," in _texts(at)
    at.checkbox(key="fetch_tracker_products").check().run()
    assert "8 requests (4 for totals, 4 for HS chapters)" in _texts(at)
    at.button(key="fetch_tracker").click().run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(asked) == sorted(
        (cmd, rc, y) for cmd in ("AG2", "TOTAL") for rc in (32, 76) for y in (2023, 2024)
    )
    store = LocalStore(store_dir)
    stored = store.read()
    assert basis_series(stored, "ARG", "BRA").to_dict() == {2023: 13e9, 2024: 15e9}
    assert basis_series(stored, "BRA", "ARG").to_dict() == {2024: 12e9}
    chapters = store.read_products()
    got = {(r, f, c): v for r, f, c, v in
           chapters[["reporter", "flow", "code", "value_usd"]].itertuples(index=False)}  # fmt: skip
    flows = {"X": "export", "M": "import"}
    expected = {(COUNTRY[rc][0][0], flows[f], c): v
                for (rc, _y), vals in CHAPTERS.items() for (f, c), v in vals.items()}  # fmt: skip
    assert got == expected and set(chapters["year"]) == {2024}
    report = " ".join(s.value for s in at.success)
    assert "8 requests" in report and "8 new and 0 updated HS chapter rows stored" in report
    assert "No HS chapters reported for Argentina statistics: 2023" in report, report

    switch_screen(at, "products").run()
    assert not at.exception, [e.value for e in at.exception]
    body = _texts(at)
    assert "In 2024 Argentina's exports to Brazil were led by 87 " in body, body
    assert "(50.0% of the $6.0 bn total), then 84 Machinery from the live list (25.0%)" in body
    assert "$1.0 bn (16.7%) of the reported total of $6.0 bn is not allocated" in body
    assert at.get("plotly_chart")


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (429, json.dumps({"statusCode": 429, "message": "Rate limit is exceeded. Try again in "
                          "500 seconds."}), "application/json", "500"),
        (500, "Internal Server Error", "text/plain", "500"),
        (200, json.dumps({"count": 194, "data": chapter_records(2024, chapter_values(2024, 32),
                          ARG, BRA)})[:900], "application/json", "truncated"),
    ],
    ids=["429", "500", "truncated"],
)  # fmt: skip
def test_a_failed_chapters_request_stores_nothing_at_all(
    comtrade, status, body, content_type, expected
):
    """The totals requests succeed, every chapters request fails: nothing is stored, not even the
    totals; every file in the store folder is byte-identical and the page says why."""
    server, store_dir = comtrade
    LocalStore(store_dir).upsert(fetched_rows([2020, 2021]))
    fail = Response(body, status=status, content_type=content_type)
    server.expect_request(PREVIEW_PATH).respond_with_handler(arg_bra([], fail_chapters=fail))
    at = _open("ARG-BRA")
    at.slider(key="fetch_tracker_years").set_value((2024, 2024)).run()
    at.checkbox(key="fetch_tracker_products").check().run()
    before = _fingerprint(store_dir)
    at.button(key="fetch_tracker").click().run(timeout=TIMEOUT)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "fetch from UN Comtrade failed" in errors and expected in errors, errors
    assert "Nothing was stored" in errors
    assert _fingerprint(store_dir) == before


def test_chapters_not_stored_after_the_totals_were_says_exactly_that(comtrade, monkeypatch):
    """The products table refuses the write (a stand-in for a full disk): the totals, written
    first, stay stored and the page says so, and that the chapters were not. 2023–2024: Argentina
    reports both years (6 rows: exports, imports, totals), Brazil 2024 (3 rows): 9 new figures."""
    server, store_dir = comtrade
    server.expect_request(PREVIEW_PATH).respond_with_handler(arg_bra([]))

    def refuse(self, df, *, on_wait=None):
        raise DataFileError("products table", [(None, "no space left on the disk")])

    monkeypatch.setattr(LocalStore, "upsert_products", refuse)
    at = _open("ARG-BRA")
    at.slider(key="fetch_tracker_years").set_value((2023, 2024)).run()
    at.checkbox(key="fetch_tracker_products").check().run()
    at.button(key="fetch_tracker").click().run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "Stored the totals of Argentina – Brazil (9 new and 0 updated figures)" in errors
    assert "but could not store the HS chapters: products table: no space left" in errors
    assert "The products table was not changed" in errors
    store = LocalStore(store_dir)
    assert basis_series(store.read(), "ARG", "BRA").to_dict() == {2023: 13e9, 2024: 15e9}
    assert store.read_products().empty


def test_products_page_fetches_chapters_for_the_years_with_totals(comtrade):
    """China–Kazakhstan has shipped totals in some years: the products page's fetch asks for
    chapters exactly in those years per side (counted here from the shipped data with pandas),
    no totals, and then shows them."""
    server, _store_dir = comtrade
    obs = load_observations()
    span = set(range(1992, LAST + 1))  # Kazakhstan is listed from 1992
    have = {rc: sorted(set(basis_series(obs, r, p).index) & span)
            for rc, r, p in ((156, "CHN", "KAZ"), (398, "KAZ", "CHN"))}  # fmt: skip
    asked: list = []
    chapters = {(rc, y): chapter_values(y, rc, chapters=[84, 85]) for rc in have for y in have[rc]}
    handler = comtrade_handler({}, chapters)

    def record(request: Request) -> Response:
        for p in request.args["period"].split(","):
            asked.append((request.args["cmdCode"], int(request.args["reporterCode"]), int(p)))
        return handler(request)

    server.expect_request(PREVIEW_PATH).respond_with_handler(record)
    at = _open("CHN-KAZ", page="products")
    n = sum(len(ys) for ys in have.values())
    assert at.radio(key="fetch_products_which").value == "totals"
    assert f"{n} requests for HS chapters" in _texts(at)
    at.button(key="fetch_products").click().run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(asked) == sorted(("AG2", rc, y) for rc in have for y in have[rc])
    report = " ".join(s.value for s in at.success)
    assert f"{n * 4} new and 0 updated HS chapter rows stored" in report, report
    # Chapter 85 (85e6 + y) leads 84 (84e6 + y) in China's exports in its latest year.
    latest = have[156][-1]
    body = _texts(at)
    assert f"In {latest} China's exports to Kazakhstan were led by 85 " in body, body
    assert at.get("plotly_chart")


def test_a_visitor_is_given_the_exact_command(comtrade):
    """No totals for Argentina–Brazil: the years are chosen (1988, HS data start, to last
    year), both sides the same years, so one command with --mirror and --products."""
    at = _open("ARG-BRA", page="products", operator=False)
    assert "fetch_products" not in {b.key for b in at.button}
    text = _texts(at)
    assert "Only the operator can" in text
    command = f"trade-dashboard fetch --reporter ARG --partner BRA --years 1988-{LAST} --mirror"
    assert f"`{command} --products`" in text, text
    assert f"{2 * (LAST - 1988 + 1)} requests for HS chapters" in text
