"""HS chapters from UN Comtrade (issue #16): ``ComtradeClient.fetch_products`` against a real
local HTTP server answering in Comtrade's record shape, and ``trade-dashboard fetch --products``.

Every answer is served by pytest-httpserver (no patched ``requests``); values are synthetic:
export chapter c in year y = 1e6 * c + y, import = 2e6 * c + y (``chapter_values``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from dashboard.ingest.comtrade.client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    FINAL_PATH,
    PREVIEW_PATH,
    ComtradeCancelled,
    ComtradeClient,
    ComtradeError,
)
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
from dashboard.ingest.store import DATA_DIR_ENV, LocalStore
from tests.support.comtrade_fakes import (
    CHN,
    KAZ,
    chapter_records,
    chapter_values,
    comtrade_handler,
    load,
)
from tests.support.product_rows import product_rows
from tests.support.store_files import all_files

TODAY = date(2026, 1, 15)


@pytest.fixture
def server(_shared_server, monkeypatch):
    _shared_server.clear()
    _shared_server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    _shared_server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    monkeypatch.setenv(BASE_URL_ENV, _shared_server.url_for("").rstrip("/"))
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    yield _shared_server
    _shared_server.clear()


def client(server, **kw) -> ComtradeClient:
    opts = {
        "base_url": server.url_for("").rstrip("/"),
        "api_key": "",
        "min_interval": 0.0,
        "backoff_jitter": 0.0,
        "sleep": lambda s: None,
        "today": lambda: TODAY,
    }
    opts.update(kw)
    return ComtradeClient(**opts)


def ag2_requests(server) -> list:
    return [
        r
        for r, _ in server.log
        if r.path in (PREVIEW_PATH, FINAL_PATH) and r.args["cmdCode"] == "AG2"
    ]


def test_chapters_are_selected_from_an_answer_with_totals_other_partners_and_headings(server):
    """Each answer also carries the TOTAL row (far above the chapters' sum), World as partner
    and a four-digit heading: only the 194 chapters of the pair are kept, values as reported."""

    def extra(rc, year):
        reporter, partner = (CHN, KAZ) if rc == CHN[1] else (KAZ, CHN)
        total = chapter_records(year, {("X", "TOTAL"): 9e12}, reporter, partner)[0]
        total.update(aggrLevel=0)
        world = chapter_records(year, {("X", "27"): 5e11}, reporter, ("W00", 0, "World"))[0]
        heading = chapter_records(year, {("M", "2709"): 7.0}, reporter, partner)[0]
        heading.update(aggrLevel=4)
        return [total, world, heading]

    chapters = {(156, y): chapter_values(y, 156) for y in (2022, 2023)}
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler(chapters=chapters, extra=extra)
    )
    calls = []
    got = client(server).fetch_products(
        "CHN", "KAZ", [2022, 2023], progress=lambda: calls.append(1)
    )
    df = got.products
    assert len(df) == 2 * 2 * 97 and calls == [1, 1]
    assert set(df["reporter"]) == {"CHN"} and set(df["partner"]) == {"KAZ"}
    assert (
        df.query("year == 2023 and flow == 'export' and code == '27'")["value_usd"].item()
        == 27e6 + 2023
    )
    assert (
        df.query("year == 2022 and flow == 'import' and code == '01'")["value_usd"].item()
        == 2e6 + 2022
    )
    # sum over c = 1..97 of (1e6 c + 2023) = 1e6 * 4753 + 97 * 2023, far below the 9e12 total
    exports = df.query("year == 2023 and flow == 'export'")["value_usd"].sum()
    assert exports == pytest.approx(4753e6 + 97 * 2023)
    assert set(df["classification"]) == {"H6"} and set(df["origin"]) == {"comtrade"}
    assert df["source_url"].str.contains("cmdCode=AG2").all()
    assert got.years_without_data == {"CHN->KAZ": ()}
    [first, _] = ag2_requests(server)
    assert first.args["flowCode"] == "X,M" and first.args["period"] == "2022"
    assert first.args["partnerCode"] == "398" and first.args["partner2Code"] == "0"


def test_a_year_without_chapters_is_an_empty_year_and_revisions_are_kept(server):
    """2016 in HS2012 (H4), 2017 in HS2017 (H5), 2018 not reported (count 0)."""
    chapters = {(156, y): chapter_values(y, 156, chapters=[1, 2]) for y in (2016, 2017)}
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        comtrade_handler(chapters=chapters, classification=lambda y: "H4" if y < 2017 else "H5")
    )
    got = client(server).fetch_products("CHN", "KAZ", [2016, 2017, 2018])
    assert got.years_without_data == {"CHN->KAZ": (2018,)}
    revisions = got.products.groupby("year")["classification"].unique().map(list).to_dict()
    assert revisions == {2016: ["H4"], 2017: ["H5"]}


def test_both_reporters_and_the_keyed_endpoint_batch_twelve_years(server):
    """With a key, 13 years are 2 calls per direction (12 + 1), 4 calls with the mirror."""
    years = list(range(2010, 2023))
    chapters = {(rc, y): chapter_values(y, rc, chapters=[1]) for rc in (156, 398) for y in years}
    server.expect_request(FINAL_PATH).respond_with_handler(comtrade_handler(chapters=chapters))
    c = client(server, api_key="test-key-not-real")
    assert c.planned_requests(years, mirror=True) == 4
    got = c.fetch_products("CHN", "KAZ", years, mirror=True)
    assert [r.args["period"].count(",") + 1 for r in ag2_requests(server)] == [12, 1, 12, 1]
    assert len(got.products) == 2 * 13 * 2
    assert set(zip(got.products["reporter"], got.products["partner"], strict=True)) == {
        ("CHN", "KAZ"),
        ("KAZ", "CHN"),
    }


def _answer(records) -> dict:
    return {"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}


def _bad(change: dict | None = None, duplicate: bool = False, drop: str | None = None) -> dict:
    recs = chapter_records(2023, {("X", "01"): 1e6, ("M", "02"): 2e6})
    if change:
        recs[1].update(change)
    if drop:
        del recs[1][drop]
    if duplicate:
        recs.append(dict(recs[0]))
    return _answer(recs)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_bad(duplicate=True), "a duplicate"),
        (_bad({"primaryValue": "1_000_000"}), "is not a number"),
        (_bad({"primaryValue": True}), "is not a number"),
        (_bad({"primaryValue": -5.0}), "negative"),
        (_bad({"partnerISO": "CHN"}), "partnerISO 'CHN' is not the partner asked for"),
        (_bad({"reporterCode": 398}), "is for reporter 398"),
        (_bad({"refYear": 2021, "period": "2021"}), "is for 2021"),
        (_bad({"customsCode": "C01"}), "customsCode 'C01'"),
        (_bad(drop="classificationCode"), "lacks classificationCode"),
    ],
)
def test_a_bad_chapter_record_refuses_the_whole_answer(server, payload, message):
    server.expect_request(PREVIEW_PATH).respond_with_json(payload)
    with pytest.raises(ComtradeError, match=message):
        client(server).fetch_products("CHN", "KAZ", [2023])


def test_cancel_stops_between_calls(server):
    chapters = {(156, y): chapter_values(y, 156, chapters=[1]) for y in (2020, 2021, 2022)}
    server.expect_request(PREVIEW_PATH).respond_with_handler(comtrade_handler(chapters=chapters))
    done = []
    with pytest.raises(ComtradeCancelled, match="after 1 of 3 data calls"):
        client(server).fetch_products(
            "CHN",
            "KAZ",
            [2020, 2021, 2022],
            progress=lambda: done.append(1),
            should_cancel=lambda: len(done) >= 1,
        )


# -- the command line ----------------------------------------------------------------------------


def _fetch(store_dir, *extra: str) -> list[str]:
    return ["fetch", "--reporter", "CHN", "--partner", "KAZ", "--data-dir", str(store_dir),
            "--rate-limit", "0", *extra]  # fmt: skip


def test_fetch_products_stores_totals_and_chapters(server, tmp_path, capsys):
    from dashboard.cli.main import main

    totals = {(156, y): (1e9, 2e9) for y in (2022, 2023)}
    chapters = {(156, y): chapter_values(y, 156) for y in (2022, 2023)}
    server.expect_request(PREVIEW_PATH).respond_with_handler(comtrade_handler(totals, chapters))
    store_dir = tmp_path / "store"
    assert main(_fetch(store_dir, "--years", "2022-2024", "--products")) == 0
    out, err = capsys.readouterr()
    assert "Stored 388 chapter rows (388 new, 0 replaced; 388 product rows in the store)" in out
    assert "Years with no chapters: CHN->KAZ 2024" in out
    assert "6/6" in err  # 3 totals calls + 3 chapter calls: the progress bar reached its end
    store = LocalStore(store_dir)
    assert len(store.read()) == 2 * 3
    got = store.read_products("CHN", "KAZ", year=2023)
    assert got.query("flow == 'export' and code == '97'")["value_usd"].item() == 97e6 + 2023


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "Internal Server Error"},
        {
            "status": 429,
            "body": json.dumps({"statusCode": 429, "message": "Try again in 99 seconds."}),
        },
        {
            "status": 200,
            "body": json.dumps(_answer(chapter_records(2023, {("X", "01"): 1.0})))[:-30],
        },
    ],
    ids=["500", "429", "truncated"],
)
def test_a_failed_chapters_fetch_leaves_the_store_byte_identical(server, tmp_path, capsys, failure):
    """The totals answer fine, the chapters call fails (a 500 on every try, a 429 asking for
    longer than the client waits, a body cut off): exit 1 and not a byte of the store changed,
    the totals included (nothing is stored before every call succeeded)."""
    from werkzeug import Response

    from dashboard.cli.main import main

    store_dir = tmp_path / "store"
    LocalStore(store_dir).upsert_products(product_rows([2020], chapters=[1]))
    before = all_files(store_dir)
    totals = comtrade_handler({(156, 2023): (1e9, 2e9)})

    def handle(request):
        if request.args.get("cmdCode") != "AG2":
            return totals(request)
        return Response(failure["body"], status=failure["status"], content_type="application/json")

    server.expect_request(PREVIEW_PATH).respond_with_handler(handle)
    code = main(_fetch(store_dir, "--years", "2023", "--products"))
    _out, err = capsys.readouterr()
    assert code == 1 and "the local store was not changed" in err
    assert all_files(store_dir) == before


def test_two_fetches_at_once_into_one_store_keep_both(server, tmp_path):
    """Two `fetch --products` processes started together, CHN->KAZ and KAZ->CHN, into one
    store: both exit 0 and both pairs' totals and chapters are there afterwards."""
    years = range(2015, 2023)
    totals = {(rc, y): (1e9 + y, 2e9 + y) for rc in (156, 398) for y in years}
    chapters = {(rc, y): chapter_values(y, rc) for rc in (156, 398) for y in years}
    server.expect_request(PREVIEW_PATH).respond_with_handler(comtrade_handler(totals, chapters))
    store_dir = tmp_path / "store"
    env = {**os.environ, BASE_URL_ENV: server.url_for("").rstrip("/")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashboard",
                "fetch",
                "--reporter",
                r,
                "--partner",
                p,
                "--years",
                "2015-2022",
                "--products",
                "--rate-limit",
                "0",
                "--data-dir",
                str(store_dir),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r, p in (("CHN", "KAZ"), ("KAZ", "CHN"))
    ]
    outs = [proc.communicate(timeout=240) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outs
    store = LocalStore(store_dir)
    pairs = store.product_pairs()
    assert pairs[["reporter", "partner", "rows"]].values.tolist() == [
        ["CHN", "KAZ", 8 * 194],
        ["KAZ", "CHN", 8 * 194],
    ]
    obs = store.read()
    assert obs.groupby("reporter").size().to_dict() == {"CHN": 24, "KAZ": 24}
