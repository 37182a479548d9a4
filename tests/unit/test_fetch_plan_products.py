"""A planned fetch with "what is traded" (issue #16): requests and time with HS chapters on the
preview and the keyed endpoint, and a run against a real local HTTP server answering totals,
chapters (``cmdCode=AG2``) and the HS names list in Comtrade's shapes.

Values are synthetic (``chapter_values``): export chapter c in year y = 1e6 * c + y, import
2e6 * c + y.
"""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Request, Response

from dashboard.ingest.comtrade.client import (
    PREVIEW_PATH,
    ComtradeCancelled,
    ComtradeClient,
)
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
from dashboard.ingest.comtrade.hs import HS_PATH, load_hs_names
from dashboard.ingest.comtrade.plan import (
    Leg,
    make_plan,
    plan_deadline,
    run_plan,
    with_products,
)
from dashboard.ingest.comtrade.reference import CACHE_SUBDIR
from tests.support.comtrade_fakes import chapter_values, comtrade_handler, load

#: Comtrade's HS.json shape (every level; the chapters are the two-digit ids), synthetic names.
HS_PAYLOAD = {
    "more": False,
    "results": [
        {"id": "TOTAL", "text": "TOTAL - All Commodities", "parent": "#"},
        {"id": "84", "text": "84 - Live name for machinery", "parent": "TOTAL"},
        {"id": "8401", "text": "8401 - Nuclear reactors", "parent": "84"},
    ],
}


def _client(server, **kw) -> ComtradeClient:
    opts = {"api_key": "", "min_interval": 0.0, "backoff_factor": 0.0, "backoff_jitter": 0.0}
    return ComtradeClient(server.url_for("").rstrip("/"), **{**opts, **kw})


@pytest.fixture
def server(_shared_server):
    _shared_server.clear()
    _shared_server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    _shared_server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    yield _shared_server
    _shared_server.clear()


# ---- the plan ------------------------------------------------------------------------------------


def test_chapters_double_the_preview_requests_and_say_how_many(server):
    """Preview, one year a request: totals 3 (CHN) + 2 (KAZ) = 5; chapters the same 5; 10 in
    all. At the client's 1 s pace + 0.5 s an answer: 10 x 1.5 = 15 s."""
    legs = [Leg("CHN", "KAZ", (2020, 2021, 2022)), Leg("KAZ", "CHN", (2020, 2022))]
    plan = make_plan(with_products(legs), _client(server, min_interval=1.0))
    assert (plan.requests, plan.product_requests) == (10, 5)
    assert plan.seconds == pytest.approx(15.0)
    assert plan.products and plan.totals and not plan.keyed
    # Without chapters the same legs are the 5 totals requests.
    plain = make_plan(legs, _client(server, min_interval=1.0))
    assert (plain.requests, plain.product_requests, plain.products) == (5, 0, False)


def test_the_keyed_endpoint_batches_twelve_years_for_chapters_too(server):
    """30 years (1995-2024) on both sides. Keyed: ceil(30 / 12) = 3 requests per side and kind:
    3 x 2 sides x 2 kinds = 12, of which 6 for chapters. Preview: 30 x 2 x 2 = 120, 60 for
    chapters, 120 x (0 + 0.5) = 60 s; the page's deadline is three times that, 180 s."""
    years = tuple(range(1995, 2025))
    legs = with_products([Leg("CHN", "KAZ", years), Leg("KAZ", "CHN", years)])
    keyed = make_plan(legs, ComtradeClient(server.url_for(""), api_key="k", min_interval=1.0))
    assert (keyed.requests, keyed.product_requests, keyed.keyed) == (12, 6, True)
    preview = make_plan(legs, _client(server))
    assert (preview.requests, preview.product_requests) == (120, 60)
    assert preview.seconds == pytest.approx(60.0) and plan_deadline(preview) == 180.0


def test_a_chapters_only_plan_counts_only_chapters(server):
    """The products page's fetch: chapters alone for 2 + 1 years = 3 requests, all chapters."""
    legs = [
        Leg("CHN", "KAZ", (2022, 2023), totals=False, products=True),
        Leg("KAZ", "CHN", (2023,), totals=False, products=True),
        Leg("KAZ", "CHN", (2024,), totals=False, products=False),  # asks for nothing: dropped
    ]
    plan = make_plan(legs, _client(server))
    assert (plan.requests, plan.product_requests, len(plan.legs)) == (3, 3, 2)
    assert plan.products and not plan.totals


# ---- the run -------------------------------------------------------------------------------------


def test_run_fetches_totals_and_chapters_and_refreshes_the_names(server, tmp_path):
    """CHN reports 2023: totals 10e9 + 5e9; chapters 01..97 both flows. Chapter 84 exports =
    1e6 x 84 + 2023 = 84,002,023; imports 2e6 x 84 + 2023 = 168,002,023. 2024 has nothing
    (count 0) on either kind. 4 data requests (2 years x 2 kinds), each a progress step; the
    HS list is then fetched once and cached in ``names_dir``."""
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler({(156, 2023): (10e9, 5e9)}, {(156, 2023): chapter_values(2023, 156)})
    )
    server.expect_request(HS_PATH).respond_with_json(HS_PAYLOAD)
    steps: list[int] = []
    client = _client(server)
    plan = make_plan(with_products([Leg("CHN", "KAZ", (2023, 2024))]), client)
    result = run_plan(
        client, plan, progress=lambda: steps.append(1), deadline=60, names_dir=tmp_path
    )
    assert len(steps) == plan.requests == 4
    totals = result.observations.set_index(["year", "flow"])["value_usd"]
    assert totals.to_dict() == {
        (2023, "export"): 10e9, (2023, "import"): 5e9, (2023, "total"): 15e9
    }  # fmt: skip
    chapters = result.products
    assert len(chapters) == 97 * 2 and set(chapters["year"]) == {2023}
    ch84 = chapters[chapters["code"] == "84"].set_index("flow")["value_usd"]
    assert ch84.to_dict() == {"export": 84_002_023.0, "import": 168_002_023.0}
    assert result.years_without_data == {"CHN->KAZ": (2024,)}
    assert result.years_without_chapters == {"CHN->KAZ": (2024,)}
    assert result.names == "live" and not result.warnings
    assert (tmp_path / CACHE_SUBDIR / "HS.json").exists()
    assert load_hs_names(tmp_path).chapter_name("84") == "Live name for machinery"


def test_the_names_list_failing_is_a_warning_not_a_failed_fetch(server, tmp_path):
    """HS.json answers 500 every time: the chapters are still returned, the warning says the
    bundled names are used, and nothing is cached."""
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler({}, {(156, 2023): chapter_values(2023, 156, chapters=[1, 84])})
    )
    server.expect_request(HS_PATH).respond_with_data("down", status=500)
    client = _client(server, max_tries=2)
    legs = [Leg("CHN", "KAZ", (2023,), totals=False, products=True)]
    result = run_plan(client, make_plan(legs, client), deadline=60, names_dir=tmp_path)
    assert sorted(result.products["code"]) == ["01", "01", "84", "84"]
    assert result.observations.empty
    assert result.names == "bundled"
    assert any("bundled HS chapter names" in w for w in result.warnings), result.warnings
    assert not (tmp_path / CACHE_SUBDIR / "HS.json").exists()


def test_the_deadline_reached_on_the_names_list_is_a_warning(server, tmp_path):
    """The data calls are quick; HS.json takes 3 s, past the fetch's 1.5 s deadline: the
    request is cut at the deadline and the chapters are still returned, with a warning."""

    def slow(request: Request) -> Response:
        time.sleep(3)
        return Response(json.dumps(HS_PAYLOAD), content_type="application/json")

    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler({}, {(156, 2023): chapter_values(2023, 156, chapters=[84])})
    )
    server.expect_request(HS_PATH).respond_with_handler(slow)
    client = _client(server)
    legs = [Leg("CHN", "KAZ", (2023,), totals=False, products=True)]
    started = time.monotonic()
    result = run_plan(client, make_plan(legs, client), deadline=1.5, names_dir=tmp_path)
    assert time.monotonic() - started < 2.9  # cut at the deadline, not after the slow answer
    assert len(result.products) == 2 and result.names is None
    assert any("were not refreshed" in w for w in result.warnings), result.warnings


def test_a_cancel_during_the_chapters_returns_nothing(server, tmp_path):
    """Totals for 2022-2023 (2 requests) succeed; Cancel once the first chapters request is
    done: ComtradeCancelled, so no result (totals included) can be stored."""
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler(
            {(156, 2022): (1e9, 2e9), (156, 2023): (1e9, 2e9)},
            {(156, y): chapter_values(y, 156, chapters=[84]) for y in (2022, 2023)},
        )
    )
    done: list[int] = []
    client = _client(server)
    plan = make_plan(with_products([Leg("CHN", "KAZ", (2022, 2023))]), client)
    with pytest.raises(ComtradeCancelled):
        run_plan(client, plan, progress=lambda: done.append(1),
                 should_cancel=lambda: len(done) >= 3, names_dir=tmp_path)  # fmt: skip
    assert len(done) == 3


def test_a_cancel_while_refreshing_the_names_stops_the_fetch(server, tmp_path):
    """A cancel is never turned into a warning: HS.json answers 500 and Cancel comes after that
    first try; the retry's check raises ComtradeCancelled out of run_plan."""
    asked: list[int] = []

    def down(request: Request) -> Response:
        asked.append(1)
        return Response("down", status=500)

    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler({}, {(156, 2023): chapter_values(2023, 156, chapters=[84])})
    )
    server.expect_request(HS_PATH).respond_with_handler(down)
    client = _client(server, max_tries=3)
    legs = [Leg("CHN", "KAZ", (2023,), totals=False, products=True)]
    with pytest.raises(ComtradeCancelled):
        run_plan(client, make_plan(legs, client), should_cancel=lambda: bool(asked),
                 names_dir=tmp_path)  # fmt: skip
    assert len(asked) == 1
