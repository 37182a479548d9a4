"""Uploading your own series: every problem listed with its line, never a traceback."""

from __future__ import annotations

import csv
import io

import markdown_it
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.ingest.upload import (
    DEFAULT_SOURCE,
    MAX_ROWS,
    UNITS,
    UploadedSeries,
    ValidationReport,
    parse_upload,
    template_csv,
    to_store_rows,
)
from dashboard.report.files import to_csv_bytes
from dashboard.textsafe import plain_label, safe_label


def _ok(data: bytes, **kw) -> UploadedSeries:
    result = parse_upload(data, **kw)
    assert isinstance(result, UploadedSeries), str(result)
    return result


def _problems(data: bytes, **kw) -> list[tuple[int | None, str]]:
    result = parse_upload(data, **kw)
    assert isinstance(result, ValidationReport), f"expected a report, got {result!r}"
    assert not result.internal_error, result.problems
    return list(result.problems)


# --- good files ---------------------------------------------------------------------------------


def test_minimal_file_gives_a_series_in_us_dollars():
    s = _ok(b"year,value\n2020,15000000000\n2022,24100000000\n", filename="my numbers.csv")
    assert s.label == "my numbers"
    assert s.flow == "total"
    assert s.reporter is None and s.partner is None
    series = s.as_series()
    assert list(series.index) == [2020, 2022]
    assert series.index.dtype == "int64"
    assert list(series) == [15e9, 24.1e9]
    assert set(s.frame["source"]) == {DEFAULT_SOURCE}


def test_units_are_converted_to_dollars():
    """2021: 25 USD billion = 25e9; 2022: 31,200 USD million = 31.2e9; 2023: 41,000,000 USD
    thousand = 41e9; 2024: 43,820,000,000 USD."""
    data = (
        b"year,value,unit\n"
        b"2021,25,USD billion\n"
        b"2022,31200,usd million\n"
        b"2023,41000000,USD  thousand\n"
        b"2024,43820000000,\n"
    )
    series = _ok(data).as_series()
    assert list(series) == [25e9, 31.2e9, 41e9, 43.82e9]


def test_flows_reporter_partner_label_and_source_are_kept():
    data = (
        b"Year,Value,Flow,Unit,Reporter,Partner,Label,Source\n"
        b"2023,24.7,export,USD billion,chn,kaz,My GACC copy,https://example.org/gacc\n"
        b"2023,16.3,import,USD billion,CHN,KAZ,My GACC copy,https://example.org/gacc\n"
        b"2023,41,total,USD billion,CHN,KAZ,My GACC copy,https://example.org/gacc\n"
    )
    s = _ok(data)
    assert (s.reporter, s.partner, s.label) == ("CHN", "KAZ", "My GACC copy")
    assert s.flows == ("export", "import", "total")
    assert s.flow == "total"
    assert s.as_series("export").iloc[0] == pytest.approx(24.7e9)
    assert s.sources == ("https://example.org/gacc",)


def test_blank_and_comment_lines_are_skipped_but_lines_are_counted():
    data = b"year,value\n\n# a note, with commas\n2020,abc\n,,\n"
    assert _problems(data) == [(4, "value 'abc' is not a number")]


def test_ignored_columns_are_noted():
    s = _ok(b"year,value,comment\n2020,1\n")
    assert s.notes == ("Ignored column(s): 'comment'.",)


def test_template_parses_and_is_clearly_an_example():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "year,value,flow,unit,reporter,partner,label,source"
    s = _ok(data)
    assert s.label == "Example – replace with your data"
    assert len(s.frame) == 2
    assert "EXAMPLE" in text
    # Every note line is one spreadsheet cell: no commas.
    assert all("," not in line for line in text.splitlines() if line.startswith("#"))


def test_an_exported_csv_can_be_uploaded_again():
    """Downloads guard text with an apostrophe; the upload takes it off again."""
    df = pd.DataFrame(
        {"year": [2020, 2021], "value_usd": [1.5e9, 2.5e9], "label": ["=Series", "=Series"]}
    )
    s = _ok(to_csv_bytes(df))
    assert s.label == "=Series"
    assert list(s.as_series()) == [1.5e9, 2.5e9]


# --- every problem at once ----------------------------------------------------------------------


def test_every_problem_is_listed_with_its_line():
    data = (
        b"year,value,flow,unit\n"  # line 1
        b"2020,-5,total,USD\n"  # 2: negative
        b"20x1,3,total,USD\n"  # 3: year not a number
        b"1850,1,total,USD\n"  # 4: year out of range
        b"2021,7,sideways,USD\n"  # 5: flow
        b"2022,8,total,EUR\n"  # 6: unit
        b"2020,9,total,USD\n"  # 7: duplicate of line 2
        b"2020,9,export,USD\n"  # 8: fine (another flow)
        b"2023,,total,USD\n"  # 9: missing value
        b'2024,"1,234",total,USD\n'  # 10: thousands separator
        b"2025,0,total,USD\n"  # 11: zero
        b"2026,1e15,total,USD billion\n"  # 12: too large
    )
    problems = _problems(data)
    lines = [line for line, _ in problems]
    assert lines == [2, 3, 4, 5, 6, 7, 9, 10, 11, 12]
    text = dict(problems)
    assert "negative" in text[2]
    assert "'20x1' is not a whole number" in text[3]
    assert "between 1900 and 2100" in text[4]
    assert "unknown flow" in text[5] and "'sideways'" in text[5]
    assert "unknown unit" in text[6] and "USD million" in text[6]
    assert text[7] == "year 2020 (total) appears more than once; first on line 2"
    assert text[9] == "value is missing"
    assert "thousands separators" in text[10]
    assert "zero" in text[11]
    assert "implausibly large" in text[12]


def test_report_text_names_lines():
    report = parse_upload(b"year,value\n2020,x\n")
    assert isinstance(report, ValidationReport)
    assert report.summary == "The file was not loaded: 1 problem to fix."
    assert report.lines() == ["line 2: value 'x' is not a number"]
    assert str(report).splitlines()[1] == "line 2: value 'x' is not a number"


def test_unknown_codes_and_same_country_are_reported():
    data = b"year,value,reporter,partner\n2020,1,XXX,KAZ\n2021,1,KAZ,KAZ\n"
    text = "\n".join(m for _, m in _problems(data))
    assert "reporter is not an ISO3 country code" in text
    assert "reporter and partner must be different countries" in text


def test_one_series_per_file():
    data = b"year,value,label\n2020,1,A\n2021,2,B\n"
    assert _problems(data) == [(3, "one series per file: label 'B' differs from 'A' on line 2")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"year;value\n2020;1\n", "separated by semicolons"),
        (b"year\tvalue\n2020\t1\n", "separated by tabs"),
    ],
)
def test_wrong_delimiter_says_use_commas(data, expected):
    [(line, message)] = _problems(data)
    assert line == 1
    assert expected in message and "use commas" in message


def test_non_utf8_text_names_the_line():
    data = "year,value,label\n2020,1,Qazaqstan\n2021,2,Caf\xe9\n".encode("latin-1")
    [(line, message)] = _problems(data)
    assert line == 3
    assert "not UTF-8" in message and "0xE9" in message


def test_utf16_is_refused_with_advice():
    [(_, message)] = _problems("year,value\n2020,1\n".encode("utf-16"))
    assert "UTF-16" in message


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"# only a comment\n"])
def test_empty_file(data):
    [(line, message)] = _problems(data)
    assert line is None and "empty" in message


def test_header_without_rows():
    assert _problems(b"year,value\n") == [(1, "the file has a header but no data rows")]


def test_missing_required_column():
    assert _problems(b"yr,value\n2020,1\n") == [
        (1, "missing column 'year' (the header must name the columns year, value)")
    ]


def test_duplicate_column():
    problems = _problems(b"year,value,Value\n2020,1,2\n")
    assert problems == [(1, "column 'value' appears more than once")]


def test_too_many_values_in_a_row():
    [(line, message)] = _problems(b"year,value\n2020,1,5\n")
    assert line == 2 and "3 values but the header has 2 columns" in message


def test_too_many_rows():
    data = b"year,value\n" + b"".join(f"{1900 + i % 200},1\n".encode() for i in range(MAX_ROWS + 1))
    [(line, message)] = _problems(data)
    assert line == MAX_ROWS + 2  # the first row over the limit (header is line 1)
    assert "5,000" in message


def test_row_limit_is_a_parameter():
    assert isinstance(parse_upload(b"year,value\n2020,1\n2021,2\n", max_rows=1), ValidationReport)
    assert isinstance(parse_upload(b"year,value\n2020,1\n2021,2\n", max_rows=2), UploadedSeries)


def test_size_limit():
    data = b"year,value\n2020,1\n"
    [(line, message)] = _problems(data, max_bytes=10)
    assert line is None
    assert message == f"the file is {len(data)} bytes; the limit is 10 bytes"
    assert isinstance(parse_upload(data, max_bytes=len(data)), UploadedSeries)


def test_unclosed_quote_is_reported_not_swallowed():
    """Without strict parsing, the open quote on line 2 would eat line 3 into a label."""
    assert _problems(b'year,value,label\n2020,1,"open\n2021,2,x\n') == [
        (2, "unreadable CSV (unexpected end of data); check the double quotes in this row")
    ]
    [(line, message)] = _problems(b'year,value,label\n2020,1,x\n2021,2,"a" b\n')
    assert line == 3 and "double quotes" in message


def test_quoted_commas_and_line_breaks_in_text_are_fine():
    s = _ok(b'year,value,label\n2020,1,"Mine, v2"\n2021,2,"Mine, v2"\n')
    assert s.label == "Mine, v2"
    s = _ok(b'year,value,source\n2020,1,"two\nlines"\n2021,2,x\n')
    assert list(s.frame["line"]) == [2, 4]  # the second record starts on physical line 4


def test_huge_numbers_do_not_crash():
    problems = _problems(b"year,value\n" + b"9" * 5000 + b"," + b"9" * 5000 + b"\n")
    assert [line for line, _ in problems] == [2, 2]


# --- never anything but a series or a report ----------------------------------------------------


def _assert_controlled(result) -> None:
    assert isinstance(result, UploadedSeries | ValidationReport)
    if isinstance(result, ValidationReport):
        assert not result.internal_error, result.problems
        assert result.problems
    else:
        assert len(result.frame) > 0
        assert result.frame["value_usd"].gt(0).all()
        assert result.frame["year"].between(1900, 2100).all()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_a_series_or_a_report(data):
    _assert_controlled(parse_upload(data))


_COLUMN_NAMES = st.sampled_from(
    ["year", "value", "flow", "unit", "reporter", "partner", "label", "source", "Year", "x", ""]
)
_CELLS = st.one_of(
    st.text(max_size=12),
    st.integers(-10, 3000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["total", "export", "USD million", "CHN", "KAZ", "=1", "-5", "1e999", ""]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(_COLUMN_NAMES, min_size=1, max_size=6),
    rows=st.lists(st.lists(_CELLS, min_size=0, max_size=7), max_size=8),
    year_value=st.booleans(),
)
def test_arbitrary_csv_tables_give_a_series_or_a_report(header, rows, year_value):
    if year_value:  # half the time make sure the required columns exist, to reach the checks
        header = ["year", "value", *header]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    _assert_controlled(parse_upload(buffer.getvalue().encode("utf-8")))


_VALID_CELLS = {
    "flow": st.sampled_from(["total", "export", "import", "Total"]),
    "unit": st.sampled_from([*UNITS, "usd mn", ""]),
    "reporter": st.sampled_from(["CHN", "chn", ""]),
    "partner": st.sampled_from(["KAZ", ""]),
    "label": st.just("My series"),
    "source": st.sampled_from(["https://example.org/a", "", "notes"]),
}


@st.composite
def _near_valid_tables(draw) -> list[list[str]]:
    """Tables that are mostly right, with the odd bad cell: both outcomes get exercised."""
    optional = draw(st.lists(st.sampled_from(sorted(_VALID_CELLS)), unique=True, max_size=6))
    header = ["year", "value", *optional]
    years = draw(st.lists(st.integers(1890, 2110), min_size=1, max_size=8, unique=True))
    rows = []
    for year in years:
        row = [str(year), repr(draw(st.floats(-1.0, 1e13, allow_nan=False)))]
        row += [draw(_VALID_CELLS[c]) for c in optional]
        if draw(st.integers(0, 9)) == 0:  # one cell in ten rows is junk
            row[draw(st.integers(0, len(row) - 1))] = draw(_CELLS)
        rows.append(row)
    return [header, *rows]


# Each example that reaches validation costs ~40 ms (pandera), so fewer examples here.
@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near_valid_tables())
def test_near_valid_tables_give_a_series_or_a_report(table):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    result = parse_upload(buffer.getvalue().encode("utf-8"))
    _assert_controlled(result)
    if isinstance(result, UploadedSeries):
        # Every row made it, in dollars: value × unit factor.
        assert len(result.frame) == len(table) - 1


# --- saving to the local store ------------------------------------------------------------------


def _sourced() -> UploadedSeries:
    data = (
        b"year,value,unit,reporter,partner,label,source\n"
        b"2023,41,USD billion,CHN,KAZ,My copy,https://example.org/gacc-2023\n"
        b"2024,43.82,USD billion,CHN,KAZ,My copy,https://example.org/gacc-2024\n"
    )
    return _ok(data)


def test_store_rows_pass_the_observation_validator():
    rows = to_store_rows(_sourced(), "2026-11-29")
    assert list(rows["value_usd"]) == [41e9, 43.82e9]
    assert list(rows["source_url"]) == [
        "https://example.org/gacc-2023",
        "https://example.org/gacc-2024",
    ]
    assert set(rows["confidence"]) == {"low"}
    assert set(rows["published"]) == {"2026-11-29"}
    assert set(rows["retrieved"]) == {"2026-11-29"}
    assert set(rows["source"]) == {"Uploaded by user: My copy"}
    assert all("upload date is used" in n for n in rows["note"])


def test_store_rows_need_an_http_url():
    s = _ok(b"year,value,reporter,partner,source\n2020,1,CHN,KAZ,My notebook\n")
    with pytest.raises(ValueError, match="give the source as an http\\(s\\) URL"):
        to_store_rows(s, "2026-11-29")
    rows = to_store_rows(s, "2026-11-29", source_url="https://example.org/notebook")
    assert rows.loc[0, "source"] == "My notebook"
    with pytest.raises(ValueError, match="http\\(s\\) URL"):
        to_store_rows(s, "2026-11-29", source_url="javascript:alert(1)")


def test_store_rows_need_reporter_and_partner():
    s = _ok(b"year,value,source\n2020,1,https://example.org/x\n")
    with pytest.raises(ValueError, match="reporter and partner"):
        to_store_rows(s, "2026-11-29")


def test_store_rows_need_an_iso_date():
    with pytest.raises(ValueError, match="ISO date"):
        to_store_rows(_sourced(), "29/11/2026")


def test_a_year_the_upload_accepts_can_be_saved_to_the_store(tmp_path):
    """Bug: uploads accepted 1900 onwards but the store refused years before 1948, so "Save to
    local store" failed on rows the upload had accepted. One range now: 1920 goes through both."""
    from dashboard.ingest.store import LocalStore

    s = _ok(b"year,value,reporter,partner,source\n1920,1,CHN,KAZ,https://example.org/x\n")
    store = LocalStore(tmp_path / "store")
    store.upsert(to_store_rows(s, "2026-11-29"))
    assert store.read()["year"].tolist() == [1920]


def test_future_years_are_refused_line_by_line():
    """Next year (and the one after) are not observations: each line says so; this year is fine."""
    from datetime import date

    y = date.today().year
    data = f"year,value\n{y},1\n{y + 1},2\n{y + 2},3\n".encode()
    problems = _problems(data)
    assert [line for line, _ in problems] == [3, 4]
    assert problems[0][1] == (
        f"year {y + 1} is after the current year ({y}): upload observed figures only"
    )


# --- labels -------------------------------------------------------------------------------------


def _render(markdown: str) -> str:
    """HTML as a CommonMark renderer with raw HTML allowed would produce (the worst case)."""
    return markdown_it.MarkdownIt("commonmark", {"html": True}).render(markdown)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**bold** and _it_",
        "[x](javascript:alert(1))",
        "![img](https://evil.example/x.png)",
        "# Heading",
        "1. list",
        "`code`",
        "<img src=x onerror=alert(1)>",
        "$x^2$ :red[colour]",
    ],
)
def test_safe_label_renders_as_literal_text(text):
    html = _render(safe_label(text))
    assert html.startswith("<p>") and html.count("<") == 2  # only <p> and </p>
    assert "<script" not in html and "<a " not in html and "<strong>" not in html


def test_safe_label_examples():
    assert safe_label("**bold**") == "\\*\\*bold\\*\\*"
    assert safe_label("<script>") == "\\<script\\>"
    assert safe_label("[x](javascript:alert(1))") == ("\\[x\\]\\(javascript\\:alert\\(1\\)\\)")


def test_plain_label_strips_controls_collapses_space_and_truncates():
    assert plain_label("a\x00b\tc\n\nd\u202e\u200be") == "ab c de"
    long = plain_label("x" * 200)
    assert len(long) == 80 and long.endswith("…")
    assert plain_label("  Қазақстан   –  中国 ") == "Қазақстан – 中国"


def test_units_table_is_what_the_docstring_says():
    assert UNITS == {"USD": 1.0, "USD thousand": 1e3, "USD million": 1e6, "USD billion": 1e9}
