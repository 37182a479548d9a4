"""The analytic store (issue #16): products and bulk partitions in Parquet, DuckDB queries, the
migration from the CSV store, and versions that readers see whole. All figures are synthetic."""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.ingest.store import DATA_DIR_ENV, LocalStore, StoreDamagedError
from dashboard.ingest.validation import read_observations_csv
from dashboard.model import PRODUCT_COLUMNS, DataFileError
from tests.support.product_rows import product_rows
from tests.support.rows import fetched_rows
from tests.support.store_files import (
    HEADER,
    LEGACY_HEADER,
    all_files,
    csv_line,
    current_file,
    write_csv_store,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)


@pytest.fixture
def store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "store")


# -- migration from the CSV store ----------------------------------------------------------------

CURRENT_CSV = (
    "\n".join(
        [
            HEADER,
            csv_line(2021, "20000000000"),
            csv_line(2022, "30000000000.5", flow="export"),
            csv_line(2022, "12", reporter="KAZ", partner="CHN", origin="upload"),
            csv_line(2023, "41000000000"),
        ]
    )
    + "\n"
)
PREVIOUS_CSV = HEADER + "\n" + csv_line(2021, "19000000000") + "\n"


def test_a_csv_store_is_migrated_row_for_row_and_its_files_kept(store):
    """The CSV store (format 1, with its manifest) reads exactly as the CSV validator reads the
    same bytes (ground truth), before and after the migration; the previous CSV version
    becomes the previous Parquet version; the CSV files are kept byte for byte."""
    write_csv_store(store.directory, CURRENT_CSV, PREVIOUS_CSV)
    originals = all_files(store.directory)
    truth = read_observations_csv(CURRENT_CSV.encode(), "truth")
    truth = truth[[*LEGACY_HEADER.split(","), "origin"]]
    migrated = store.read()
    pd.testing.assert_frame_equal(migrated, truth)
    assert migrated["value_usd"].tolist() == [20e9, 30000000000.5, 41e9, 12.0]  # key order
    assert json.loads(store.manifest_path.read_text())["format"] == 2
    assert not (store.directory / "observations.csv").exists()
    [kept] = (store.directory / "legacy-csv").iterdir()
    for name in ("observations.csv", "observations.prev.csv", "manifest.json"):
        assert (kept / name).read_bytes() == originals[name]
    assert store.migration_note is not None and str(kept) in store.migration_note
    pd.testing.assert_frame_equal(LocalStore(store.directory).read(), truth)  # stays so
    store.restore_previous()
    assert store.read()["value_usd"].tolist() == [19e9]


def test_a_damaged_csv_store_is_not_migrated_and_restore_uses_its_previous_version(store):
    """The CSV file cut at a line end (its manifest says 4 rows, it has 3): reading names the
    file, nothing changes (not even a lock file); restore migrates the previous CSV instead."""
    write_csv_store(store.directory, CURRENT_CSV, PREVIOUS_CSV)
    lines = CURRENT_CSV.splitlines(keepends=True)
    (store.directory / "observations.csv").write_text("".join(lines[:-1]))
    before = all_files(store.directory)
    with pytest.raises(StoreDamagedError, match=r"observations\.csv does not match"):
        store.read()
    assert all_files(store.directory) == before
    assert [c.ok for c in store.check()] == [False, True]
    summary = store.restore_previous()
    assert summary.rows == 1 and store.read()["value_usd"].tolist() == [19e9]
    assert summary.kept_as is not None and summary.kept_as.read_text() == "".join(lines[:-1])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only directory")
def test_a_read_only_csv_store_is_read_in_place(store):
    write_csv_store(store.directory, CURRENT_CSV)
    store.directory.chmod(0o555)
    try:
        assert len(store.read()) == 4
        assert (store.directory / "observations.csv").exists()
    finally:
        store.directory.chmod(0o755)


# -- products ------------------------------------------------------------------------------------


def test_products_are_partitioned_by_origin_and_year_and_sorted_by_pair(store):
    """Two pairs x 2 years x 2 flows x 97 chapters = 776 rows: one file per (origin, year),
    each sorted by reporter, partner, flow, code (so row-group statistics prune other pairs);
    origin and year live in the path, not in the file."""
    rows = pd.concat(
        [
            product_rows([2022, 2023], reporter=r, partner=p)
            for r, p in (("KAZ", "CHN"), ("CHN", "KAZ"))
        ]
    )
    summary = store.upsert_products(rows)
    assert (summary.added, summary.replaced, summary.total) == (776, 0, 776)
    files = store.files("products")
    assert [f.parent.relative_to(store.directory).as_posix() for f in files] == [
        "products/origin=comtrade/year=2022",
        "products/origin=comtrade/year=2023",
    ]
    table = pq.read_table(files[0])
    assert "origin" not in table.column_names and "year" not in table.column_names
    keys = list(
        zip(
            *(table.column(c).to_pylist() for c in ("reporter", "partner", "flow", "code")),
            strict=True,
        )
    )
    assert keys == sorted(keys) and len(keys) == 388


def test_read_products_filters_and_returns_the_values_stored(store):
    """Values are value(year, flow, chapter) = 1e6 * chapter + (year - 2000): CHN->KAZ 2023
    export chapter 27 must read 27e6 + 23."""
    store.upsert_products(product_rows([2022, 2023]))
    store.upsert_products(product_rows([2023], reporter="KAZ", partner="CHN"))
    got = store.read_products("CHN", "KAZ", year=2023)
    assert list(got.columns) == list(PRODUCT_COLUMNS) and len(got) == 194
    assert got["year"].dtype == "int64" and got["value_usd"].dtype == "float64"
    assert got.query("flow == 'export' and code == '27'")["value_usd"].item() == 27e6 + 23
    assert got["code"].iloc[0] == "01"  # leading zero kept
    assert len(store.read_products()) == 3 * 194
    assert len(store.read_products(partner="CHN")) == 194
    assert store.read_products("USA", "KAZ").empty
    pairs = store.product_pairs()
    assert pairs.to_dict("records") == [
        {
            "origin": "comtrade",
            "reporter": "CHN",
            "partner": "KAZ",
            "first_year": 2022,
            "last_year": 2023,
            "rows": 388,
        },
        {
            "origin": "comtrade",
            "reporter": "KAZ",
            "partner": "CHN",
            "first_year": 2023,
            "last_year": 2023,
            "rows": 194,
        },
    ]


def test_an_empty_store_has_no_products(store):
    assert store.read_products("CHN", "KAZ").empty
    assert list(store.read_products().columns) == list(PRODUCT_COLUMNS)
    assert store.product_pairs().empty
    assert not store.directory.exists()


def test_upsert_products_replaces_same_keys_and_leaves_other_partitions_alone(store):
    """Re-storing 2023 with new values replaces its 194 rows; the 2022 file is not rewritten."""
    store.upsert_products(product_rows([2022, 2023]))
    f2022 = [f for f in store.files("products") if "year=2022" in str(f)]
    summary = store.upsert_products(product_rows([2023], value=lambda y, f, c: 5.0 * c))
    assert (summary.added, summary.replaced, summary.total) == (0, 194, 388)
    assert [f for f in store.files("products") if "year=2022" in str(f)] == f2022
    got = store.read_products("CHN", "KAZ", year=2023)
    assert got.query("flow == 'import' and code == '10'")["value_usd"].item() == 50.0


def test_hs_revisions_across_years_are_kept_per_year(store):
    """A reporter switching from HS2012 (H4) to HS2017 (H5) in 2017: each year keeps the
    revision it was reported in."""
    store.upsert_products(
        product_rows(
            range(2015, 2019), chapters=[1, 2], classification=lambda y: "H4" if y < 2017 else "H5"
        )
    )
    got = store.read_products("CHN", "KAZ").groupby("year")["classification"].unique()
    assert {y: list(v) for y, v in got.items()} == {
        2015: ["H4"],
        2016: ["H4"],
        2017: ["H5"],
        2018: ["H5"],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value_usd": -1.0}, "value_usd must be a number of US dollars >= 0"),
        ({"code": "7"}, "code must be an HS code"),
        ({"partner": "XYZ"}, "unknown ISO3 country code"),
        ({"flow": "total"}, "value not allowed"),
        ({"source_url": "ftp://x"}, "source_url must be an http"),
        ({"classification": "HS"}, "classification must be an HS revision"),
    ],
)
def test_invalid_product_rows_leave_the_store_byte_identical(store, change, message):
    store.upsert_products(product_rows([2022], chapters=[1, 2]))
    before = all_files(store.directory)
    bad = product_rows([2023], chapters=[1, 2])
    for column, value in change.items():
        bad.loc[1, column] = value
    with pytest.raises(DataFileError, match=message):
        store.upsert_products(bad)
    assert all_files(store.directory) == before


def test_duplicate_product_keys_are_refused(store):
    rows = product_rows([2022], chapters=[1])
    with pytest.raises(DataFileError, match="duplicate key"):
        store.upsert_products(pd.concat([rows, rows]))
    assert not store.directory.exists()


# -- bulk partitions (the BACI import, issue #17) ------------------------------------------------


def _flows(year: int, n: int = 4) -> pa.Table:
    return pa.table(
        {
            "exporter": pa.array(["CHN"] * n),
            "importer": pa.array(["KAZ"] * n),
            "k": pa.array([f"{i:06d}" for i in range(n)]),
            "v": pa.array([float(year + i) for i in range(n)]),
        }
    )


def test_replace_partitions_writes_a_new_table_in_one_swap_and_queries_it(store):
    calls = []
    summary = store.replace_partitions(
        "baci_flows",
        {f"origin=baci/year={y}": _flows(y) for y in (2021, 2022)},
        progress=lambda done, total: calls.append((done, total)),
    )
    assert (summary.added, summary.replaced, summary.total) == (8, 0, 8)
    assert calls == [(1, 2), (2, 2)]
    got = store.query(
        "SELECT year, sum(v) AS v FROM baci_flows WHERE origin = ? GROUP BY year ORDER BY year",
        ["baci"],
    )
    # sum over i = 0..3 of (year + i) = 4 * year + 6
    assert got.to_dict("records") == [{"year": 2021, "v": 8090.0}, {"year": 2022, "v": 8094.0}]


def test_replace_partitions_replaces_and_removes_partitions(store):
    store.replace_partitions("baci_flows", {f"year={y}": _flows(y) for y in (2021, 2022)})
    summary = store.replace_partitions(
        "baci_flows", {"year=2022": _flows(2022, n=2), "year=2021": _flows(2021, n=0)}
    )
    assert (summary.added, summary.replaced, summary.total) == (2, 8, 2)
    got = store.query("SELECT year, count(*) AS n FROM baci_flows GROUP BY year")
    assert got.to_dict("records") == [{"year": 2022, "n": 2}]


def test_replace_partitions_takes_one_lazy_partition_at_a_time(store):
    """A Mapping whose values are built on access: each is written before the next is built."""
    from collections.abc import Mapping

    built = []

    class Lazy(Mapping):
        def __getitem__(self, key):
            built.append(key)
            assert len(list(store.directory.rglob("*.parquet"))) == len(built) - 1
            return _flows(int(key.split("=")[1]))

        def __iter__(self):
            return iter(["year=2020", "year=2021", "year=2022"])

        def __len__(self):
            return 3

    store.replace_partitions("baci_flows", Lazy())
    assert built == ["year=2020", "year=2021", "year=2022"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"year=2023": _flows(2023).drop_columns(["v"])}, "has columns"),
        (
            {"year=2023": _flows(2023).append_column("year", pa.array([2022] * 4))},
            "not only '2023'",
        ),
        ({"year=2023/../x": _flows(2023)}, "bad partition key"),
        ({"origin=baci": _flows(2023)}, "is partitioned by year"),
    ],
)
def test_bad_partitions_leave_the_store_byte_identical(store, parts, message):
    store.replace_partitions("baci_flows", {"year=2022": _flows(2022)})
    before = all_files(store.directory)
    with pytest.raises(ValueError, match=message):
        store.replace_partitions("baci_flows", parts)
    assert all_files(store.directory) == before


def test_products_written_as_partitions_are_validated(store):
    rows = product_rows([2022], chapters=[1, 2], origin="baci")
    store.replace_partitions("products", {"origin=baci/year=2022": pa.Table.from_pandas(rows)})
    assert (
        store.read_products(origin="baci")["value_usd"].tolist()
        == rows.sort_values(["flow", "code"])["value_usd"].tolist()
    )
    bad = rows.assign(value_usd=-1.0)
    with pytest.raises(DataFileError, match=">= 0"):
        store.replace_partitions("products", {"origin=baci/year=2022": pa.Table.from_pandas(bad)})


def test_observations_are_not_a_partitioned_table(store):
    with pytest.raises(ValueError, match="upsert"):
        store.replace_partitions("observations", {"year=2022": _flows(2022)})


# -- versions, orphans, checks -------------------------------------------------------------------


def test_unlisted_data_files_of_a_killed_write_are_removed_on_open(store):
    store.upsert(fetched_rows([2020]))
    store.upsert_products(product_rows([2020], chapters=[1]))
    orphan = (
        store.directory / "products" / "origin=comtrade" / "year=2021" / "v000009-deadbeef.parquet"
    )
    orphan.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(product_rows([2021], chapters=[1])), orphan)
    listed = {*store.files(), *store.files("products"), *store.files(version="previous")}
    LocalStore.open(store.directory)
    assert not orphan.exists() and not orphan.parent.exists()
    assert all(p.exists() for p in listed)


def test_a_version_stays_readable_for_one_more_write(store):
    """A reader holding version 1's manifest can still read its files after one more write;
    after two, they are gone and a reader re-reads the current manifest."""
    store.upsert(fetched_rows([2020]))
    [v1] = store.files()
    store.upsert(fetched_rows([2021]))
    assert v1.exists()
    store.upsert(fetched_rows([2022]))
    assert not v1.exists()
    assert store.read()["year"].tolist() == [2020, 2021, 2022]


def test_check_hashes_every_file_of_both_versions(store):
    store.upsert(fetched_rows([2020]))
    store.upsert_products(product_rows([2020], chapters=[1, 2]))
    checks = store.check()
    assert [(c.version, c.name.split("/")[0], c.rows, c.ok) for c in checks] == [
        ("current", "observations", 1, True),
        ("current", "products", 4, True),
        ("previous", "observations", 1, True),
    ]
    path = current_file(store, "products")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle: same size
    path.write_bytes(bytes(data))
    bad = [c for c in store.check() if not c.ok]
    assert [c.name for c in bad] == [path.relative_to(store.directory).as_posix()]


def test_version_changes_with_every_write_and_restore(store):
    seen = {store.version()}
    store.upsert(fetched_rows([2020]))
    seen.add(store.version())
    store.upsert_products(product_rows([2020], chapters=[1]))
    seen.add(store.version())
    store.restore_previous()
    seen.add(store.version())
    assert len(seen) == 4 and 0 in seen


def test_replace_tables_commits_several_tables_in_one_swap_or_none(store):
    """Two tables in one write: one manifest version more, both readable (4 + 4 rows of 2021;
    sum over i = 0..3 of (2021 + i) = 8090). A failure while building the second table's
    partition leaves every file byte-identical, the first table's new files included."""
    from dashboard.ingest.store import PartitionWrite

    store.replace_partitions("baci_totals", {"year=2020": _flows(2020)})
    version = json.loads((store.directory / "manifest.json").read_text())["version"]
    summary = store.replace_tables(
        [
            PartitionWrite("baci_flows", {"year=2021": _flows(2021)}),
            PartitionWrite("baci_totals", {"year=2021": _flows(2021)}),
        ]
    )
    assert (summary.added, summary.total) == (8, 4 + 8)
    manifest = json.loads((store.directory / "manifest.json").read_text())
    assert manifest["version"] == version + 1
    for table in ("baci_flows", "baci_totals"):
        got = store.query(f"SELECT sum(v) AS v FROM {table} WHERE year = 2021")
        assert got["v"].item() == 8090.0

    class Broken(dict):
        def __getitem__(self, key):
            raise OSError("disk gone while building the totals")

    before = all_files(store.directory)
    with pytest.raises(OSError, match="disk gone"):
        store.replace_tables(
            [
                PartitionWrite("baci_flows", {"year=2022": _flows(2022)}),
                PartitionWrite("baci_totals", Broken({"year=2022": None})),
            ]
        )
    assert all_files(store.directory) == before
