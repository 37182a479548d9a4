"""Local store: where it lives, atomic validated writes that keep the previous version, clear
errors for damaged files, and the snapshot/Comtrade merge (hand-worked cases + a property test).

All figures here are synthetic test values, not trade data.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.ingest.snapshot import DEFAULT_DATA_DIR
from dashboard.ingest.store import (
    DATA_DIR_ENV,
    LocalStore,
    StoreLocationError,
    load_merged,
    merge_observations,
    resolve_data_dir,
)
from dashboard.ingest.store import files as files_mod
from dashboard.model import DataFileError
from tests.support.store_files import (
    HEADER,
    LEGACY_HEADER,
    all_files,
    csv_line,
    current_file,
    drop_last_row,
    set_cell,
    write_csv_store,
)


def row(
    year: int,
    value: float,
    flow: str = "total",
    reporter: str = "CHN",
    partner: str = "KAZ",
    source: str = "UN Comtrade",
    **extra,
) -> dict:
    r = {
        "reporter": reporter,
        "partner": partner,
        "year": year,
        "flow": flow,
        "value_usd": value,
        "qualifier": "reported",
        "source": source,
        "source_url": f"https://example.org/{source.replace(' ', '-').lower()}/{year}",
        "published": "2026-01-15",
        "confidence": "high",
        "note": "synthetic",
        "valuation": "",
        "retrieved": "2026-01-15",
    }
    r.update(extra)
    return r


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def files(directory: Path) -> dict[str, bytes]:
    return all_files(directory)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv("TRADE_DASHBOARD_SNAPSHOT_DIR", raising=False)


@pytest.fixture
def store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "store")


# -- location ------------------------------------------------------------------------------------


def test_data_dir_argument_beats_env_beats_platform_default(tmp_path, monkeypatch):
    assert resolve_data_dir() == Path(platformdirs.user_data_dir("trade-dashboard")).resolve()
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert resolve_data_dir() == (tmp_path / "from-env").resolve()
    assert resolve_data_dir(tmp_path / "explicit") == (tmp_path / "explicit").resolve()


@pytest.mark.parametrize("inside", ["", "sub", "sub/deeper"])
def test_store_refuses_to_live_inside_the_snapshot(inside, tmp_path, monkeypatch):
    with pytest.raises(StoreLocationError, match="shipped snapshot directory"):
        resolve_data_dir(DEFAULT_DATA_DIR / inside)
    monkeypatch.setenv("TRADE_DASHBOARD_SNAPSHOT_DIR", str(tmp_path / "snap"))
    with pytest.raises(StoreLocationError):
        LocalStore(tmp_path / "snap" / inside)


# -- writes --------------------------------------------------------------------------------------


def test_empty_store_reads_as_an_empty_typed_frame(store):
    df = store.read()
    assert df.empty and list(df.columns) == HEADER.split(",")
    assert df["year"].dtype == "int64" and df["value_usd"].dtype == "float64"
    assert not store.directory.exists()  # reading creates nothing


def test_upsert_writes_a_parquet_file_that_reads_back_exactly(store):
    """Two rows stored: one Parquet file with the store's columns (year int64, value in US
    dollars as a double, full precision kept) that reads back value for value, in key order."""
    import pyarrow.parquet as pq

    summary = store.upsert(
        frame(row(2023, 41e9), row(2022, 1234.5, flow="export", valuation="FOB"))
    )
    assert (summary.added, summary.replaced, summary.total) == (2, 0, 2)
    path = current_file(store)
    schema = pq.read_schema(path)
    assert schema.names == HEADER.split(",")
    assert str(schema.field("year").type) == "int64"
    assert str(schema.field("value_usd").type) == "double"
    assert pq.read_table(path).column("value_usd").to_pylist() == [1234.5, 41e9]
    back = store.read()
    assert back["value_usd"].tolist() == [1234.5, 41e9]
    assert back["valuation"].tolist() == ["FOB", ""]
    assert store.files(version="previous") == []  # nothing to keep on the first write
    # No temp files: the data file, the manifest, and the lock file (if filelock keeps it).
    assert set(all_files(store.directory)) - {"store.lock"} == {
        f"observations/{path.name}",
        "manifest.json",
    }


def test_new_rows_replace_same_key_and_the_previous_version_is_kept(store):
    """Store 2022 = 30e9 and 2023 = 40e9, then upsert 2023 = 41e9 and 2024 = 43e9:
    2023 is replaced, 2024 added -> 3 rows: 30e9, 41e9, 43e9; the previous version is the
    first file, untouched."""
    store.upsert(frame(row(2022, 30e9), row(2023, 40e9)))
    first = current_file(store)
    first_bytes = first.read_bytes()
    summary = store.upsert(frame(row(2023, 41e9), row(2024, 43e9)))
    assert (summary.added, summary.replaced, summary.total) == (1, 1, 3)
    assert store.read().set_index("year")["value_usd"].to_dict() == {
        2022: 30e9,
        2023: 41e9,
        2024: 43e9,
    }
    assert store.files(version="previous") == [first]
    assert first.read_bytes() == first_bytes
    assert current_file(store) != first


def test_rows_of_other_pairs_and_flows_are_left_alone(store):
    store.upsert(
        frame(row(2023, 1e9, flow="export"), row(2023, 5e9, reporter="KAZ", partner="CHN"))
    )
    store.upsert(frame(row(2023, 2e9, flow="export")))
    got = store.read()[["reporter", "flow", "value_usd"]].values.tolist()
    assert got == [["CHN", "export", 2e9], ["KAZ", "total", 5e9]]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(2023, -5.0), "value_usd must be a positive number"),
        (row(2023, 1e9, partner="XYZ"), "unknown ISO3 country code"),
        (row(2023, 1e9, published=""), "value is missing|published must be an ISO date"),
        (row(2023, 1e9, source_url="ftp://x"), "source_url must be an http"),
    ],
)
def test_invalid_rows_leave_the_store_byte_identical(store, bad, message):
    store.upsert(frame(row(2022, 30e9)))
    store.upsert(frame(row(2022, 31e9)))  # now there is a .prev too
    before = files(store.directory)
    with pytest.raises(DataFileError, match=message):
        store.upsert(frame(row(2024, 1e9), bad))
    assert files(store.directory) == before


def test_duplicate_keys_in_new_rows_are_rejected(store):
    with pytest.raises(DataFileError, match="duplicate key"):
        store.upsert(frame(row(2023, 1e9), row(2023, 2e9)))
    assert not store.exists() and not store.directory.exists()


def test_a_crash_before_the_replace_leaves_the_store_identical(store, monkeypatch):
    """Simulate the disk failing at the manifest swap (the commit point): every file is
    byte-identical afterwards (the new data file removed, the previous manifest put back), no
    temp files."""
    store.upsert(frame(row(2021, 20e9)))
    store.upsert(frame(row(2022, 30e9)))  # now there is a previous version too
    before = files(store.directory)
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == store.manifest_path:
            raise OSError("disk full (simulated)")
        return real_replace(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store.upsert(frame(row(2023, 40e9)))
    monkeypatch.setattr(files_mod.os, "replace", real_replace)
    after = files(store.directory)
    assert after == before
    assert not [n for n in after if n.endswith(".tmp")]
    assert store.read()["year"].tolist() == [2021, 2022]


def test_an_edited_store_file_raises_with_file_and_row(store):
    """A value edited to text in the Parquet file: the error names the file, the row (1-based)
    and the problem; a write refuses to build on it and changes nothing."""
    store.upsert(frame(row(2022, 30e9), row(2023, 40e9)))
    path = current_file(store)
    set_cell(path, 1, "value_usd", "forty billion")
    before = files(store.directory)
    with pytest.raises(DataFileError) as err:
        store.read()
    assert f"{path}: row 2: column 'value_usd': 'forty billion' is not a valid number" in str(
        err.value
    )
    with pytest.raises(DataFileError):
        store.upsert(frame(row(2024, 1e9)))
    assert files(store.directory) == before


def test_a_truncated_store_file_is_reported(store):
    """A file cut mid-way (a full disk, a killed copy) is no Parquet file any more."""
    store.upsert(frame(row(2022, 30e9)))
    path = current_file(store)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataFileError, match=r"observations/v\d+-\w+\.parquet: not a readable"):
        store.read()


# -- merge ---------------------------------------------------------------------------------------


def snapshot_rows() -> pd.DataFrame:
    """Snapshot: 2023 = 41e9 and 2024 = 43.82e9 (totals), with origin as load_observations sets."""
    df = frame(row(2023, 41e9, source="Snapshot"), row(2024, 43.82e9, source="Snapshot"))
    df["valuation"] = ""
    df["retrieved"] = ""
    df["origin"] = "snapshot"
    return df


def store_rows() -> pd.DataFrame:
    """Store: 2022 = 30e9 and 2023 = 40e9 (totals)."""
    return frame(row(2022, 30e9), row(2023, 40e9))


def test_merge_auto_keeps_snapshot_on_conflict_and_fills_other_years():
    """auto: 2022 from Comtrade (30e9, no alternative); 2023 snapshot 41e9 with the Comtrade
    40e9 as alternative; 2024 snapshot 43.82e9 (no alternative)."""
    m = merge_observations(snapshot_rows(), store_rows())
    assert m["year"].tolist() == [2022, 2023, 2024]
    assert m["value_usd"].tolist() == [30e9, 41e9, 43.82e9]
    assert m["origin"].tolist() == ["comtrade", "snapshot", "snapshot"]
    assert m["alt_origin"].tolist() == ["", "comtrade", ""]
    assert math.isnan(m.loc[0, "alt_value_usd"]) and m.loc[1, "alt_value_usd"] == 40e9
    assert m.loc[1, "alt_source_url"] == "https://example.org/un-comtrade/2023"
    assert m.loc[1, "source"] == "Snapshot"


def test_merge_prefer_comtrade_and_snapshot():
    comtrade = merge_observations(snapshot_rows(), store_rows(), prefer="comtrade")
    assert comtrade["value_usd"].tolist() == [30e9, 40e9, 43.82e9]
    assert comtrade["origin"].tolist() == ["comtrade", "comtrade", "snapshot"]
    assert comtrade.loc[1, "alt_value_usd"] == 41e9 and comtrade.loc[1, "alt_origin"] == "snapshot"
    snapshot = merge_observations(snapshot_rows(), store_rows(), prefer="snapshot")
    auto = merge_observations(snapshot_rows(), store_rows(), prefer="auto")
    pd.testing.assert_frame_equal(snapshot, auto)
    with pytest.raises(ValueError, match="prefer must be one of"):
        merge_observations(snapshot_rows(), store_rows(), prefer="newest")


def test_merge_with_one_side_missing():
    only_snapshot = merge_observations(snapshot_rows(), None)
    assert only_snapshot["origin"].tolist() == ["snapshot", "snapshot"]
    only_store = merge_observations(None, store_rows())
    assert only_store["origin"].tolist() == ["comtrade", "comtrade"]
    assert merge_observations(None, None).empty


def test_load_merged_reads_snapshot_and_store(tmp_path, monkeypatch):
    snap = tmp_path / "snap"
    snap.mkdir()
    snapshot_rows().drop(columns=["origin", "valuation", "retrieved"]).to_csv(
        snap / "trade_series.csv", index=False
    )
    monkeypatch.setenv("TRADE_DASHBOARD_SNAPSHOT_DIR", str(snap))
    LocalStore(tmp_path / "store").upsert(store_rows())
    m = load_merged(tmp_path / "store")
    assert m.set_index("year")["origin"].to_dict() == {
        2022: "comtrade",
        2023: "snapshot",
        2024: "snapshot",
    }


keys = st.sets(
    st.tuples(
        st.sampled_from(["CHN", "KAZ"]),
        st.integers(2000, 2010),
        st.sampled_from(["export", "import", "total"]),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(snap_keys=keys, store_keys=keys, prefer=st.sampled_from(["auto", "snapshot", "comtrade"]))
def test_merge_property(snap_keys, store_keys, prefer):
    """Snapshot values are 1e9 + year, store values 2e9 + year, so every figure reveals its side.
    The result has each key once, exactly the union; the preferred side wins on overlaps, and
    the alternative is the other side's value exactly where both had the key."""

    def side(ks, offset):
        return (
            frame(
                *[row(y, offset + y, flow=f, reporter=r, partner="USA") for r, y, f in sorted(ks)]
            )
            if ks
            else None
        )

    m = merge_observations(side(snap_keys, 1e9), side(store_keys, 2e9), prefer=prefer)
    got = set(zip(m["reporter"], m["year"], m["flow"], strict=True))
    assert got == snap_keys | store_keys and len(m) == len(got)
    for rec in m.to_dict("records"):
        k = (rec["reporter"], rec["year"], rec["flow"])
        both = k in snap_keys and k in store_keys
        store_wins = (prefer == "comtrade" and both) or k not in snap_keys
        assert rec["origin"] == ("comtrade" if store_wins else "snapshot")
        assert rec["value_usd"] == (2e9 if store_wins else 1e9) + rec["year"]
        if both:
            assert rec["alt_value_usd"] == (1e9 if store_wins else 2e9) + rec["year"]
        else:
            assert math.isnan(rec["alt_value_usd"]) and rec["alt_origin"] == ""


# -- origins (issue #12, bug 1) -----------------------------------------------------------------


def test_a_saved_upload_keeps_its_origin_next_to_comtrade_rows(store):
    """Bug: a saved upload came back from the store as origin "comtrade" and was drawn as UN
    Comtrade data. Save an upload for 2019 and fetched rows for 2020: each keeps its origin in the
    file and after the merge (2019 -> upload, 2020 -> comtrade)."""
    from dashboard.ingest.upload import parse_upload, to_store_rows

    up = parse_upload(
        b"year,value,reporter,partner,source\n2019,5000000000,CHN,KAZ,https://example.org/mine\n"
    )
    store.upsert(to_store_rows(up, "2026-11-29"))
    store.upsert(frame(row(2020, 30e9)))  # what `fetch` stores: rows without an origin column
    assert store.read().set_index("year")["origin"].to_dict() == {2019: "upload", 2020: "comtrade"}
    import pyarrow.parquet as pq

    stored = pq.read_table(current_file(store)).to_pandas()
    assert stored.set_index("year")["origin"].to_dict() == {2019: "upload", 2020: "comtrade"}
    merged = merge_observations(None, store.read())
    assert merged.set_index("year")["origin"].to_dict() == {2019: "upload", 2020: "comtrade"}


def test_an_unknown_origin_is_refused_and_the_store_left_alone(store):
    store.upsert(frame(row(2022, 30e9)))
    before = files(store.directory)
    with pytest.raises(DataFileError, match="column 'origin': value not allowed"):
        store.upsert(frame(row(2023, 1e9, origin="guess")))
    with pytest.raises(DataFileError, match="snapshot"):
        store.upsert(frame(row(2023, 1e9)), origin="snapshot")
    assert files(store.directory) == before


def test_a_store_written_before_origins_reads_uploads_by_their_note(store):
    """Files from before the origin column: rows whose note says "Uploaded by user" are uploads,
    the rest were fetched from Comtrade (the only other writer then)."""
    old = [
        LEGACY_HEADER,
        "CHN,KAZ,2019,total,5000000000,reported,Uploaded by user: mine,https://example.org/m,"
        "2026-11-29,low,Uploaded by user on 2026-11-29 (file unit: USD),,2026-11-29",
        "CHN,KAZ,2020,total,30000000000,reported,UN Comtrade,https://example.org/c,2026-01-15,"
        "high,synthetic,,2026-01-15",
    ]
    write_csv_store(store.directory, "\n".join(old) + "\n", manifest=False)
    assert store.read().set_index("year")["origin"].to_dict() == {2019: "upload", 2020: "comtrade"}


# -- years (issue #12 bug 2, #13) ---------------------------------------------------------------


def test_years_after_the_current_one_are_refused(store):
    """Only observed years can be stored: next year is refused with a clear message, the current
    year is fine (a partial year is still an observation)."""
    from datetime import date

    this_year = date.today().year
    store.upsert(frame(row(this_year, 1e9)))
    with pytest.raises(DataFileError, match=f"after the current year \\({this_year}\\)"):
        store.upsert(frame(row(this_year + 1, 1e9)))
    assert store.read()["year"].tolist() == [this_year]


# -- the manifest: every write verifiable (issue #13, finding 7) ---------------------------------


def test_the_manifest_records_rows_size_and_sha256_of_each_file(store):
    """After two writes the manifest lists the current file (2 rows) and the previous
    manifest the first one (1 row), each with the sha256 of exactly its bytes."""
    import hashlib
    import json

    store.upsert(frame(row(2022, 30e9)))
    first = current_file(store)
    store.upsert(frame(row(2023, 40e9)))
    second = current_file(store)
    manifest = json.loads(store.manifest_path.read_text())
    previous = json.loads(store.prev_manifest_path.read_text())
    assert manifest["format"] == 2 and manifest["version"] == previous["version"] + 1
    for m, path, rows in ((manifest, second, 2), (previous, first, 1)):
        data = path.read_bytes()
        assert m["tables"]["observations"]["files"] == {
            f"observations/{path.name}": {
                "rows": rows,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        }


def test_a_file_cut_at_a_line_end_is_detected(store):
    """Three rows stored, the last row dropped: still a valid Parquet file, but 2 rows where the
    manifest says 3, so it reads as damaged rather than silently shorter."""
    store.upsert(frame(row(2021, 1e9), row(2022, 2e9), row(2023, 3e9)))
    drop_last_row(current_file(store))
    with pytest.raises(DataFileError, match=r"it has 2 rows, the last write recorded 3 rows"):
        store.read()
    assert [c.ok for c in store.check()] == [False, True]  # no previous version: absent is ok


def test_a_write_killed_at_the_manifest_swap_still_reads(store, monkeypatch):
    """The process dies (KeyboardInterrupt stands for it) at the manifest swap: the new data
    file was written but never listed, so the store reads the old version, and the next write
    works and removes what the killed one left."""
    store.upsert(frame(row(2022, 30e9)))
    real = os.replace

    def killed(src, dst):
        if Path(dst) == store.manifest_path:
            raise KeyboardInterrupt  # the process dies here
        return real(src, dst)

    monkeypatch.setattr(files_mod.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        store.upsert(frame(row(2023, 40e9)))
    monkeypatch.setattr(files_mod.os, "replace", real)
    assert store.read()["year"].tolist() == [2022]
    assert store.upsert(frame(row(2024, 1e9))).total == 2
    assert len(list((store.directory / "observations").iterdir())) == 2  # current + previous


def test_a_damaged_manifest_is_reported(store):
    store.upsert(frame(row(2022, 30e9)))
    store.manifest_path.write_text("{not json")
    with pytest.raises(DataFileError, match="damaged manifest"):
        store.read()


def test_a_store_from_before_manifests_reads_and_gets_one_on_the_next_write(store):
    """A CSV store without any manifest (before issue #13) is read unverified, as it was, and
    migrated: afterwards a format-2 manifest lists its rows, and a write adds to them."""
    import json

    text = HEADER + "\n" + csv_line(2022, "30000000000") + "\n"
    write_csv_store(store.directory, text, manifest=False)
    assert len(store.read()) == 1
    store.upsert(frame(row(2023, 40e9)))
    assert json.loads(store.manifest_path.read_text())["format"] == 2
    assert store.read()["year"].tolist() == [2022, 2023]


# -- recovery ------------------------------------------------------------------------------------


def test_restore_puts_the_previous_version_back_and_keeps_the_damaged_file(store):
    """Two writes, then the current file is cut: restore brings back the 1-row version; the
    replaced version's manifest is kept and still lists the damaged file, which stays."""
    import json

    store.upsert(frame(row(2022, 30e9)))
    store.upsert(frame(row(2023, 40e9)))
    path = current_file(store)
    path.write_bytes(path.read_bytes()[:-30])  # cut mid-file
    damaged = path.read_bytes()
    summary = store.restore_previous()
    assert summary.rows == 1
    assert store.read()["year"].tolist() == [2022]
    assert summary.kept_as is not None
    kept = json.loads(summary.kept_as.read_text())["tables"]["observations"]["files"]
    assert list(kept) == [f"observations/{path.name}"] and path.read_bytes() == damaged
    assert all(c.ok for c in store.check())
    store.upsert(frame(row(2024, 1e9)))  # later writes keep the kept version's files
    assert path.read_bytes() == damaged


def test_restore_without_a_usable_previous_version_says_so(store):
    from dashboard.ingest.store import StoreRestoreError

    store.upsert(frame(row(2022, 30e9)))
    with pytest.raises(StoreRestoreError, match="no previous version"):
        store.restore_previous()
    store.upsert(frame(row(2023, 40e9)))
    [prev] = store.files(version="previous")
    prev.write_bytes(b"garbage\n")
    before = files(store.directory)
    with pytest.raises(StoreRestoreError, match="previous version cannot be used"):
        store.restore_previous()
    assert files(store.directory) == before
