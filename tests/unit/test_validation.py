"""Loader validation: good files load; each kind of bad file is named with line and problem."""

import pytest

from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.ingest.validation import (
    is_partial_iso_date,
    read_observations_csv,
    read_targets_csv,
)
from dashboard.model import DataFileError
from tests.support.paths import DATA

GOOD = (DATA / "trade_series.csv").read_text(encoding="utf-8").splitlines()
HEADER = GOOD[0]
ROW = "CHN,KAZ,2022,total,31200000000,reported,News,https://example.org/a,2023-01-20,high,note"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _problems(data: bytes) -> str:
    with pytest.raises(DataFileError) as info:
        read_observations_csv(data, "x.csv")
    return str(info.value)


def test_shipped_files_validate():
    obs = load_observations()
    targets = load_targets()
    assert len(obs) == len(GOOD) - 1
    assert obs["year"].dtype == "int64" and obs["value_usd"].dtype == "float64"
    assert set(obs["origin"]) == {"snapshot"}
    assert targets["id"].is_unique


def test_good_row_round_trips():
    df = read_observations_csv(_csv(ROW), "x.csv")
    assert df.loc[0, "value_usd"] == 31.2e9 and df.loc[0, "year"] == 2022


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (ROW.replace("KAZ", "XYZ"), "column 'partner': unknown ISO3 country code"),
        (ROW.replace(",2022,", ",20x2,"), "column 'year': '20x2' is not a valid whole number"),
        (ROW.replace(",2022,", ",1800,"), "column 'year': out of range"),
        (ROW.replace("31200000000", "-5"), "column 'value_usd': value_usd must be a positive"),
        (ROW.replace("31200000000", "0"), "column 'value_usd': value_usd must be a positive"),
        (ROW.replace("31200000000", ""), "column 'value_usd': value is missing"),
        (ROW.replace("https://example.org/a", ""), "column 'source_url'"),
        (
            ROW.replace("https://example.org/a", "javascript:alert(1)"),
            "column 'source_url': source_url must be an http(s) URL",
        ),
        (ROW.replace("2023-01-20", "20 Jan 2023"), "column 'published': published must be an ISO"),
        (ROW.replace("2023-01-20", "2023-02-30"), "column 'published': published must be an ISO"),
        (ROW.replace(",total,", ",re-export,"), "column 'flow': value not allowed"),
        (ROW.replace(",high,", ",certain,"), "column 'confidence': value not allowed"),
        (ROW.replace("CHN,KAZ", "KAZ,KAZ"), "reporter and partner must differ"),
    ],
)
def test_bad_rows_are_named(row: str, expected: str):
    # The bad row is the second data row, so line 3 (the header is line 1).
    message = _problems(_csv(ROW.replace("2022", "2021"), row))
    assert f"x.csv, line 3: {expected}" in message
    assert "line 2" not in message


def test_every_problem_is_listed_at_once():
    message = _problems(_csv(ROW.replace("KAZ", "XYZ"), ROW.replace(",high,", ",sure,")))
    assert "line 2" in message and "line 3" in message


def test_duplicate_key_names_both_lines():
    message = _problems(_csv(ROW, ROW))
    assert "line 3: duplicate key (reporter=CHN, partner=KAZ, year=2022, flow=total)" in message
    assert "first on line 2" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (HEADER.encode() + b"\n", "header but no rows"),
        (b"reporter,partner\nCHN,KAZ\n", "line 1: missing column 'year'"),
        (HEADER.replace(",", ";").encode() + b"\n", "not comma-separated"),
        (_csv(ROW)[:-40] + b"\xff\xfe\n", "not UTF-8 text"),
        (_csv(ROW + ',"unclosed'), "line 2: expected 11 fields like the header, found 12"),
        (_csv(ROW + ",extra,fields"), "line 2: expected 11 fields like the header, found 13"),
    ],
)
def test_unreadable_files(data: bytes, expected: str):
    assert expected in _problems(data)


def test_missing_file_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match="cannot read file"):
        read_observations_csv(tmp_path / "nope.csv")


def test_partial_iso_dates():
    assert all(map(is_partial_iso_date, ["2024", "2024-07", "2024-07-03"]))
    assert not any(map(is_partial_iso_date, ["24", "2024-13", "2024-02-30", "2024/07", ""]))


def test_targets_validation_names_problems():
    lines = (DATA / "targets.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[1].replace(",CHN,KAZ,", ",CHN,QQQ,", 1)
    with pytest.raises(DataFileError) as info:
        read_targets_csv(("\n".join([lines[0], bad]) + "\n").encode(), "t.csv")
    assert "t.csv, line 2: column 'country_b': unknown ISO3 country code" in str(info.value)


def test_bad_snapshot_file_reports_its_name(data_copy):
    path = data_copy / "trade_series.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",2013,", ",2O13,", 1), encoding="utf-8"
    )
    with pytest.raises(DataFileError, match=r"trade_series\.csv, line \d+: column 'year'"):
        load_observations()
