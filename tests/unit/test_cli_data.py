"""``trade-dashboard fetch`` / ``series`` end to end: argv in, exit code, stdout/stderr and store
bytes out, with TRADE_DASHBOARD_COMTRADE_URL pointing at a real local HTTP server.

The commands run through ``dashboard.cli.main.main`` when it exists, else through a parser
built with :func:`dashboard.cli.data.register` (``dashboard.cli.data.main``). Only faults that do
not back off are exercised here (backoff waits are real in the CLI; test_comtrade.py covers them
with an injected sleep). All values are synthetic test data.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request

from dashboard.cli import data as cli_data
from dashboard.ingest.comtrade.client import API_KEY_ENV, BASE_URL_ENV, FINAL_PATH, PREVIEW_PATH
from dashboard.ingest.comtrade.codes import CACHE_SUBDIR, PARTNERS_PATH, REPORTERS_PATH
from dashboard.ingest.snapshot import DEFAULT_DATA_DIR
from dashboard.ingest.store import DATA_DIR_ENV, LocalStore
from tests.support.comtrade_fakes import FIXTURES, SlowServer, load, pair_data_handler

HTML_PAGE = "<html><head><title>Maintenance</title></head><body>Back soon</body></html>"


@pytest.fixture
def server(_shared_server, monkeypatch):
    _shared_server.clear()
    monkeypatch.setenv(BASE_URL_ENV, _shared_server.url_for("").rstrip("/"))
    _shared_server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    _shared_server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    yield _shared_server
    _shared_server.clear()


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    snap = tmp_path / "snapshot"
    snap.mkdir()
    # A tiny synthetic snapshot: CHN->KAZ totals 2023 = 41e9 and 2024 = 43.82e9.
    (snap / "trade_series.csv").write_text(
        "reporter,partner,year,flow,value_usd,qualifier,source,source_url,published,confidence,"
        "note\n"
        "CHN,KAZ,2023,total,41000000000,reported,Synthetic snapshot,https://example.org/s/2023,"
        "2024,high,synthetic\n"
        "CHN,KAZ,2024,total,43820000000,reported,Synthetic snapshot,https://example.org/s/2024,"
        "2025-01-23,high,synthetic\n"
    )
    monkeypatch.setenv("TRADE_DASHBOARD_SNAPSHOT_DIR", str(snap))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run a command as the console script would; (exit code, stdout, stderr)."""
    try:
        code = _main()(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _main():
    try:
        from dashboard.cli.main import main
    except ImportError:
        return cli_data.main
    return main


def data_requests(server: HTTPServer) -> list[Request]:
    return [r for r, _ in server.log if r.path in (PREVIEW_PATH, FINAL_PATH)]


def stored(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and CACHE_SUBDIR not in p.parts
    }


def fetch_args(data_dir: Path, *extra: str, years: str = "2022-2024") -> list[str]:
    return [
        "fetch",
        "--reporter",
        "CHN",
        "--partner",
        "KAZ",
        "--years",
        years,
        "--data-dir",
        str(data_dir),
        "--rate-limit",
        "0",
        *extra,
    ]


# -- fetch ---------------------------------------------------------------------------------------


def test_fetch_stores_rows_and_prints_a_summary(server, tmp_path, capsys):
    """2022 (1e9 + 2e9) and 2024 (3e9 + 4e9) have data, 2023 answers count 0:
    3 rows x 2 years = 6 rows; 2 reference lists + 3 data calls = 5 requests."""
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        pair_data_handler({(156, 2022): (1e9, 2e9), (156, 2024): (3e9, 4e9)})
    )
    code, out, err = run(fetch_args(tmp_path / "store"), capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("UN Comtrade preview (no key): 5 requests in ")
    assert lines[1] == (
        f"Stored 6 rows in {(tmp_path / 'store').resolve()} (6 new, 0 replaced; 6 in the store)"
    )
    assert lines[2] == "Years with no data: CHN->KAZ 2023"
    assert "3/3" in err  # the progress bar reached its end
    obs = LocalStore(tmp_path / "store").read()
    totals = obs.query("flow == 'total'").set_index("year")["value_usd"].to_dict()
    assert totals == {2022: 3e9, 2024: 7e9}
    assert set(obs["retrieved"]) == {date.today().isoformat()}
    assert len(data_requests(server)) == 3
    # The reference lists were cached inside the store directory.
    assert (tmp_path / "store" / CACHE_SUBDIR / "Reporters.json").is_file()


def test_fetch_mirror_and_refetch_replaces_rows(server, tmp_path, capsys):
    """First run: CHN->KAZ 2024 (1e9, 2e9) and KAZ->CHN 2024 (5e9, 6e9) = 6 rows. The second
    run answers CHN 2024 with (1.5e9, 2e9): all 6 keys again -> 0 new, 6 replaced, and the
    CHN total becomes 1.5e9 + 2e9 = 3.5e9; .prev keeps the first file."""
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        pair_data_handler({(156, 2024): (1e9, 2e9), (398, 2024): (5e9, 6e9)})
    )
    store_dir = tmp_path / "store"
    code, out, _ = run(fetch_args(store_dir, "--mirror", years="2024"), capsys)
    assert code == 0
    assert "Years with no data: CHN->KAZ none; KAZ->CHN none" in out
    [first] = LocalStore(store_dir).files()
    first_bytes = first.read_bytes()

    server.clear()
    server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    server.expect_request(PREVIEW_PATH).respond_with_handler(
        pair_data_handler({(156, 2024): (1.5e9, 2e9), (398, 2024): (5e9, 6e9)})
    )
    code, out, _ = run(fetch_args(store_dir, "--mirror", years="2024"), capsys)
    assert code == 0
    assert "(0 new, 6 replaced; 6 in the store)" in out
    assert server.log and all(r.path != REPORTERS_PATH for r, _ in server.log)  # cache used
    obs = LocalStore(store_dir).read().set_index(["reporter", "flow"])["value_usd"]
    assert obs[("CHN", "total")] == 3.5e9 and obs[("KAZ", "total")] == 11e9
    assert LocalStore(store_dir).files(version="previous") == [first]
    assert first.read_bytes() == first_bytes


def _doubled(payload: dict) -> dict:
    """The answer with its first record repeated (same reporter, partner, flow and year)."""
    payload["data"].insert(1, dict(payload["data"][0]))
    payload["count"] = len(payload["data"])
    return payload


@pytest.mark.parametrize(
    ("respond", "keyed", "reason"),
    [
        (
            lambda s: s.respond_with_json(load("error_401.json"), status=401),
            True,
            "refused the subscription key (HTTP 401",
        ),
        (
            lambda s: s.respond_with_data(HTML_PAGE, content_type="text/html"),
            False,
            "HTML page instead of JSON (HTTP 200, title 'Maintenance')",
        ),
        (
            lambda s: s.respond_with_data((FIXTURES / "preview_truncated.json").read_text()),
            False,
            "invalid JSON",
        ),
        (
            lambda s: s.respond_with_json(load("preview_missing_primaryvalue.json")),
            False,
            "lacks primaryValue",
        ),
        (lambda s: s.respond_with_data("Request URL Too Long", status=400), False, "HTTP 400"),
        (
            # Issue #13, finding 3: the same export record twice crashed fetch with a traceback.
            lambda s: s.respond_with_json(_doubled(load("preview_chn_kaz_2023.json"))),
            False,
            "records 1 and 2 of 3 from ",
        ),
    ],
    ids=["401", "html-200", "truncated", "no-primaryValue", "400", "duplicate record"],
)
def test_fetch_failure_exits_1_with_one_line_and_an_untouched_store(
    server, tmp_path, capsys, monkeypatch, respond, keyed, reason
):
    store_dir = tmp_path / "store"
    LocalStore(store_dir).upsert(
        pd.read_csv(
            io.StringIO(
                "reporter,partner,year,flow,value_usd,qualifier,source,source_url,published,confidence,"
                "note\nCHN,KAZ,2010,export,1000000000,reported,seed,https://example.org/seed,2020,low,"
                "synthetic\n"
            ),
            dtype=str,
            keep_default_na=False,
        )
    )
    before = stored(store_dir)
    if keyed:
        monkeypatch.setenv(API_KEY_ENV, "bad-key-for-test")
    respond(server.expect_request(FINAL_PATH if keyed else PREVIEW_PATH))
    code, out, err = run(fetch_args(store_dir, years="2023"), capsys)
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("trade-dashboard fetch: error: ") and reason in last
    assert last.endswith("; the local store was not changed")
    assert "bad-key-for-test" not in err
    assert len(data_requests(server)) == 1  # none of these is retried
    assert stored(store_dir) == before


@pytest.mark.parametrize(
    ("argv_change", "message"),
    [
        ({"--reporter": "XYZ"}, "unknown country code 'XYZ'"),
        ({"--partner": "CHN"}, "reporter and partner must differ"),
        ({"--years": "2025-2000"}, "the first year is after the last"),
        ({"--years": "20x0-2024"}, "bad year range"),
        ({"--years": "1800-1801"}, "years must lie in 1900-"),
        ({"--years": str(date.today().year + 1)}, "years must lie in"),
        ({"--data-dir": str(DEFAULT_DATA_DIR / "store")}, "shipped snapshot directory"),
        ({"--rate-limit": "-1"}, "--rate-limit must be"),
    ],
)
def test_fetch_bad_arguments_exit_2_with_one_line(server, tmp_path, capsys, argv_change, message):
    argv = fetch_args(tmp_path / "store")
    for flag, value in argv_change.items():
        argv[argv.index(flag) + 1] = value
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert server.log == []  # no request spent on bad arguments
    assert not (tmp_path / "store").exists()


def test_fetch_code_unknown_to_comtrade_exits_2(server, tmp_path, capsys):
    """DEU is a valid ISO3 code but not in the (synthetic) reference list."""
    argv = fetch_args(tmp_path / "store")
    argv[argv.index("--reporter") + 1] = "DEU"
    code, _, err = run(argv, capsys)
    assert code == 2
    assert err.strip() == (
        "trade-dashboard fetch: error: DEU has no UN Comtrade reporter code "
        "in UN Comtrade's reporter list"
    )
    assert data_requests(server) == []


def test_fetch_into_a_damaged_store_fails_before_any_request(server, tmp_path, capsys):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    (store_dir / "observations.csv").write_text(
        "reporter,partner,year,flow,value_usd,qualifier,source,source_url,published,confidence,"
        "note\nCHN,KAZ,2022,total,5,reported,x,https://example.org,2023,high,\n"
        "CHN,KAZ,2023,total,lots,reported,x,https://example.org,2024,high,\n"
    )
    before = stored(store_dir)
    code, _, err = run(fetch_args(store_dir), capsys)
    assert code == 1
    assert "the local store is damaged: " in err and "observations.csv, line 3" in err
    assert server.log == [] and stored(store_dir) == before


def test_missing_required_argument_is_an_argparse_error(capsys):
    code, _, err = run(["fetch", "--reporter", "CHN"], capsys)
    assert code == 2 and "--partner" in err


# -- series --------------------------------------------------------------------------------------


@pytest.fixture
def filled_store(tmp_path) -> Path:
    """Store: CHN->KAZ totals 2022 = 30e9, 2023 = 40e9 (Comtrade-style rows)."""
    rows = [
        {
            "reporter": "CHN",
            "partner": "KAZ",
            "year": y,
            "flow": "total",
            "value_usd": v,
            "qualifier": "reported",
            "source": "UN Comtrade",
            "source_url": f"https://example.org/comtrade/{y}",
            "published": "2026-01-15",
            "confidence": "high",
            "note": "sum of export and import",
            "valuation": "",
            "retrieved": "2026-01-15",
        }
        for y, v in ((2022, 30e9), (2023, 40e9))
    ]
    LocalStore(tmp_path / "store").upsert(pd.DataFrame(rows))
    return tmp_path / "store"


def test_series_csv_shows_merged_rows_with_sources(filled_store, capsys):
    """auto: 2022 Comtrade 30e9; 2023 snapshot 41e9 (alternative 40e9 from Comtrade);
    2024 snapshot 43.82e9."""
    code, out, _ = run(
        ["series", "--reporter", "CHN", "--partner", "KAZ", "--data-dir", str(filled_store)], capsys
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert list(df.columns) == list(cli_data.SERIES_COLUMNS)
    assert df[["year", "value_usd", "origin", "alt_value_usd", "alt_origin"]].values.tolist() == [
        ["2022", "30000000000", "comtrade", "", ""],
        ["2023", "41000000000", "snapshot", "40000000000", "comtrade"],
        ["2024", "43820000000", "snapshot", "", ""],
    ]
    assert df["source_url"].tolist() == [
        "https://example.org/comtrade/2022",
        "https://example.org/s/2023",
        "https://example.org/s/2024",
    ]


def test_series_json_prefer_comtrade(filled_store, capsys):
    code, out, _ = run(
        [
            "series",
            "--reporter",
            "CHN",
            "--partner",
            "KAZ",
            "--format",
            "json",
            "--prefer",
            "comtrade",
            "--data-dir",
            str(filled_store),
        ],
        capsys,
    )
    assert code == 0
    rows = {r["year"]: r for r in json.loads(out)}
    assert rows[2023]["value_usd"] == 40e9 and rows[2023]["origin"] == "comtrade"
    assert rows[2023]["alt_value_usd"] == 41e9 and rows[2023]["alt_origin"] == "snapshot"
    assert rows[2024]["alt_value_usd"] is None


def test_series_with_a_damaged_store_exits_1_naming_file_and_row(filled_store, capsys):
    from tests.support.store_files import set_cell

    [path] = LocalStore(filled_store).files()
    set_cell(path, 1, "year", "20x3")
    code, out, err = run(
        ["series", "--reporter", "CHN", "--partner", "KAZ", "--data-dir", str(filled_store)], capsys
    )
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"{path.name}: row 2: column 'year'" in err


def test_series_bad_code_and_empty_result(tmp_path, capsys):
    code, _, err = run(
        ["series", "--reporter", "CHN", "--partner", "QQQ", "--data-dir", str(tmp_path / "s")],
        capsys,
    )
    assert code == 2 and "unknown country code 'QQQ'" in err
    code, out, err = run(
        ["series", "--reporter", "KAZ", "--partner", "USA", "--data-dir", str(tmp_path / "s")],
        capsys,
    )
    assert code == 0 and out.strip() == ",".join(cli_data.SERIES_COLUMNS)
    assert "no observations for KAZ->USA" in err


def test_parse_years():
    assert cli_data.parse_years("2000-2003", this_year=2026) == [2000, 2001, 2002, 2003]
    assert cli_data.parse_years("2019, 2021,2020-2021", this_year=2026) == [2019, 2020, 2021]
    for bad in ("", "2000-", "2000-2001-2002", "99", "2027", "abcd"):
        with pytest.raises(ValueError):
            cli_data.parse_years(bad, this_year=2026)


def test_fetch_deadline_stops_a_slow_server_and_says_so(tmp_path, capsys, monkeypatch):
    """A server sending 1 byte/s: with --deadline 1 the command exits 1 after about 1 s (not
    after the ~2,000 s the answer would take) with one line naming the deadline."""
    import time

    lists = {REPORTERS_PATH: load("reporters.json"), PARTNERS_PATH: load("partnerAreas.json")}
    body = json.dumps(load("preview_chn_kaz_2023.json")).encode()
    with SlowServer(body, interval=1.0, fast=lists) as slow:
        monkeypatch.setenv(BASE_URL_ENV, slow.url)
        start = time.monotonic()
        code, out, err = run(fetch_args(tmp_path / "store", "--deadline", "1", years="2023"),
                             capsys)  # fmt: skip
        elapsed = time.monotonic() - start
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert "stopped at its 1 s deadline after 0 of 1 data calls" in last
    assert last.endswith("; the local store was not changed")
    assert elapsed < 1 + 1.5  # slack for a loaded machine
    assert stored(tmp_path / "store") == {}


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_fetch_bad_deadline_exits_2_before_any_request(server, tmp_path, capsys, value):
    code, out, err = run(fetch_args(tmp_path / "store", "--deadline", value), capsys)
    assert code == 2 and out == ""
    assert err.strip() == "trade-dashboard fetch: error: --deadline must be a number of seconds > 0"
    assert server.log == []
