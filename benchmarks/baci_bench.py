"""CEPII BACI at scale: import a synthetic 10-million-row matrix, then query one pair.

A generator writes BACI-format files (``BACI_HS17_Y<year>_V202401.csv``: ``t,i,j,k,v,q`` and
``country_codes_V202401.csv``) with real ISO numeric and ISO3 codes (pycountry, ~200 countries
with China and Kazakhstan among them), 5,000 HS6 codes spread over the 96 chapters, exporters and
importers drawn with a heavy-tailed (Zipf-like) weight so a few countries trade most, values
log-normal (thousand USD) and 10% of quantities missing (``NA``).

Measured:

- the import (``trade-dashboard import-baci``'s function) in a child process: wall time and
  peak resident memory (``getrusage`` of the child, so the generator's memory does not count);
- one pair's yearly series: :func:`dashboard.ingest.baci.pair_observations` (DuckDB on the pair
  totals table), DuckDB straight on the HS6 flows (row groups pruned), and pandas reading the
  same flows Parquet then filtering (the baseline; also with pyarrow filter push-down);
- one pair-year's HS chapter composition: :func:`~dashboard.ingest.baci.pair_composition`.

Run from the repository root::

    .venv/bin/python benchmarks/baci_bench.py [--rows 10000000] [--years 5] [--repeats 30]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402
import pycountry  # noqa: E402

RELEASE = "V202401"
FIRST_YEAR = 2019


def countries(n: int = 200) -> pd.DataFrame:
    """``n`` real countries (ISO numeric code, name, ISO2, ISO3), China and Kazakhstan first."""
    rows = [
        (int(c.numeric), c.name, c.alpha_2, c.alpha_3)
        for c in pycountry.countries
        if getattr(c, "numeric", None)
    ]
    rows.sort(key=lambda r: (r[3] not in ("CHN", "KAZ", "USA", "DEU", "RUS"), r[3]))
    return pd.DataFrame(
        rows[:n], columns=["country_code", "country_name", "country_iso2", "country_iso3"]
    )


def products(rng: np.random.Generator, n: int = 5000) -> np.ndarray:
    """``n`` distinct HS6 codes over chapters 01–97 (no 77), as six-character text."""
    chapters = np.array([c for c in range(1, 98) if c != 77])
    codes: set[str] = set()
    while len(codes) < n:
        ch = rng.choice(chapters, size=n)
        rest = rng.integers(100, 9999, size=n)
        codes.update(f"{c:02d}{r:04d}" for c, r in zip(ch, rest, strict=True))
    return np.array(sorted(codes)[:n])


def generate(out: Path, rows: int, years: int, seed: int = 17) -> list[Path]:
    """Write the country file and ``years`` yearly files of ``rows / years`` flows each."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    cty = countries()
    cty.to_csv(out / f"country_codes_{RELEASE}.csv", index=False)
    codes = cty["country_code"].to_numpy()
    hs6 = products(rng)
    n_c, n_k = len(codes), len(hs6)
    # Heavy tail: country weight ~ 1/rank^1.1 (a few big traders), products ~ 1/rank^0.8.
    w_c = 1.0 / np.arange(1, n_c + 1) ** 1.1
    w_c /= w_c.sum()
    w_k = 1.0 / np.arange(1, n_k + 1) ** 0.8
    w_k = rng.permutation(w_k / w_k.sum())
    paths = []
    per_year = rows // years
    for y in range(years):
        year = FIRST_YEAR + y
        keys = np.empty(0, dtype=np.int64)
        while len(keys) < per_year:
            m = int((per_year - len(keys)) * 1.6) + 1000
            i = rng.choice(n_c, size=m, p=w_c)
            j = rng.choice(n_c, size=m, p=w_c)
            k = rng.choice(n_k, size=m, p=w_k)
            ok = i != j
            new = (i[ok].astype(np.int64) * n_c + j[ok]) * n_k + k[ok]
            keys = np.unique(np.concatenate([keys, new]))
        keys = rng.permutation(keys)[:per_year]
        keys.sort()
        i, rest = np.divmod(keys, n_c * n_k)
        j, k = np.divmod(rest, n_k)
        v = np.round(rng.lognormal(mean=2.0, sigma=2.6, size=per_year), 3) + 0.001
        q = np.round(v * rng.lognormal(mean=-1.0, sigma=1.5, size=per_year), 3)
        q_text = pa.array(q.astype(str))
        q_text = pa.compute.if_else(pa.array(rng.random(per_year) < 0.1), "NA", q_text)
        table = pa.table(
            {
                "t": np.full(per_year, year, dtype=np.int16),
                "i": codes[i],
                "j": codes[j],
                "k": hs6[k],
                "v": v,
                "q": q_text,
            }
        )
        path = out / f"BACI_HS17_Y{year}_{RELEASE}.csv"
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))
        paths.append(path)
        del table, keys, i, j, k, v, q
    return paths


def child_import(files_dir: str, store_dir: str) -> None:
    """Run in a child process: import everything, print timing as JSON."""
    from dashboard.ingest import baci
    from dashboard.ingest.store import LocalStore

    t0 = time.perf_counter()
    summary = baci.import_baci(LocalStore(store_dir), [files_dir])
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "rows": summary.rows, "peak_mb": peak_kb / 1024}))


def timed(fn, repeats: int) -> tuple[float, float, list[float]]:
    """(first call, median of the next ``repeats`` calls) in milliseconds."""
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(times), times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--baseline-repeats", type=int, default=3)
    parser.add_argument("--workdir", default=None, help="keep files here (default: a temp dir)")
    parser.add_argument(
        "--child-import", nargs=2, metavar=("FILES", "STORE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(*args.child_import)
        return 0

    print("command:", shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    import duckdb

    print(
        f"versions: duckdb {duckdb.__version__}, pyarrow {pa.__version__}, pandas {pd.__version__}"
    )
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        files, store_dir = Path(tmp) / "baci", Path(tmp) / "store"
        t0 = time.perf_counter()
        paths = generate(files, args.rows, args.years)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"generated {args.rows:,} rows in {len(paths)} files ({size / 1e6:,.0f} MB CSV) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        gc.collect()
        child = subprocess.run(
            [sys.executable, __file__, "--child-import", str(files), str(store_dir)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        imp = json.loads(child.stdout.strip().splitlines()[-1])
        parquet = sorted(store_dir.glob("baci_flows/**/*.parquet"))
        pq_size = sum(p.stat().st_size for p in parquet)
        print(
            f"import: {imp['seconds']:.1f} s, peak RSS {imp['peak_mb']:,.0f} MB, "
            f"{imp['rows']:,} rows -> {len(parquet)} flows files, {pq_size / 1e6:,.0f} MB Parquet"
        )

        from dashboard.ingest import baci
        from dashboard.ingest.store import LocalStore

        store = LocalStore(store_dir)
        cases = [("CHN", "KAZ"), ("CHN", "USA")]
        rows = []
        for a, b in cases:
            series = baci.pair_observations(store, a, b)
            n_years = int((series.frame["flow"] == "total").sum())
            first, med, _ = timed(
                lambda a=a, b=b: baci.pair_observations(store, a, b), args.repeats
            )
            rows.append((f"{a}-{b} series: pair_observations (DuckDB, pair totals)", first, med))
            sql = (
                "SELECT year, exporter, sum(value_usd) AS v FROM baci_flows WHERE "
                "(exporter = ? AND importer = ?) OR (exporter = ? AND importer = ?) "
                "GROUP BY ALL ORDER BY year"
            )
            first, med_flows, _ = timed(
                lambda a=a, b=b, sql=sql: store.query(sql, [a, b, b, a]), args.repeats
            )
            rows.append((f"{a}-{b} series: DuckDB on the HS6 flows (pruned)", first, med_flows))
            ground = store.query(sql, [a, b, b, a]).groupby("year")["v"].sum()
            got = series.frame[series.frame["flow"] == "total"].set_index("year")["value_usd"]
            assert np.allclose(ground.to_numpy(), got.to_numpy()), "series differ"

            def pandas_all(a=a, b=b) -> pd.Series:
                df = pd.read_parquet(store_dir / "baci_flows")
                m = ((df.exporter == a) & (df.importer == b)) | (
                    (df.exporter == b) & (df.importer == a)
                )
                return df[m].groupby("year")["value_usd"].sum()

            def pandas_filtered(a=a, b=b) -> pd.Series:
                df = pd.read_parquet(
                    store_dir / "baci_flows",
                    filters=[
                        [("exporter", "==", a), ("importer", "==", b)],
                        [("exporter", "==", b), ("importer", "==", a)],
                    ],
                )
                return df.groupby("year")["value_usd"].sum()

            first, med_pd, _ = timed(pandas_all, args.baseline_repeats)
            rows.append(
                (f"{a}-{b} series: pandas read_parquet (all) + mask (baseline)", first, med_pd)
            )
            first, med_pdf, _ = timed(pandas_filtered, args.baseline_repeats)
            rows.append(
                (f"{a}-{b} series: pandas read_parquet(filters=) push-down", first, med_pdf)
            )
            year = FIRST_YEAR + args.years - 1
            comp = baci.pair_composition(store, a, b, year)
            first, med_c, _ = timed(
                lambda a=a, b=b, y=year: baci.pair_composition(store, a, b, y), args.repeats
            )
            rows.append((f"{a}-{b} {year} HS2 composition: pair_composition", first, med_c))
            print(
                f"{a}-{b}: {n_years} years, {len(comp.frame)} chapter rows in {year}; "
                f"series {med:.1f} ms vs pandas {med_pd:.0f} ms = {med_pd / med:.0f}x "
                f"(push-down pandas {med_pdf:.0f} ms = {med_pdf / med:.0f}x); flows via DuckDB "
                f"{med_flows:.1f} ms = {med_pd / med_flows:.0f}x"
            )
        print()
        print("| query | first call (ms) | median (ms) |")
        print("|---|---:|---:|")
        for name, first, med in rows:
            print(f"| {name} | {first:,.1f} | {med:,.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
