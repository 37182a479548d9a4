"""Any pair (issue #16): the selector's order, the missing years, entry years from Comtrade's
lists, and a planned fetch run leg by leg (against a real local HTTP server)."""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response

from dashboard.analysis.coverage import (
    canonical_pair,
    country_options,
    missing_years,
    partner_options,
    year_span,
)
from dashboard.ingest.comtrade.client import PREVIEW_PATH, ComtradeCancelled, ComtradeClient
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH, parse_entry_years
from dashboard.ingest.comtrade.plan import Leg, make_plan, plan_deadline, run_plan
from dashboard.model import Pair
from tests.support.comtrade_fakes import CHN, KAZ, load, records_for

STORED = [Pair("CHN", "KAZ"), Pair("CHN", "RUS"), Pair("IND", "XAS")]


def test_canonical_pair_is_alphabetical_with_world_and_regions_second():
    assert canonical_pair("KAZ", "CHN") == Pair("CHN", "KAZ")
    assert canonical_pair("W00", "ZAF") == Pair("ZAF", "W00")
    assert canonical_pair("XAS", "ZAF") == Pair("ZAF", "XAS")  # a region sorts after "ZAF"


def test_country_options_put_countries_with_figures_first_and_never_a_region():
    """Stored: China, India, Kazakhstan, Russia (by name), then Argentina, Brazil; XAS and W00
    are partners only."""
    got = country_options({"BRA", "ARG", "W00", "CHN", "KAZ"}, STORED)
    assert got == ["CHN", "IND", "KAZ", "RUS", "ARG", "BRA"]


def test_partner_options_put_the_countrys_stored_partners_then_world_then_the_rest():
    got = partner_options("CHN", {"BRA", "ARG", "W00", "CHN", "KAZ", "RUS"}, STORED)
    assert got == ["KAZ", "RUS", "W00", "ARG", "BRA"]
    # India's stored partner is ASEAN; China is offered among the rest, India itself never.
    got = partner_options("IND", {"CHN", "IND", "W00"}, STORED)
    assert got == ["XAS", "W00", "CHN"]


def test_missing_years_and_their_runs():
    """1992..2000 with 1992, 1995, 1996, 2000: missing 1993, 1994, 1997, 1998, 1999."""
    gaps = missing_years([1992, 1995, 1996, 2000, 2010], 1992, 2000)
    assert gaps == [1993, 1994, 1997, 1998, 1999]
    assert year_span(gaps) == "1993–1994, 1997–1999"
    assert year_span([2001]) == "2001"


def test_entry_years_come_from_the_kept_entry():
    """The fixture lists Kazakhstan from 1992 and China from 1900; an expired entry (USA 840)
    is left out as parse_reference_list leaves it out."""
    years = parse_entry_years(load("reporters.json"), "reporter")
    assert years["KAZ"] == 1992 and years["CHN"] == 1900


def _client(server, **kw) -> ComtradeClient:
    return ComtradeClient(
        server.url_for("").rstrip("/"), api_key="", min_interval=0.0, backoff_factor=0.0,
        backoff_jitter=0.0, **kw,
    )  # fmt: skip


@pytest.fixture
def server(_shared_server):
    _shared_server.clear()
    _shared_server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    _shared_server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    yield _shared_server
    _shared_server.clear()


def test_a_plan_counts_requests_per_leg_and_endpoint(server):
    """Preview: one year a request, so 3 + 2 = 5 requests, at 0 s pace + 0.5 s each = 2.5 s;
    keyed: up to 12 years a request, so 1 + 1 = 2."""
    legs = [
        Leg("CHN", "KAZ", (2020, 2021, 2022)),
        Leg("KAZ", "CHN", (2020, 2022)),
        Leg("X", "Y", ()),
    ]
    plan = make_plan(legs, _client(server))
    assert plan.requests == 5 and plan.seconds == pytest.approx(2.5) and len(plan.legs) == 2
    assert plan_deadline(plan) == 180.0
    keyed = ComtradeClient(server.url_for(""), api_key="k", min_interval=1.0)
    assert make_plan(legs, keyed).requests == 2 and make_plan(legs, keyed).keyed


def test_run_plan_fetches_each_leg_and_says_which_years_had_nothing(server):
    """CHN reports 2022 (10 + 5 = 15e9) and 2023 (nothing); KAZ reports 2023 (2 + 3 = 5e9)."""
    values = {(156, 2022): (10e9, 5e9), (398, 2023): (2e9, 3e9)}

    def handle(request: Request) -> Response:
        rc = int(request.args["reporterCode"])
        reporter, partner = (CHN, KAZ) if rc == 156 else (KAZ, CHN)
        y = int(request.args["period"])
        recs = records_for(y, *values[(rc, y)], reporter, partner) if (rc, y) in values else []
        body = {"elapsedTime": "0", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request(PREVIEW_PATH).respond_with_handler(handle)
    steps = []
    plan = make_plan([Leg("CHN", "KAZ", (2022, 2023)), Leg("KAZ", "CHN", (2023,))], _client(server))
    result = run_plan(_client(server), plan, progress=lambda: steps.append(1), deadline=30)
    totals = result.observations[result.observations["flow"] == "total"]
    cols = (totals["reporter"], totals["year"], totals["value_usd"])
    assert sorted(zip(*cols, strict=True)) == [
        ("CHN", 2022, 15e9), ("KAZ", 2023, 5e9)
    ]  # fmt: skip
    assert result.years_without_data == {"CHN->KAZ": (2023,), "KAZ->CHN": ()}
    assert len(steps) == 3


def test_a_cancelled_plan_returns_nothing(server):
    """Cancel after the first data request: ComtradeCancelled, no result to store."""
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_count0.json"))
    done = []
    plan = make_plan([Leg("CHN", "KAZ", (2020, 2021, 2022))], _client(server))
    with pytest.raises(ComtradeCancelled):
        run_plan(_client(server), plan, progress=lambda: done.append(1),
                 should_cancel=lambda: len(done) >= 1)  # fmt: skip
    assert len(done) == 1
