"""Any pair from the page (issue #16): the selector over UN Comtrade's lists, the empty state and
its fetch, and "Complete the history", against a real local HTTP server (pytest-httpserver).

The reference lists and trade values served here are synthetic test data (see
tests/support/fixtures/comtrade/README.md); only their shape is Comtrade's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from werkzeug import Request, Response

from dashboard.analysis.series import basis_series
from dashboard.app import fetch_panel
from dashboard.ingest.comtrade.client import (
    PREVIEW_PATH,
)
from dashboard.ingest.snapshot import load_observations
from dashboard.ingest.store import MANIFEST_FILE, LocalStore
from tests.support import live_apptest as live
from tests.support.apptest import switch_screen
from tests.support.comtrade_fakes import load, point_app_at, records_for
from tests.support.paths import APP
from tests.support.rows import fetched_rows

TIMEOUT = 90
TOKEN = "pair-fetch-operator"
BRA, ARG = ("BRA", 76, "Brazil"), ("ARG", 32, "Argentina")
CHN, KAZ = ("CHN", 156, "China"), ("KAZ", 398, "Kazakhstan")
BY_CODE = {c[1]: c for c in (BRA, ARG, CHN, KAZ)}
LAST = date.today().year - 1


def _reporters() -> dict:
    lists = load("reporters.json")
    for iso, code, name in (BRA, ARG):
        lists["results"].append(
            {"id": str(code), "text": name, "reporterCode": code, "reporterDesc": name,
             "reporterCodeIsoAlpha3": iso, "entryEffectiveDate": "1900-01-01T00:00:00",
             "isGroup": False}
        )  # fmt: skip
    return lists


def _partners() -> dict:
    lists = load("partnerAreas.json")
    for iso, code, name in (BRA, ARG, KAZ):
        lists["results"].append(
            {"id": str(code), "text": name, "PartnerCode": code, "PartnerDesc": name,
             "PartnerCodeIsoAlpha3": iso, "entryEffectiveDate": "1992-01-01T00:00:00"
             if iso == "KAZ" else "1900-01-01T00:00:00", "isGroup": False}
        )  # fmt: skip
    return lists


def data_handler(values: dict[tuple[int, int, int], tuple[float, float]], asked: list):
    """Answers (reporterCode, partnerCode, year) -> (export, import); other years: count 0."""

    def handle(request: Request) -> Response:
        rc, pc = int(request.args["reporterCode"]), int(request.args["partnerCode"])
        recs = []
        for p in request.args["period"].split(","):
            asked.append((rc, pc, int(p)))
            if (rc, pc, int(p)) in values:
                recs += records_for(int(p), *values[(rc, pc, int(p))], BY_CODE[rc], BY_CODE[pc])
        body = {"elapsedTime": "0.1 secs", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(body), content_type="application/json")

    return handle


@pytest.fixture
def comtrade(_shared_server, monkeypatch, tmp_path):
    server = _shared_server
    point_app_at(server, monkeypatch, tmp_path, fetch_panel, _reporters(), _partners())
    yield server, tmp_path
    server.clear()


def _open(pair: str | None = None, page: str | None = None, operator: bool = False) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if operator:
        at.secrets["admin_token"] = TOKEN
    if pair:
        at.query_params["pair"] = pair
    if page:
        switch_screen(at, page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if operator:
        at.text_input(key=f"operator_token_fetch_{page or 'tracker'}").input(TOKEN).run()
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.info, *at.markdown, *at.caption, *at.header])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "comtrade_reference" not in p.parts}  # fmt: skip


# ---- the selector --------------------------------------------------------------------------------


def test_selector_offers_every_listed_country_and_world_as_a_partner(comtrade):
    """Brazil and Argentina are in the (stand-in) reference lists, so they are offered although
    nothing is stored for them; Brazil's partners start with World (none stored), then Argentina
    among the others. Choosing them sets the pair Argentina–Brazil (canonical: alphabetical)."""
    at = _open()
    country = at.selectbox(key="pair_country")
    # AppTest lists options by their labels.
    assert {"Brazil", "Argentina"} <= set(country.options)
    stored_first = country.options.index("Kazakhstan · figures stored")
    assert country.options.index("Brazil") > stored_first
    country.set_value("BRA").run()
    partner = at.selectbox(key="pair_partner")
    assert partner.options[0] == "World (all partners)" and "Argentina" in partner.options
    partner.set_value("ARG").run()
    assert not at.exception
    assert at.session_state["pair"] == "ARG-BRA"
    assert "There are no figures for Argentina – Brazil yet" in _texts(at)


@pytest.mark.parametrize(
    ("link", "pair"),
    [("BRA-ARG", "ARG-BRA"), ("bra-w00", "BRA-W00"), ("China – Russia", "CHN-RUS")],
)
def test_a_link_names_the_pair_by_its_code(comtrade, link, pair):
    """?pair=<code> in either order or case (or an older link's label) opens that pair."""
    at = _open(pair=link)
    assert at.session_state["pair"] == pair
    assert {at.selectbox(key="pair_country").value, at.selectbox(key="pair_partner").value} == set(
        pair.split("-")
    )


def test_garbage_pair_in_the_link_warns_and_opens_the_default(comtrade):
    at = _open(pair="USA-MARS")
    assert at.session_state["pair"] == "CHN-KAZ"
    assert any("Ignored pair=USA\\-MARS" in i.value for i in at.info), [i.value for i in at.info]


# ---- the empty state -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", [None, "mirror", "data"])
def test_a_pair_without_figures_opens_on_the_empty_state_with_the_plan(comtrade, page):
    """Brazil–World: no figures; the page says so and offers the fetch: Brazil reports (World
    does not), all years from 1988 (HS) to last year, one request a year on the preview."""
    at = _open(pair="BRA-W00", page=page)
    text = _texts(at)
    assert "There are no figures for Brazil – World yet" in text
    assert not at.get("plotly_chart") and not live.mounted(at)
    n = LAST - 1988 + 1
    assert f"{n} requests" in text and "public preview" in text
    assert at.slider(key=f"fetch_{page or 'tracker'}_years").value == (1988, LAST)
    # A visitor is told the command-line way; no fetch button.
    assert f"trade-dashboard fetch --reporter BRA --partner W00 --years 1988-{LAST}" in text
    assert f"fetch_{page or 'tracker'}" not in {b.key for b in at.button}


def test_operator_fetches_a_new_pair_and_the_tracker_draws_it(comtrade):
    """Argentina–Brazil, 2023–2025, both sides: 6 requests. Brazil reports exports + imports of
    8e9 + 4e9 = 12e9 (2023), 10e9 + 5e9 = 15e9 (2024), 12e9 + 6e9 = 18e9 (2025); Argentina
    3e9 + 8e9 = 11e9 (2023) and 4e9 + 9e9 = 13e9 (2024), and its 2025 answer is count 0
    ("nothing reported", said so). The store gets the rows; the page reruns on the tracker with
    a chart, and the partner is marked as stored in the selector."""
    server, store_dir = comtrade
    asked: list = []
    server.expect_request(PREVIEW_PATH).respond_with_handler(data_handler({
        (76, 32, 2023): (8e9, 4e9), (76, 32, 2024): (10e9, 5e9), (76, 32, 2025): (12e9, 6e9),
        (32, 76, 2023): (3e9, 8e9), (32, 76, 2024): (4e9, 9e9),
    }, asked))  # fmt: skip
    at = _open(pair="ARG-BRA", operator=True)
    at.slider(key="fetch_tracker_years").set_value((2023, 2025)).run()
    assert "6 requests" in _texts(at)
    at.button(key="fetch_tracker").click().run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(asked) == sorted((r, p, y) for r, p in ((32, 76), (76, 32))
                                   for y in (2023, 2024, 2025))  # fmt: skip
    stored = LocalStore(store_dir).read()
    bra = basis_series(stored, "BRA", "ARG")
    arg = basis_series(stored, "ARG", "BRA")
    assert bra.to_dict() == {2023: 12e9, 2024: 15e9, 2025: 18e9}
    assert arg.to_dict() == {2023: 11e9, 2024: 13e9}
    assert set(stored["origin"]) == {"comtrade"}
    # The page now shows the pair's tracker (its chart is the live component's), not the empty
    # state, and the fetch's report.
    assert live.mounted(at), (_texts(at), [e.value for e in [*at.error, *at.warning]])
    assert live.payload(at)["figure"]["data"]
    assert "There are no figures" not in _texts(at)
    report = " ".join(s.value for s in at.success)
    assert "6 requests" in report and "Nothing reported for Argentina statistics: 2025" in report
    partner = at.selectbox(key="pair_partner")
    assert partner.value == "BRA" and "Brazil · figures stored" in partner.options


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (429, json.dumps({"statusCode": 429, "message": "Rate limit is exceeded. Try again in "
                          "500 seconds."}), "application/json", "500"),
        (500, "Internal Server Error", "text/plain", "500"),
        (200, json.dumps(load("preview_chn_kaz_2023.json"))[:300], "application/json",
         "truncated"),
    ],
    ids=["429", "500", "truncated"],
)  # fmt: skip
def test_a_failed_fetch_says_so_and_leaves_the_store_byte_identical(
    comtrade, status, body, content_type, expected
):
    """The store already holds a row; after the failed fetch every file in it is unchanged."""
    server, store_dir = comtrade
    LocalStore(store_dir).upsert(fetched_rows([2020, 2021]))
    before = _snapshot(store_dir)
    assert MANIFEST_FILE in before
    server.expect_request(PREVIEW_PATH).respond_with_data(
        body, status=status, content_type=content_type
    )
    at = _open(pair="ARG-BRA", operator=True)
    at.slider(key="fetch_tracker_years").set_value((2024, 2025)).run()
    at.button(key="fetch_tracker").click().run(timeout=TIMEOUT)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "fetch from UN Comtrade failed" in errors and expected in errors, errors
    assert "Nothing was stored" in errors
    assert _snapshot(store_dir) == before


# ---- complete the history ------------------------------------------------------------------------


def test_tracker_offers_exactly_the_missing_years_of_china_kazakhstan(comtrade):
    """China–Kazakhstan from 1992 (Kazakhstan's entry in the list) to last year: the missing
    years of each side, counted here from the shipped data with pandas."""
    at = _open()
    obs = load_observations()
    span = list(range(1992, LAST + 1))
    sides = (("CHN", "KAZ"), ("KAZ", "CHN"))
    have = {r: set(basis_series(obs, r, o).index) & set(span) for r, o in sides}
    text = _texts(at)
    chn = f"**China customs (GACC)**: {len(have['CHN'])} of {len(span)} years since 1992"
    assert chn in text, text
    missing_chn = sorted(set(span) - have["CHN"])
    n = sum(len(span) - len(v) for v in have.values())
    assert f"{n} requests" in text  # the preview: one year a request
    years = ",".join(map(str, missing_chn))
    assert f"trade-dashboard fetch --reporter CHN --partner KAZ --years {years}" in text


def test_a_basis_with_one_figure_still_offers_to_complete_the_history(comtrade):
    """Argentina–Brazil with one stored figure (Argentina's 2024 total): the tracker cannot draw
    a trend ("a trend needs two") and stops there, but it still says which years are missing and
    offers to fetch them, since that fetch is what gives the basis a trend."""
    _server, store_dir = comtrade
    LocalStore(store_dir).upsert(fetched_rows([2024], reporter="ARG", partner="BRA"))
    at = _open(pair="ARG-BRA")
    assert any("a trend needs two" in w.value for w in at.warning)
    assert any(e.label == "Complete the history from UN Comtrade" for e in at.expander) or (
        "Complete the history from UN Comtrade" in _texts(at)
    )
    assert "missing" in _texts(at)
