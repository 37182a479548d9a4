"""UN Comtrade client against a real local HTTP server (pytest-httpserver): mapping, batching,
code resolution, and every fault the brief lists, each with the outcome, the number of requests
the server saw, the waits the client asked for, and a byte-identical store after a failure.

Sleeps and the clock are injected (FakeTime) so nothing waits for real, except the read-timeout
tests, which need a real slow handler (0.6 s against a 0.2 s read timeout).
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from datetime import date

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dashboard.ingest.comtrade.client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    FINAL_PATH,
    KEY_HEADER,
    PREVIEW_PATH,
    ComtradeAuthError,
    ComtradeCancelled,
    ComtradeClient,
    ComtradeDeadlineError,
    ComtradeError,
    add_totals,
    records_to_observations,
)
from dashboard.ingest.comtrade.codes import (
    CACHE_SUBDIR,
    PARTNERS_PATH,
    REPORTERS_PATH,
    CodeResolver,
    UnknownCountryError,
    load_fallback,
    parse_reference_list,
)
from dashboard.ingest.store import LocalStore
from tests.support.comtrade_fakes import (
    CHN,
    FIXTURES,
    KAZ,
    SlowServer,
    load,
    preview_query,
    records_for,
)

RETRIEVED = date(2026, 1, 15)
SECRET = "test-key-0123456789abcdef"
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Service Unavailable - Maintenance</title></head>"
    "<body><h1>UN Comtrade is undergoing maintenance</h1></body></html>"
)
#: A synthetic row already in the store before each fetch, so "unchanged" is a real check.
SEED_ROW = {
    "reporter": "CHN",
    "partner": "KAZ",
    "year": 2010,
    "flow": "export",
    "value_usd": 1e9,
    "qualifier": "reported",
    "source": "test seed (synthetic)",
    "source_url": "https://example.org/synthetic",
    "published": "2020",
    "confidence": "low",
    "note": "synthetic test row",
}


def body(records: list[dict]) -> dict:
    return {"elapsedTime": "0.10 secs", "count": len(records), "data": records, "error": ""}


def data_handler(values: dict[int, tuple], reporter=CHN, partner=KAZ, seen: list | None = None):
    """Answer each requested period from ``values`` (year -> (export, import)); others: count 0."""

    def handle(request: Request) -> Response:
        if seen is not None:
            seen.append(request)
        recs = []
        for p in request.args["period"].split(","):
            if int(p) in values:
                recs += records_for(int(p), *values[int(p)], reporter=reporter, partner=partner)
        return Response(json.dumps(body(recs)), content_type="application/json")

    return handle


class FakeTime:
    """A clock that only moves when the client sleeps; records every requested sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(BASE_URL_ENV, raising=False)


@pytest.fixture
def server(_shared_server):
    _shared_server.clear()
    yield _shared_server
    _shared_server.clear()


@pytest.fixture
def own_server():
    """A private server for tests whose slow handlers outlive the test's own requests."""
    srv = HTTPServer(threaded=True)
    srv.start()
    yield srv
    srv.stop()  # joins the handler threads, so nothing leaks into the next test


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store(tmp_path) -> LocalStore:
    """A store holding one synthetic row, written directly in the CSV format of the store before
    Parquet (upsert is tested in test_store; the first write here migrates it)."""
    s = LocalStore(tmp_path / "store")
    s.directory.mkdir(parents=True)
    pd.DataFrame([SEED_ROW]).to_csv(s.directory / "observations.csv", index=False)
    return s


def base(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def make_client(server, fake, **kw) -> ComtradeClient:
    opts = {
        "base_url": base(server),
        "api_key": "",
        "min_interval": 0.0,
        "backoff_jitter": 0.0,
        "sleep": fake.sleep,
        "clock": fake.clock,
        "timeout": (2.0, 2.0),
        "today": lambda: RETRIEVED,
    }
    opts.update(kw)
    return ComtradeClient(**opts)


def serve_reference(server: HTTPServer) -> None:
    server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))


def data_requests(server: HTTPServer) -> list[Request]:
    return [r for r, _ in server.log if r.path in (PREVIEW_PATH, FINAL_PATH)]


def fingerprint(store: LocalStore) -> dict[str, bytes]:
    """Every stored file's bytes (the reference-list cache is not observation data)."""
    return {
        p.relative_to(store.directory).as_posix(): p.read_bytes()
        for p in sorted(store.directory.rglob("*"))
        if p.is_file() and CACHE_SUBDIR not in p.parts
    }


def fetch_into(store: LocalStore, client: ComtradeClient, years=(2023,), **kw):
    """What the CLI and the UI do: fetch completely, then store."""
    result = client.fetch("CHN", "KAZ", years, **kw)
    store.upsert(result.observations)
    return result


# -- fixtures and mapping ------------------------------------------------------------------------


def test_fixture_records_have_the_47_documented_fields():
    """data-apis.md §3.1 lists 47 record fields; the fixtures must match it exactly."""
    recs = load("preview_chn_kaz_2023.json")["data"]
    assert [len(r) for r in recs] == [47, 47]
    export, imp = recs
    assert (export["fobvalue"], export["cifvalue"]) == (export["primaryValue"], None)
    assert (imp["cifvalue"], imp["fobvalue"]) == (imp["primaryValue"], None)
    assert export["refMonth"] == 52 and export["mosCode"] == "0" and export["motCode"] == 0


def test_preview_fetch_maps_records_to_validated_observations(server, fake, store):
    """Fixture: export 1,250,000,000 (fobvalue) and import 750,000,000 (cifvalue) for 2023.

    Total = 1,250,000,000 + 750,000,000 = 2,000,000,000. 3 requests: 2 reference lists + 1 call.
    """
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_chn_kaz_2023.json"))
    result = fetch_into(store, make_client(server, fake))

    obs = result.observations.set_index("flow")
    assert obs.loc["export", "value_usd"] == 1_250_000_000
    assert obs.loc["import", "value_usd"] == 750_000_000
    assert obs.loc["total", "value_usd"] == 2_000_000_000
    assert list(obs["valuation"][["export", "import", "total"]]) == ["FOB", "CIF", ""]
    assert "primaryValue = fobvalue (FOB)" in obs.loc["export", "note"]
    assert obs.loc["total", "note"].endswith("sum of export and import")
    assert set(obs["reporter"]) == {"CHN"} and set(obs["partner"]) == {"KAZ"}
    assert set(obs["year"]) == {2023}
    assert set(obs["qualifier"]) == {"reported"} and set(obs["confidence"]) == {"high"}
    assert set(obs["source"]) == {"UN Comtrade"}
    assert set(obs["published"]) == set(obs["retrieved"]) == {"2026-01-15"}
    assert all(
        n.startswith("UN Comtrade preview, cmdCode TOTAL, customsCode C00") for n in obs["note"]
    )
    assert result.requests == 3 and len(server.log) == 3
    assert result.years_without_data == {"CHN->KAZ": ()}
    assert result.endpoint == "preview" and result.warnings == ()

    (req,) = data_requests(server)
    assert dict(req.args) == preview_query(2023)  # reporter 156 (China), partner 398
    assert KEY_HEADER not in req.headers
    assert set(obs["source_url"]) == {f"{base(server)}{PREVIEW_PATH}?{req.query_string.decode()}"}
    # The store now holds the seed row plus the 3 fetched rows.
    assert len(store.read()) == 4


def test_preview_asks_one_period_per_call_at_one_request_per_second(server, fake):
    """Years 2021-2023 -> 3 calls with one period each. With min_interval 1 s and a clock that
    moves only when the client sleeps, every request after the first waits exactly 1 s:
    2 reference lists + 3 data calls = 5 requests -> 4 waits of 1.0 s."""
    serve_reference(server)
    values = {2021: (1e9, 2e9), 2022: (3e9, 4e9), 2023: (5e9, 6e9)}
    server.expect_request(PREVIEW_PATH).respond_with_handler(data_handler(values))
    result = make_client(server, fake, min_interval=1.0).fetch("CHN", "KAZ", range(2021, 2024))
    assert [r.args["period"] for r in data_requests(server)] == ["2021", "2022", "2023"]
    assert fake.sleeps == [1.0, 1.0, 1.0, 1.0]
    assert result.elapsed == pytest.approx(4.0)
    totals = result.observations.query("flow == 'total'").set_index("year")["value_usd"]
    assert totals.to_dict() == {2021: 3e9, 2022: 7e9, 2023: 11e9}


def test_keyed_calls_batch_12_periods_and_keep_the_key_out_of_urls(server, fake, store):
    """26 years (2000-2025) with a key -> ceil(26 / 12) = 3 calls of 12, 12 and 2 periods on
    the final-data endpoint; the key travels only in the Ocp-Apim-Subscription-Key header."""
    serve_reference(server)
    values = {y: (float(y) * 1e6, float(y) * 2e6) for y in range(2000, 2026)}
    server.expect_request(FINAL_PATH).respond_with_handler(data_handler(values))
    client = make_client(server, fake, api_key=SECRET)
    assert client.planned_requests(range(2000, 2026)) == 3
    result = fetch_into(store, client, years=range(2000, 2026))

    reqs = data_requests(server)
    assert [len(r.args["period"].split(",")) for r in reqs] == [12, 12, 2]
    assert reqs[0].args["period"] == ",".join(str(y) for y in range(2000, 2012))
    assert all(r.headers[KEY_HEADER] == SECRET for r in reqs)
    assert all(SECRET not in r.url for r, _ in server.log)
    # Reference lists are public: the key is not sent there either.
    assert all(KEY_HEADER not in r.headers for r, _ in server.log if r.path not in (FINAL_PATH,))
    assert result.endpoint == "final" and result.requests == 5
    assert len(result.observations) == 26 * 3
    assert not result.observations["source_url"].str.contains(SECRET).any()
    assert result.observations["source_url"].str.contains(FINAL_PATH).all()
    assert SECRET not in store.read().to_csv() and SECRET not in repr(client)
    assert all(SECRET.encode() not in data for data in fingerprint(store).values())
    y2000 = result.observations.query("year == 2000 and flow == 'total'")["value_usd"]
    assert y2000.item() == 2000 * 1e6 + 2000 * 2e6  # 6,000,000,000


def test_usa_and_india_resolve_through_the_reference_list_not_iso_numeric(server, fake):
    """USA is 842 (the expired 840 entry is skipped), India 699 (the newer entry beats 356)."""
    serve_reference(server)
    usa = ("USA", 842, "USA")
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        data_handler({2023: (5e9, 7e9)}, reporter=usa, partner=CHN)
    )
    client = make_client(server, fake)
    result = client.fetch("USA", "CHN", [2023])
    (req,) = data_requests(server)
    assert (req.args["reporterCode"], req.args["partnerCode"]) == ("842", "156")
    assert client.resolver.reporter_code("IND") == 699
    assert client.resolver.partner_code("W00") == 0
    assert client.resolver.sources == {"reporter": "live", "partner": "live"}
    assert set(result.observations["reporter"]) == {"USA"}


def test_mirror_fetches_both_directions(server, fake):
    """--mirror: CHN reports on KAZ, then KAZ reports on CHN; 2 refs + 2 data calls."""
    serve_reference(server)

    def handle(request: Request) -> Response:
        reporter, partner = (CHN, KAZ) if request.args["reporterCode"] == "156" else (KAZ, CHN)
        value = (1e9, 2e9) if reporter is CHN else (3e9, None)
        return Response(
            json.dumps(body(records_for(2023, *value, reporter, partner))),
            content_type="application/json",
        )

    server.expect_request(PREVIEW_PATH).respond_with_handler(handle)
    result = make_client(server, fake).fetch("CHN", "KAZ", [2023], mirror=True)
    obs = result.observations
    assert result.requests == 4
    assert set(zip(obs["reporter"], obs["flow"], strict=True)) == {
        ("CHN", "export"),
        ("CHN", "import"),
        ("CHN", "total"),
        ("KAZ", "export"),
    }  # KAZ reported only exports, so it gets no total
    assert result.years_without_data == {"CHN->KAZ": (), "KAZ->CHN": ()}


# -- retries, rate limit and timeouts -------------------------------------------------------------


def test_429_with_retry_after_header_then_success(server, fake, store):
    """Retry-After: 3 -> one wait of exactly 3 s, then the retry succeeds (2 data requests)."""
    serve_reference(server)
    server.expect_oneshot_request(PREVIEW_PATH).respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "3"}
    )
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_chn_kaz_2023.json"))
    result = fetch_into(store, make_client(server, fake))
    assert len(data_requests(server)) == 2 and result.requests == 4
    assert fake.sleeps == [3.0]
    assert len(result.observations) == 3


def test_429_body_try_again_in_n_seconds_is_honoured(server, fake, store):
    """No Retry-After header; the APIM body says "Try again in 2 seconds." -> a 2 s wait.

    With the real 1 s rate limit: partnerAreas waits 1 s, the first 2023 call 1 s; the 429 asks
    for 2 s; the retry needs no throttle wait (2 s > 1 s already passed); the 2024 call waits
    1 s: [1, 1, 2, 1]."""
    serve_reference(server)
    server.expect_oneshot_request(PREVIEW_PATH).respond_with_json(
        load("error_429.json"), status=429
    )
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        data_handler({2023: (1e9, 2e9), 2024: (3e9, 4e9)})
    )
    result = fetch_into(store, make_client(server, fake, min_interval=1.0), years=[2023, 2024])
    assert fake.sleeps == [1.0, 1.0, 2.0, 1.0]
    assert len(data_requests(server)) == 3
    assert len(result.observations) == 6


def test_500_three_times_then_success_backs_off_exponentially(server, fake, store):
    """backoff_factor 1, no jitter: waits 1, 2, 4 s after failures 1-3; the 4th try works."""
    serve_reference(server)
    for _ in range(3):
        server.expect_oneshot_request(PREVIEW_PATH).respond_with_data("boom", status=500)
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_chn_kaz_2023.json"))
    result = fetch_into(store, make_client(server, fake))
    assert fake.sleeps == [1.0, 2.0, 4.0]
    assert len(data_requests(server)) == 4 and result.requests == 6


def test_permanent_500_gives_up_after_5_tries_and_stores_nothing(server, fake, store):
    """5 tries, 4 waits (1, 2, 4, 8 s); the error names the status and the try count."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data("Internal error", status=500)
    before = fingerprint(store)
    with pytest.raises(ComtradeError, match=r"after 5 tries: HTTP 500: Internal error"):
        fetch_into(store, make_client(server, fake))
    assert len(data_requests(server)) == 5
    assert fake.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert fingerprint(store) == before


def test_backoff_jitter_stays_within_its_bound(server, fake):
    """With jitter 0.5 each wait lies in [base, base + 0.5] for bases 1, 2, 4, 8."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data("unavailable", status=503)
    client = make_client(server, fake, backoff_jitter=0.5, rng=random.Random(7))
    with pytest.raises(ComtradeError):
        client.fetch("CHN", "KAZ", [2023])
    assert len(fake.sleeps) == 4
    for wait, base_wait in zip(fake.sleeps, [1, 2, 4, 8], strict=True):
        assert base_wait <= wait <= base_wait + 0.5
    assert fake.sleeps != [1.0, 2.0, 4.0, 8.0]  # jitter really applied


def test_no_wait_exceeds_60_seconds(server, fake):
    """backoff_factor 20: 20, 40, then 80 and 160 are capped to 60."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data("bad gateway", status=502)
    with pytest.raises(ComtradeError):
        make_client(server, fake, backoff_factor=20).fetch("CHN", "KAZ", [2023])
    assert fake.sleeps == [20.0, 40.0, 60.0, 60.0]


def test_retry_after_beyond_the_cap_fails_fast(server, fake, store):
    """A server asking for 120 s (> 60 s cap) is not retried: 1 request, no sleep."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    before = fingerprint(store)
    with pytest.raises(ComtradeError, match=r"asks to wait 120 s"):
        fetch_into(store, make_client(server, fake))
    assert len(data_requests(server)) == 1 and fake.sleeps == []
    assert fingerprint(store) == before


def test_retry_after_as_http_date_is_understood(server, fake):
    """An HTTP-date 30 s ahead (whole seconds, so 29-30 s remain) gives a wait in (28, 31)."""
    serve_reference(server)
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    server.expect_oneshot_request(PREVIEW_PATH).respond_with_data(
        "busy", status=503, headers={"Retry-After": when}
    )
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_chn_kaz_2023.json"))
    make_client(server, fake).fetch("CHN", "KAZ", [2023])
    (wait,) = fake.sleeps
    assert 28 < wait < 31


def _slow_then(payload, slow: int, seen: list):
    """Sleep 0.6 s (longer than the 0.2 s read timeout) for the first ``slow`` calls."""

    def handle(request: Request) -> Response:
        seen.append(request)
        if len(seen) <= slow:
            time.sleep(0.6)
        return Response(json.dumps(payload), content_type="application/json")

    return handle


def test_read_timeout_then_success(own_server, fake, store):
    """The first call times out after 0.2 s, the retry (after a 1 s backoff) succeeds."""
    server = own_server
    serve_reference(server)
    seen: list = []
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        _slow_then(load("preview_chn_kaz_2023.json"), 1, seen)
    )
    result = fetch_into(store, make_client(server, fake, timeout=(2.0, 0.2)))
    assert len(seen) == 2 and fake.sleeps == [1.0]
    assert len(result.observations) == 3


def test_read_timeout_every_time_fails_with_the_reason(own_server, fake, store):
    server = own_server
    serve_reference(server)
    seen: list = []
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        _slow_then(load("preview_chn_kaz_2023.json"), 99, seen)
    )
    before = fingerprint(store)
    client = make_client(server, fake, timeout=(2.0, 0.2), max_tries=2)
    with pytest.raises(ComtradeError, match=r"after 2 tries: read timeout after 0.2 s"):
        fetch_into(store, client)
    assert len(seen) == 2 and fake.sleeps == [1.0]
    assert fingerprint(store) == before


def test_connection_refused_is_retried_then_reported(fake, store):
    """Nothing listens on the port: 3 tries, waits 1 and 2 s, then 'connection failed'."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ComtradeClient(
        f"http://127.0.0.1:{port}",
        api_key="",
        min_interval=0,
        backoff_jitter=0,
        sleep=fake.sleep,
        clock=fake.clock,
        max_tries=3,
        timeout=(1.0, 1.0),
    )
    before = fingerprint(store)
    with pytest.raises(ComtradeError, match=r"after 3 tries: connection failed"):
        client.resolver.warnings.clear()
        fetch_into(store, client)
    # Reference lists: 3 tries each (then the fallback), data: 3 tries -> waits [1, 2] x 3.
    assert client.requests_made == 9
    assert fake.sleeps == [1.0, 2.0] * 3
    assert fingerprint(store) == before


# -- responses that are not data ------------------------------------------------------------------


def test_count_zero_years_are_collected_not_errors(server, fake, store):
    """2022 and 2024 have data, 2023 answers count 0: 2 x 3 rows, 2023 listed as empty."""
    serve_reference(server)
    server.expect_request(
        PREVIEW_PATH,
        query_string=preview_query(2023),
    ).respond_with_json(load("preview_count0.json"))
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        data_handler({2022: (1e9, 2e9), 2024: (3e9, 4e9)})
    )
    result = fetch_into(store, make_client(server, fake), years=[2022, 2023, 2024])
    assert result.years_without_data == {"CHN->KAZ": (2023,)}
    assert sorted(set(result.observations["year"])) == [2022, 2024]
    assert len(result.observations) == 6 and len(data_requests(server)) == 3


def test_all_years_empty_is_an_empty_result(server, fake, store):
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_count0.json"))
    before = fingerprint(store)
    result = fetch_into(store, make_client(server, fake), years=[2024, 2025])
    assert result.observations.empty
    assert list(result.observations.columns)[:4] == ["reporter", "partner", "year", "flow"]
    assert result.years_without_data == {"CHN->KAZ": (2024, 2025)}
    assert fingerprint(store) == before


def test_401_explains_the_key_problem_without_retrying(server, fake, store):
    serve_reference(server)
    server.expect_request(FINAL_PATH).respond_with_json(load("error_401.json"), status=401)
    before = fingerprint(store)
    with pytest.raises(ComtradeAuthError) as err:
        fetch_into(store, make_client(server, fake, api_key=SECRET))
    text = str(err.value)
    assert "HTTP 401: Access denied due to invalid subscription key" in text
    assert API_KEY_ENV in text and "comtradedeveloper.un.org" in text and "quota" in text
    assert SECRET not in text
    assert len(data_requests(server)) == 1 and fake.sleeps == []
    assert fingerprint(store) == before


def _refused_403(server):
    server.expect_request(PREVIEW_PATH).respond_with_json(
        {"statusCode": 403, "message": "All calls are rejected by policy."}, status=403
    )
    return ComtradeAuthError, r"keyless preview call \(HTTP 403: All calls"


def _html_page(server):
    server.expect_request(PREVIEW_PATH).respond_with_data(
        HTML_PAGE, status=200, content_type="text/html"
    )
    return ComtradeError, (
        r"HTML page instead of JSON \(HTTP 200, title 'Service Unavailable - Maintenance'\)"
    )


def _truncated_json(server):
    text = (FIXTURES / "preview_truncated.json").read_text()
    server.expect_request(PREVIEW_PATH).respond_with_data(text, content_type="application/json")
    return ComtradeError, rf"invalid JSON .* of {len(text)} \(truncated"


def _missing_primary_value(server):
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_missing_primaryvalue.json"))
    return ComtradeError, r"record 2 of 2 \(CHN->KAZ M 2023\) from .*: lacks primaryValue"


@pytest.mark.parametrize(
    "answer", [_refused_403, _html_page, _truncated_json, _missing_primary_value],
    ids=["403 without key: the keyless preview was refused", "HTML page with status 200",
         "truncated JSON", "record missing primaryValue"],
)  # fmt: skip
def test_an_unusable_answer_is_a_named_error_and_stores_nothing(server, fake, store, answer):
    """Each answer raises its own message after one request (none of them is retried) and the
    store stays byte for byte as it was."""
    serve_reference(server)
    error, message = answer(server)
    before = fingerprint(store)
    with pytest.raises(error, match=message):
        fetch_into(store, make_client(server, fake))
    assert len(data_requests(server)) == 1
    assert fingerprint(store) == before


def test_partial_failure_stores_nothing(server, fake, store):
    """2022 succeeds, 2023 gets a permanent 500: nothing from 2022 may reach the store."""
    serve_reference(server)
    server.expect_request(
        PREVIEW_PATH,
        query_string=preview_query(2023),
    ).respond_with_data("boom", status=500)
    server.expect_request(PREVIEW_PATH).respond_with_handler(data_handler({2022: (1e9, 2e9)}))
    before = fingerprint(store)
    with pytest.raises(ComtradeError):
        fetch_into(store, make_client(server, fake, max_tries=2), years=[2022, 2023])
    assert len(data_requests(server)) == 3  # 2022 once, 2023 twice
    assert fingerprint(store) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cmdCode": "27"}, r"cmdCode '27', not 'TOTAL'"),
        ({"customsCode": "C01"}, r"customsCode 'C01'"),
        ({"flowCode": "RX"}, r"flowCode 'RX' is neither X nor M"),
        ({"refYear": 2019}, r"is for 2019; asked for \[2023\]"),
        ({"partnerCode": 0}, r"partner 0; asked for 156 / 398"),
        ({"primaryValue": "n/a"}, r"primaryValue 'n/a' is not a number"),
    ],
)
def test_records_that_are_not_the_requested_totals_are_rejected(server, fake, change, message):
    serve_reference(server)
    payload = load("preview_chn_kaz_2023.json")
    payload["data"][0].update(change)
    server.expect_request(PREVIEW_PATH).respond_with_json(payload)
    with pytest.raises(ComtradeError, match=message):
        make_client(server, fake).fetch("CHN", "KAZ", [2023])


def test_keyed_calls_do_not_follow_redirects(server, fake):
    """requests would resend the custom key header to the redirect target: refuse instead."""
    serve_reference(server)
    server.expect_request(FINAL_PATH).respond_with_data(
        "", status=302, headers={"Location": base(server) + "/elsewhere"}
    )
    server.expect_request("/elsewhere").respond_with_json(load("preview_chn_kaz_2023.json"))
    with pytest.raises(ComtradeError, match=r"redirected a keyed call \(HTTP 302\)"):
        make_client(server, fake, api_key=SECRET).fetch("CHN", "KAZ", [2023])
    assert all(r.path != "/elsewhere" for r, _ in server.log)


def test_error_field_and_other_4xx_are_not_retried(server, fake):
    serve_reference(server)
    server.expect_oneshot_request(PREVIEW_PATH).respond_with_json(
        {"elapsedTime": "0 secs", "count": 0, "data": [], "error": "Invalid period"}
    )
    server.expect_request(PREVIEW_PATH).respond_with_data("Request URL Too Long", status=400)
    client = make_client(server, fake)
    with pytest.raises(ComtradeError, match=r"reported an error .*: Invalid period"):
        client.fetch("CHN", "KAZ", [2023])
    with pytest.raises(ComtradeError, match=r"HTTP 400: Request URL Too Long"):
        client.fetch("CHN", "KAZ", [2023])
    assert len(data_requests(server)) == 2 and fake.sleeps == []


def test_record_iso_not_in_schema_is_refused_before_mapping(server, fake):
    """'S19' (not an ISO3 code the schema accepts) is refused as not the partner asked for."""
    serve_reference(server)
    payload = load("preview_chn_kaz_2023.json")
    for rec in payload["data"]:
        rec["partnerISO"] = "S19"
    server.expect_request(PREVIEW_PATH).respond_with_json(payload)
    with pytest.raises(ComtradeError, match=r"partnerISO 'S19' is not the partner asked for"):
        make_client(server, fake).fetch("CHN", "KAZ", [2023])


# -- reference lists -----------------------------------------------------------------------------


def test_reference_list_unavailable_uses_the_bundled_fallback(server, fake, store):
    """Both lists answer 404 (not retried): 2 + 1 requests, codes from the fallback, a warning."""
    server.expect_request(REPORTERS_PATH).respond_with_data("not found", status=404)
    server.expect_request(PARTNERS_PATH).respond_with_data("not found", status=404)
    server.expect_request(PREVIEW_PATH).respond_with_json(load("preview_chn_kaz_2023.json"))
    client = make_client(server, fake)
    result = fetch_into(store, client)
    assert result.requests == 3 and len(server.log) == 3
    assert client.resolver.sources == {"reporter": "fallback", "partner": "fallback"}
    assert any("bundled fallback" in w for w in result.warnings)
    assert len(result.observations) == 3
    with pytest.raises(UnknownCountryError, match=r"DEU .* bundled fallback"):
        client.resolver.reporter_code("DEU")


def test_unknown_code_fails_before_any_data_request(server, fake):
    serve_reference(server)
    with pytest.raises(UnknownCountryError, match=r"DEU has no UN Comtrade reporter code"):
        make_client(server, fake).fetch("DEU", "KAZ", [2023])
    assert data_requests(server) == []


def test_reference_lists_are_cached_on_disk_with_a_ttl(server, fake, tmp_path):
    serve_reference(server)
    first = make_client(server, fake, cache_dir=tmp_path)
    assert first.resolver.reporter_code("USA") == 842
    assert first.resolver.partner_code("KAZ") == 398
    assert first.requests_made == 2
    cached = tmp_path / CACHE_SUBDIR / "Reporters.json"
    assert json.loads(cached.read_text()) == load("reporters.json")

    second = make_client(server, fake, cache_dir=tmp_path)
    assert second.resolver.reporter_code("USA") == 842
    assert second.requests_made == 0 and second.resolver.sources == {"reporter": "cache"}

    old = time.time() - 31 * 86400  # older than the 30-day TTL
    os.utime(cached, (old, old))
    third = make_client(server, fake, cache_dir=tmp_path)
    assert third.resolver.reporter_code("USA") == 842
    assert third.requests_made == 1 and third.resolver.sources == {"reporter": "live"}


def test_stale_cache_beats_the_fallback_when_the_list_is_down(server, fake, tmp_path):
    cache = tmp_path / CACHE_SUBDIR
    cache.mkdir()
    (cache / "Reporters.json").write_text(json.dumps(load("reporters.json")))
    old = time.time() - 90 * 86400
    os.utime(cache / "Reporters.json", (old, old))
    server.expect_request(REPORTERS_PATH).respond_with_data("gone", status=404)
    client = make_client(server, fake, cache_dir=tmp_path)
    assert client.resolver.reporter_code("IND") == 699  # the fallback would also say 699 ...
    assert client.resolver.sources == {"reporter": "stale cache"}  # ... but the cache was used


def test_parse_reference_list_rules():
    """Groups and expired entries skipped, latest entryEffectiveDate wins, World kept."""
    payload = {
        "results": [
            {"reporterCode": 1, "reporterCodeIsoAlpha3": "AAA", "entryEffectiveDate": "1990-01-01"},
            {"reporterCode": 2, "reporterCodeIsoAlpha3": "AAA", "entryEffectiveDate": "2005-01-01"},
            {"reporterCode": 3, "reporterCodeIsoAlpha3": "AAA", "entryEffectiveDate": "2001-01-01"},
            {"reporterCode": 4, "reporterCodeIsoAlpha3": "BBB", "entryExpiredDate": "2000-01-01"},
            {"reporterCode": 5, "reporterCodeIsoAlpha3": "CCC", "isGroup": True},
            {"reporterCode": 0, "reporterCodeIsoAlpha3": "W00", "isGroup": True},
            {"reporterCode": 6, "reporterCodeIsoAlpha3": "DDD", "isGroup": "false"},
            "not an entry",
        ]
    }
    assert parse_reference_list(payload, "reporter") == {"AAA": 2, "W00": 0, "DDD": 6}
    fixture = parse_reference_list(load("partnerAreas.json"), "partner")
    assert fixture == {"W00": 0, "CHN": 156, "KAZ": 398, "USA": 842}
    with pytest.raises(ValueError, match="'results' list"):
        parse_reference_list({"data": []}, "reporter")
    with pytest.raises(ValueError, match="no usable entries"):
        parse_reference_list({"results": []}, "partner")


def test_bundled_fallback_holds_only_the_documented_codes():
    """data-apis.md states exactly these codes; USA and India are not ISO numeric."""
    assert load_fallback("reporter") == {
        "CHN": 156,
        "KAZ": 398,
        "USA": 842,
        "IND": 699,
        "HKG": 344,
        "MAC": 446,
    }
    assert load_fallback("partner") == {
        "CHN": 156,
        "KAZ": 398,
        "USA": 842,
        "IND": 699,
        "HKG": 344,
        "MAC": 446,
        "S19": 490,
        "W00": 0,
    }


def test_resolver_without_network_or_cache_falls_back():
    from dashboard.ingest.errors import SourceError

    def down(path: str):
        raise SourceError(f"{path}: connection refused")

    resolver = CodeResolver(down)
    assert resolver.partner_code("s19") == 490
    assert "connection refused" in resolver.warnings[0]


# -- configuration and pure mapping ---------------------------------------------------------------


def test_base_url_and_key_come_from_the_environment(monkeypatch, server, fake):
    monkeypatch.setenv(BASE_URL_ENV, base(server) + "/")
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    client = ComtradeClient()
    assert client.base_url == base(server) and client.keyed
    assert f"{base(server)}{FINAL_PATH}?reporterCode=156" in client.data_url(156, 398, [2023])
    monkeypatch.setenv(API_KEY_ENV, "  ")
    assert not ComtradeClient().keyed
    assert ComtradeClient(api_key="from-secrets").keyed  # the UI passes st.secrets this way


def test_totals_need_both_flows_and_valuation_falls_back_to_convention():
    """Only an export for 2023 -> no total. Without fobvalue/cifvalue the valuation follows
    the convention (exports FOB) and the note says so."""
    recs = records_for(2023, 4e9, None)
    recs[0]["fobvalue"] = None
    df = records_to_observations(recs, source_url="https://example.org/q", retrieved=RETRIEVED)
    assert list(df["flow"]) == ["export"]
    assert df.loc[0, "valuation"] == "FOB" and "by convention" in df.loc[0, "note"]
    both = records_to_observations(
        records_for(2023, 4e9, 1.5e9) + records_for(2024, 1e9, None),
        source_url="https://example.org/q",
        retrieved=RETRIEVED,
    )
    totals = both.query("flow == 'total'")
    assert list(totals["year"]) == [2023] and totals["value_usd"].item() == 5.5e9
    assert add_totals(both.iloc[0:0]).empty


# -- hostile answers: records that do not match the query are refused whole (issue #13, 3) ------


def _one_record(change: dict):
    def answer() -> str:
        payload = load("preview_chn_kaz_2023.json")
        payload["data"][0].update(change)
        return json.dumps(payload)

    return answer


def _raw_value(text: str):
    """A record whose primaryValue is written verbatim (NaN, Infinity: not valid JSON, but
    Python's json module accepts them)."""

    def answer() -> str:
        payload = load("preview_chn_kaz_2023.json")
        payload["data"][0]["primaryValue"] = "@@VALUE@@"
        return json.dumps(payload).replace('"@@VALUE@@"', text)

    return answer


def _duplicated_export() -> str:
    payload = load("preview_chn_kaz_2023.json")
    export, imp = payload["data"]
    payload["data"] = [export, {**export, "primaryValue": 9.9e9, "fobvalue": 9.9e9}, imp]
    payload["count"] = 3
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_one_record({"reporterISO": "KAZ", "partnerISO": "CHN"}),
         r"record 1 of 2 \(KAZ->CHN X 2023\) from .*: reporterISO 'KAZ' is not the reporter "
         r"asked for \(CHN\)"),
        (_one_record({"partnerISO": "USA"}), r"record 1 of 2 .*partnerISO 'USA' is not the "
         r"partner asked for \(KAZ\)"),
        (_one_record({"primaryValue": True}), r"record 1 of 2 .*primaryValue True is not a number"),
        (_one_record({"primaryValue": "1_000_000"}),
         r"record 1 of 2 .*primaryValue '1_000_000' is not a number"),
        (_one_record({"primaryValue": "1250000000"}), r"primaryValue '1250000000' is not a number"),
        (_raw_value("NaN"), r"record 1 of 2 .*primaryValue nan is not a finite number"),
        (_raw_value("Infinity"), r"primaryValue inf is not a finite number"),
        (_one_record({"primaryValue": -1.0}), r"record 1 of 2 .*primaryValue -1.0 is negative"),
        (_one_record({"reporterCode": "156"}), r"reporterCode '156' is not an integer"),
        (_one_record({"refYear": True}), r"refYear True is not an integer"),
        (_one_record({"period": "2022"}), r"period '2022' is not 2023"),
        (_one_record({"freqCode": "M"}), r"freqCode 'M', not 'A'"),
        (_one_record({"classificationSearchCode": "SITC"}),
         r"classificationSearchCode 'SITC', not 'HS'"),
        (_duplicated_export,
         r"records 1 and 2 of 3 from .* are both CHN->KAZ X 2023: a duplicate"),
    ],
    ids=["ISO swapped", "ISO of another partner", "bool value", "string value '1_000_000'",
         "numeric string value", "NaN", "Infinity", "negative value", "string code",
         "bool year", "period differs", "monthly record", "other classification", "duplicate"],
)  # fmt: skip
def test_a_hostile_record_refuses_the_whole_answer_and_stores_nothing(
    server, fake, store, answer, message
):
    """One bad record in an otherwise good answer: the fetch raises a ComtradeError naming the
    record and why, and the store stays byte for byte as it was (no other record is kept)."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data(answer(), content_type="application/json")
    before = fingerprint(store)
    with pytest.raises(ComtradeError, match=message):
        fetch_into(store, make_client(server, fake))
    assert fingerprint(store) == before


def test_the_partners_answer_cannot_overwrite_the_reporters_figures(server, fake, store):
    """Issue #13, finding 3: the mirror call for KAZ (398) -> CHN (156) answers records whose
    codes are right but whose ISO fields say CHN -> KAZ. Stored under their ISO fields they
    replaced China's own figures; now the whole fetch is refused and the store is unchanged."""
    serve_reference(server)

    def handle(request: Request) -> Response:
        if request.args["reporterCode"] == "398":
            recs = records_for(2023, 7e9, 8e9, reporter=KAZ, partner=CHN)
            for r in recs:
                r.update(reporterISO="CHN", partnerISO="KAZ")
        else:
            recs = records_for(2023, 1e9, 2e9)
        return Response(json.dumps(body(recs)), content_type="application/json")

    server.expect_request(PREVIEW_PATH).respond_with_handler(handle)
    before = fingerprint(store)
    with pytest.raises(ComtradeError, match=r"reporterISO 'CHN' is not the reporter asked for "
                       r"\(KAZ\)"):  # fmt: skip
        fetch_into(store, make_client(server, fake), mirror=True)
    assert fingerprint(store) == before


# -- deadlines and cancel (issue #13, finding 6), against a real slow TCP server -----------------

SLOW_BODY = json.dumps(load("preview_chn_kaz_2023.json")).encode()
FAST_LISTS = {REPORTERS_PATH: load("reporters.json"), PARTNERS_PATH: load("partnerAreas.json")}
#: Slack for thread start-up and a loaded 2-core machine; the point is "seconds, not minutes".
MARGIN = 1.5


def slow_client(url: str, fake: FakeTime, **kw) -> ComtradeClient:
    """Real clock (the deadline is wall-clock time), but backoff waits cost nothing."""
    opts = {
        "base_url": url,
        "api_key": "",
        "min_interval": 0.0,
        "backoff_jitter": 0.0,
        "sleep": fake.sleep,
        "timeout": (2.0, 30.0),
        "today": lambda: RETRIEVED,
    }
    opts.update(kw)
    return ComtradeClient(**opts)


@pytest.mark.parametrize("mode", ["body", "headers"])
def test_one_byte_a_second_is_cut_off_at_the_request_deadline(fake, store, mode):
    """1 byte/s never trips the 30 s read timeout (it restarts on every byte). With a 1.5 s
    request deadline and 2 tries the fetch fails after about 2 x 1.5 = 3 s, not after the
    ~1,900 s the body would take; the server saw exactly 2 data calls."""
    with SlowServer(SLOW_BODY, mode=mode, interval=1.0, fast=FAST_LISTS) as slow:
        client = slow_client(slow.url, fake, request_deadline=1.5, max_tries=2)
        before = fingerprint(store)
        start = time.monotonic()
        with pytest.raises(ComtradeDeadlineError, match=r"after 2 tries: no complete answer "
                           r"within the 1.5 s request deadline"):  # fmt: skip
            fetch_into(store, client)
        elapsed = time.monotonic() - start
    assert elapsed < 2 * 1.5 + MARGIN
    assert slow.data_requests == 2
    assert fingerprint(store) == before


def test_the_fetch_deadline_bounds_all_calls_together(own_server, fake, store):
    """Each data call takes 0.4 s; 5 years = 5 calls = 2 s. A 1 s fetch deadline stops the
    fetch after about 1 s, with 2 calls done and the third cut off mid-answer."""
    serve_reference(own_server)

    def handle(request: Request) -> Response:
        time.sleep(0.4)
        return data_handler({y: (1e9, 2e9) for y in range(2021, 2026)})(request)

    own_server.expect_request(PREVIEW_PATH).respond_with_handler(handle)
    client = slow_client(base(own_server), fake)
    before = fingerprint(store)
    start = time.monotonic()
    with pytest.raises(ComtradeDeadlineError, match=r"stopped at its 1 s deadline after "
                       r"[0-9] of 5 data calls"):  # fmt: skip
        fetch_into(store, client, years=range(2021, 2026), deadline=1.0)
    assert time.monotonic() - start < 1.0 + MARGIN
    assert fingerprint(store) == before


def test_a_backoff_wait_past_the_fetch_deadline_fails_at_once(server, fake, store):
    """Permanent 500 with backoff 1, 2, 4 s and a 5 s fetch deadline (fake clock): after
    waiting 1 + 2 = 3 s, the next wait of 4 s would end at 7 s > 5 s, so the fetch fails
    without sleeping it."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data("boom", status=500)
    before = fingerprint(store)
    with pytest.raises(ComtradeDeadlineError, match=r"5 s deadline"):
        fetch_into(store, make_client(server, fake), deadline=5.0)
    assert fake.sleeps == [1.0, 2.0]
    assert len(data_requests(server)) == 3
    assert fingerprint(store) == before


def test_cancel_between_calls_stops_before_the_next_request(server, fake, store):
    """Cancel is requested once the first of 3 data calls is done: the server sees 1 call."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        data_handler({y: (1e9, 2e9) for y in range(2021, 2024)})
    )
    cancel = threading.Event()
    before = fingerprint(store)
    with pytest.raises(ComtradeCancelled, match=r"cancelled after 1 of 3 data calls"):
        fetch_into(store, make_client(server, fake), years=range(2021, 2024),
                   progress=cancel.set, should_cancel=cancel.is_set)  # fmt: skip
    assert len(data_requests(server)) == 1
    assert fingerprint(store) == before


@pytest.mark.parametrize("mode", ["silent", "body"])
def test_cancel_interrupts_a_request_in_flight(fake, store, mode):
    """A server that sends nothing (or 1 byte/s) and a 30 s read timeout: a cancel requested
    after 0.3 s ends the fetch within about 0.3 s, not 30 s."""
    with SlowServer(SLOW_BODY, mode=mode, interval=1.0, fast=FAST_LISTS) as slow:
        client = slow_client(slow.url, fake)
        cancel = threading.Event()
        timer = threading.Timer(0.3, cancel.set)
        before = fingerprint(store)
        start = time.monotonic()
        timer.start()
        with pytest.raises(ComtradeCancelled, match=r"cancelled after 0 of 1 data calls"):
            fetch_into(store, client, should_cancel=cancel.is_set)
        elapsed = time.monotonic() - start
    assert elapsed < 0.3 + MARGIN
    assert slow.data_requests == 1
    assert fingerprint(store) == before


def test_cancel_during_a_long_wait_is_noticed_promptly(server, fake, store):
    """A 429 asks for 50 s; cancel arrives during the wait, which is cut into short slices:
    the client stops after the first slice (at most 0.25 s) instead of sleeping 50 s."""
    serve_reference(server)
    server.expect_request(PREVIEW_PATH).respond_with_data(
        "Rate limit is exceeded.", status=429, headers={"Retry-After": "50"}
    )
    cancel = threading.Event()

    def sleep(seconds: float) -> None:
        fake.sleep(seconds)
        cancel.set()

    with pytest.raises(ComtradeCancelled):
        fetch_into(store, make_client(server, fake, sleep=sleep), should_cancel=cancel.is_set)
    assert fake.sleeps == [0.25]
    assert len(data_requests(server)) == 1


@pytest.mark.parametrize("declared", [True, False], ids=["Content-Length", "chunked, no length"])
def test_an_answer_over_the_size_cap_is_refused_unread_and_stores_nothing(
    own_server, fake, store, declared
):
    """A 'Comtrade' answer of 200 kB against a 50 kB cap: one request (the same query would get
    the same answer, so no retry), a message naming the cap and the setting to check, and the
    store byte for byte as before. Chunked, the body is cut once 50 kB have been read (the
    generator below would go on for 200 kB)."""
    serve_reference(own_server)
    body = b'{"data": [' + b" " * 200_000 + b"]}"

    def answer(_request):
        if declared:
            return Response(body, content_type="application/json")
        return Response(
            (body[i : i + 4096] for i in range(0, len(body), 4096)),
            content_type="application/json",
        )

    own_server.expect_request(PREVIEW_PATH).respond_with_handler(answer)
    before = fingerprint(store)
    client = make_client(own_server, fake, max_response_bytes=50_000)
    with pytest.raises(ComtradeError, match=r"larger than 50 kB .*nothing was stored"):
        fetch_into(store, client)
    assert len(data_requests(own_server)) == 1
    assert fingerprint(store) == before
