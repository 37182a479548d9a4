"""Benchmark: the analytic store (Parquet + DuckDB) against pandas reading the same data as CSV.

A generator writes a synthetic store of 200 pairs x 30 years x 97 chapters x 2 flows x 2
reporters (2,328,000 product rows; skew: pair sizes, chapter shares and yearly noise are
lognormal, so a few pairs and chapters carry most of the value). Then:

1. **write**: the whole store in one ``replace_partitions`` swap (one partition a year, built
   lazily), in a child process whose peak RSS (``getrusage``) is reported; and one pair's 30
   years of chapters (both reporters, 11,640 rows) upserted into the full store, also in a child.
2. **queries** (median of ``--runs``, default 25, in this process): one pair's composition for one
   year (194 rows: chapter x flow), and one pair's section series (97 chapters -> 21 HS sections,
   x 30 years x 2 flows), through ``LocalStore.query`` / ``read_products`` against pandas reading
   the same rows from one CSV file and filtering (``--csv-runs``, default 20). The first query of
   a fresh process (files hashed, DuckDB footers read) is reported separately.
3. **fetch**: 30 years of chapters for one pair, both reporters (60 calls), through the
   stand-in Comtrade server (pytest-httpserver, records in Comtrade's shape) at the preview
   rate (``--rate`` seconds between calls, default 1.0), counting progress callbacks.

    .venv/bin/python benchmarks/store_bench.py [--runs 25] [--csv-runs 20] [--rate 1.0]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.ingest.store import LocalStore  # noqa: E402

PAIRS = 200
YEARS = range(1995, 2025)
CHAPTERS = [f"{c:02d}" for c in range(1, 98)]
FLOWS = ("export", "import")
#: The 21 HS sections as chapter ranges (HS nomenclature; chapter 77 is reserved but kept here).
SECTION_STARTS = [1, 6, 15, 16, 25, 28, 39, 41, 44, 47, 50, 64, 68, 71, 72, 84, 86, 90, 93, 94, 97]
SECTIONS_SQL = " ".join(
    f"WHEN c >= {start} THEN {i}" for i, start in reversed(list(enumerate(SECTION_STARTS, start=1)))
)


def section_of(chapter: pd.Series) -> pd.Series:
    """Section number (1-21) of two-digit chapter codes, by the ranges above."""
    return pd.Series(
        np.searchsorted(SECTION_STARTS, chapter.astype(int), side="right"), index=chapter.index
    )


@functools.cache
def pairs() -> tuple[tuple[str, str], ...]:
    """200 distinct country pairs, the first being CHN-KAZ (the dashboard's own)."""
    import pycountry

    codes = sorted(c.alpha_3 for c in pycountry.countries)
    rng = np.random.default_rng(7)
    out = [("CHN", "KAZ")]
    seen = {("CHN", "KAZ"), ("KAZ", "CHN")}
    while len(out) < PAIRS:
        a, b = rng.choice(codes, 2, replace=False)
        if (a, b) not in seen:
            seen |= {(a, b), (b, a)}
            out.append((str(a), str(b)))
    return tuple(out)


@functools.cache
def _grid() -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of one year (pair x reporter x flow x chapter, in that order) and each row's
    base value: pair scale (lognormal, sigma 2) x chapter share (lognormal, sigma 1.5)."""
    rng = np.random.default_rng(11)
    rows, base = [], []
    for a, b in pairs():
        scale = np.exp(rng.normal(20, 2))
        share = np.exp(rng.normal(0, 1.5, len(CHAPTERS)))
        share /= share.sum()
        for reporter, partner in ((a, b), (b, a)):
            for flow in FLOWS:
                rows.append((reporter, partner, flow))
                base.append(scale * share)
    n = len(CHAPTERS)
    keys = pd.DataFrame(rows, columns=["reporter", "partner", "flow"])
    grid = keys.loc[keys.index.repeat(n)].reset_index(drop=True)
    grid["code"] = CHAPTERS * len(rows)
    return grid, np.concatenate(base)


def year_table(year: int, only: tuple[str, str] | None = None) -> pa.Table:
    """Every pair's chapters for ``year`` (both reporters and flows), as the store's columns:
    base value x 6 % a year x noise (lognormal, sigma 0.3), seeded by year (reproducible)."""
    grid, base = _grid()
    noise = np.exp(np.random.default_rng(year).normal(0, 0.3, len(base)))
    df = grid.assign(value_usd=(base * 1.06 ** (year - YEARS[0]) * noise).round(0))
    if only is not None:
        a, b = only
        df = df[
            ((df["reporter"] == a) & (df["partner"] == b))
            | ((df["reporter"] == b) & (df["partner"] == a))
        ]
    df = df.assign(
        year=year,
        origin="comtrade",
        classification="H5" if year >= 2017 else "H4",
        source="UN Comtrade (synthetic benchmark data)",
        source_url="https://example.org/synthetic/" + df["reporter"] + "/" + str(year),
        published="2026-01-15",
        retrieved="2026-01-15",
    )
    return pa.Table.from_pandas(df, preserve_index=False)


class LazyYears(Mapping):
    """One partition a year, built only when the store asks for it (peak memory: one year)."""

    def __getitem__(self, key: str) -> pa.Table:
        return year_table(int(key.rsplit("=", 1)[1]))

    def __iter__(self) -> Iterator[str]:
        return iter(f"origin=comtrade/year={y}" for y in YEARS)

    def __len__(self) -> int:
        return len(YEARS)


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    ``VmHWM`` from /proc where there is one: ``getrusage``'s ``ru_maxrss`` keeps the parent's peak
    across fork and exec on Linux, so a child started after a big step would report the parent.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_write(directory: str) -> dict:
    """(child) Write the whole synthetic store in one swap."""
    import_rss = _rss_mb()
    started = time.perf_counter()
    summary = LocalStore(directory).replace_partitions("products", LazyYears())
    return {
        "rows": summary.total,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _rss_mb(),
        "rss_after_imports_mb": import_rss,
    }


def child_upsert(directory: str) -> dict:
    """(child) Upsert one pair's 30 years (both reporters) into the full store."""
    pair = pairs()[1]
    rows = pd.concat([year_table(y, only=pair).to_pandas() for y in YEARS], ignore_index=True)
    rows["value_usd"] *= 1.01
    import_rss = _rss_mb()
    started = time.perf_counter()
    summary = LocalStore(directory).upsert_products(rows)
    return {
        "rows": len(rows),
        "replaced": summary.replaced,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _rss_mb(),
        "rss_before_write_mb": import_rss,
    }


def child_first_query(directory: str) -> dict:
    """(child) The first query of a fresh process: files hashed, views built, footers read."""
    started = time.perf_counter()
    df = LocalStore(directory).read_products("CHN", "KAZ", year=2023)
    return {"rows": len(df), "seconds": time.perf_counter() - started}


def in_child(kind: str, directory: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--dir", directory],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


CSV_DTYPES = {"reporter": "str", "partner": "str", "flow": "str", "code": "str", "year": "int64"}


def query_bench(directory: str, csv_path: Path, runs: int, csv_runs: int) -> dict:
    store = LocalStore(directory)
    reporter, partner, year = "CHN", "KAZ", 2023

    def comp_duckdb():
        return store.query(
            "SELECT flow, code, value_usd FROM products WHERE reporter = ? AND partner = ? "
            "AND year = ? ORDER BY flow, code",
            [reporter, partner, year],
        )

    def comp_api():
        return store.read_products(reporter, partner, year=year)

    def series_duckdb():
        return store.query(
            f"SELECT year, flow, CASE {SECTIONS_SQL} END AS section, sum(value_usd) AS value_usd "
            "FROM (SELECT year, flow, CAST(code AS INTEGER) AS c, value_usd FROM products "
            "WHERE reporter = ? AND partner = ?) GROUP BY ALL ORDER BY year, flow, section",
            [reporter, partner],
        )

    def comp_pandas():
        df = pd.read_csv(csv_path, dtype=CSV_DTYPES)
        hit = df[(df["reporter"] == reporter) & (df["partner"] == partner) & (df["year"] == year)]
        return hit[["flow", "code", "value_usd"]].sort_values(["flow", "code"])

    def series_pandas():
        df = pd.read_csv(csv_path, dtype=CSV_DTYPES)
        hit = df[(df["reporter"] == reporter) & (df["partner"] == partner)]
        hit = hit.assign(section=section_of(hit["code"]))
        return hit.groupby(["year", "flow", "section"], as_index=False)["value_usd"].sum()

    out = {}
    comp_api()  # the process's first query (hashing, views) is measured separately
    for name, fn, n in (
        ("composition_duckdb", comp_duckdb, runs),
        ("composition_read_products", comp_api, runs),
        ("sections_duckdb", series_duckdb, runs),
        ("composition_pandas_csv", comp_pandas, csv_runs),
        ("sections_pandas_csv", series_pandas, csv_runs),
    ):
        median, result = timed(fn, n)
        out[name] = {"median_ms": median, "rows": len(result), "runs": n}
    # Same answers both ways (the benchmark compares equal work).
    a = series_duckdb().sort_values(["year", "flow", "section"]).reset_index(drop=True)
    b = series_pandas().sort_values(["year", "flow", "section"]).reset_index(drop=True)
    assert len(a) == len(b) == 30 * 2 * 21, (len(a), len(b))
    assert np.allclose(a["value_usd"], b["value_usd"], rtol=1e-9)
    c = comp_duckdb().reset_index(drop=True)
    d = comp_pandas().reset_index(drop=True)
    assert len(c) == 194 and np.allclose(c["value_usd"], d["value_usd"])
    return out


def fetch_bench(rate: float) -> dict:
    """30 years of one pair's chapters, both reporters, through the stand-in server."""
    import logging

    from pytest_httpserver import HTTPServer

    from dashboard.ingest.comtrade.client import PREVIEW_PATH, ComtradeClient
    from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH
    from tests.support.comtrade_fakes import chapter_values, comtrade_handler, load

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    years = list(range(1995, 2025))
    chapters = {(rc, y): chapter_values(y, rc) for rc in (156, 398) for y in years}
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(REPORTERS_PATH).respond_with_json(load("reporters.json"))
    server.expect_request(PARTNERS_PATH).respond_with_json(load("partnerAreas.json"))
    server.expect_request(PREVIEW_PATH).respond_with_handler(comtrade_handler(chapters=chapters))
    server.start()
    try:
        client = ComtradeClient(server.url_for("").rstrip("/"), api_key="", min_interval=rate)
        planned = client.planned_requests(years, mirror=True)
        ticks: list[float] = []
        started = time.perf_counter()
        result = client.fetch_products(
            "CHN", "KAZ", years, mirror=True, progress=lambda: ticks.append(time.perf_counter())
        )
        elapsed = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            LocalStore(tmp).upsert_products(result.products)
            store_s = time.perf_counter() - t0
    finally:
        server.stop()
    return {
        "planned_calls": planned,
        "progress_calls": len(ticks),
        "http_requests": result.requests,
        "rows": len(result.products),
        "seconds": elapsed,
        "store_seconds": store_s,
        "rate_s": rate,
        "progress_monotonic": ticks == sorted(ticks),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--csv-runs", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1.0, help="seconds between fetch calls")
    parser.add_argument("--skip-fetch", action="store_true")
    parser.add_argument("--child", choices=("write", "upsert", "first"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        fn = {"write": child_write, "upsert": child_upsert, "first": child_first_query}
        print(json.dumps(fn[args.child](args.dir)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        directory = str(Path(tmp) / "store")
        write = in_child("write", directory)
        store = LocalStore(directory)
        on_disk = sum(p.stat().st_size for p in Path(directory).rglob("*.parquet"))
        csv_path = Path(tmp) / "products.csv"
        started = time.perf_counter()
        store.query(
            "SELECT * FROM products ORDER BY origin, year, reporter, partner, flow, code"
        )  # warm-up; the CSV is written by DuckDB for speed
        con = store._connection(store._raw_manifest()[1])
        con.execute(
            f"COPY (SELECT reporter, partner, year, flow, code, value_usd, classification, "
            f"source, source_url, published, retrieved, origin FROM products ORDER BY year, "
            f"reporter, partner, flow, code) TO '{csv_path}' (HEADER)"
        )
        csv_s = time.perf_counter() - started
        first = in_child("first", directory)
        queries = query_bench(directory, csv_path, args.runs, args.csv_runs)
        upsert = in_child("upsert", directory)
        result = {
            "write": {
                **write,
                "parquet_mb": on_disk / 1e6,
                "csv_mb": csv_path.stat().st_size / 1e6,
                "csv_write_s": csv_s,
            },
            "first_query": first,
            "queries": queries,
            "upsert_one_pair": upsert,
        }
    if not args.skip_fetch:
        result["fetch"] = fetch_bench(args.rate)
    print(json.dumps(result, indent=2))
    q = result["queries"]
    for kind in ("composition", "sections"):
        ratio = q[f"{kind}_pandas_csv"]["median_ms"] / q[f"{kind}_duckdb"]["median_ms"]
        duck, csv = q[f"{kind}_duckdb"]["median_ms"], q[f"{kind}_pandas_csv"]["median_ms"]
        print(
            f"{kind}: duckdb {duck:.1f} ms, pandas+CSV {csv:.0f} ms, {ratio:.0f}x", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
