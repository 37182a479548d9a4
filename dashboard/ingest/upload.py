"""Bring your own series: an uploaded CSV becomes a series, or a report of every problem by line.

The tracker can draw the series for the visitor's session, and :func:`to_store_rows` turns it
into observation rows for the local store. Whatever bytes arrive, :func:`parse_upload` returns an
:class:`UploadedSeries` or a :class:`ValidationReport`; it does not raise. Line numbers are the
file's physical lines, counting the header as line 1 (as an editor or spreadsheet shows them).
Decoding, URL, duplicate-key and schema checks are ``validation``'s (the store's own validator);
this module adds the friendly, upload-specific wording.

The file: UTF-8 text (a BOM is fine), commas between columns, one header line, one row per year
and flow. Lines starting with ``#`` and empty lines are skipped, so the template can explain
itself. Columns (names are case-insensitive, order is free, other columns are ignored with a note):

``year``      required. A whole number from ``model.YEAR_MIN`` (1900) to the current year: the
              same range the local store accepts, so a series that loads can also be saved.
``value``     required (``value_usd`` is accepted as its name). A positive number with a dot for
              decimals and no thousands separators.
``flow``      optional. ``total`` (default), ``export`` or ``import``, from the reporter's side. A
              year may appear once per flow.
``unit``      optional. ``USD`` (default), ``USD thousand``, ``USD million`` or ``USD billion``.
              Values are converted to US dollars.
``reporter``  optional. ISO 3166 alpha-3 code of the country whose statistics these are.
``partner``   optional. ISO3 code of the partner. Reporter and partner are needed to save the series
              to the local store.
``label``     optional. The series name on the chart (one label per file; default: file name).
``source``    optional. Where the figures come from (default "Uploaded by user"). An http(s) URL
              here lets the series be saved to the local store.

Limits: ``max_bytes`` (the page passes Streamlit's ``server.maxUploadSize``) and ``max_rows``
(5,000 by default: an annual series is a few dozen rows).

Text from an upload is untrusted: labels and sources pass through ``textsafe.plain_label`` here,
and the page shows them with ``textsafe.safe_label``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dashboard.ingest.validation import (
    decode_text,
    duplicate_key_problems,
    is_http_url,
    is_partial_iso_date,
    schema_failures,
    validate_observations,
)
from dashboard.model import FLOWS, YEAR_MAX, YEAR_MIN, DataFileError, current_year, known_codes
from dashboard.textsafe import plain_label, unguard_text

MAX_ROWS = 5_000
#: Streamlit's default ``server.maxUploadSize`` (200 MB).
DEFAULT_MAX_UPLOAD_MB = 200
DEFAULT_MAX_BYTES = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
#: Same ceiling as the observation schema: above $100 tn a year is a unit mistake.
VALUE_USD_MAX = 1e14
DEFAULT_SOURCE = "Uploaded by user"
DEFAULT_LABEL = "Uploaded series"

#: Accepted units and their factor to US dollars.
UNITS: dict[str, float] = {
    "USD": 1.0,
    "USD thousand": 1e3,
    "USD million": 1e6,
    "USD billion": 1e9,
}
_UNIT_ALIASES: dict[str, str] = {
    "usd": "USD",
    "us$": "USD",
    "usd thousand": "USD thousand",
    "usd thousands": "USD thousand",
    "thousand usd": "USD thousand",
    "usd million": "USD million",
    "usd millions": "USD million",
    "usd mn": "USD million",
    "million usd": "USD million",
    "usd billion": "USD billion",
    "usd billions": "USD billion",
    "usd bn": "USD billion",
    "billion usd": "USD billion",
}
REQUIRED_COLUMNS: tuple[str, ...] = ("year", "value")
OPTIONAL_COLUMNS: tuple[str, ...] = ("flow", "unit", "reporter", "partner", "label", "source")
_COLUMN_ALIASES = {"value_usd": "value"}

_INT = re.compile(r"^[+-]?[0-9]+(?:\.0*)?$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")

Problem = tuple[int | None, str]


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationReport:
    """Why an upload was refused: every problem found, as (line, message), in line order."""

    problems: tuple[Problem, ...]
    #: True only if the parser itself failed (a bug): the message then asks for a report.
    internal_error: bool = False

    @property
    def summary(self) -> str:
        n = len(self.problems)
        what = "1 problem" if n == 1 else f"{n:,} problems"
        return f"The file was not loaded: {what} to fix."

    def lines(self) -> list[str]:
        """One ``line N: message`` string per problem."""
        return [f"line {line}: {msg}" if line is not None else msg for line, msg in self.problems]

    def __str__(self) -> str:
        return "\n".join([self.summary, *self.lines()])


@dataclass(frozen=True, eq=False)
class UploadedSeries:
    """A validated uploaded series. ``frame`` has one row per year and flow, values in US dollars:
    year (int), flow, value_usd (float), unit (as given), reporter, partner, source, label, line.
    """

    label: str
    reporter: str | None
    partner: str | None
    frame: pd.DataFrame = field(repr=False)
    #: Things worth telling the user that did not stop the upload (ignored columns, ...).
    notes: tuple[str, ...] = ()

    @property
    def flows(self) -> tuple[str, ...]:
        return tuple(f for f in FLOWS if f in set(self.frame["flow"]))

    @property
    def flow(self) -> str:
        """The flow the tracker draws: ``total`` when the file has it."""
        return "total" if "total" in self.flows else self.flows[0]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.frame["source"]))

    def as_series(self, flow: str | None = None) -> pd.Series:
        """US dollars indexed by integer year, sorted, like ``analysis.series.basis_series``."""
        rows = self.frame[self.frame["flow"] == (flow or self.flow)]
        s = rows.set_index("year")["value_usd"].astype("float64").sort_index()
        s.index = s.index.astype("int64")
        s.name = self.label
        return s


# --- the template and limits --------------------------------------------------------------------

_TEMPLATE_LABEL = "Example – replace with your data"
_TEMPLATE_SOURCE = "https://example.org/replace-with-your-source"


def template_csv() -> bytes:
    """A CSV to start from: the header, two example rows labelled as such, and ``#`` notes.

    The example values (100 and 120 USD million) are illustrative placeholders, not data.
    """
    header = ",".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
    rows = [
        f"2022,100,total,USD million,CHN,KAZ,{_TEMPLATE_LABEL},{_TEMPLATE_SOURCE}",
        f"2023,120,total,USD million,CHN,KAZ,{_TEMPLATE_LABEL},{_TEMPLATE_SOURCE}",
    ]
    # Notes contain no commas, so a spreadsheet keeps each one in a single cell.
    notes = [
        "# The two rows above are an EXAMPLE with made-up values: replace them with your figures.",
        "# One row per year and flow. Lines starting with # are ignored.",
        f"# year: required - a whole number from {YEAR_MIN} to the current year",
        "# value: required - a positive number with a dot for decimals and no thousands separators",
        "# flow: optional - total / export / import from the reporter's side (default total)",
        "# unit: optional - USD / USD thousand / USD million / USD billion (default USD)",
        "# reporter and partner: optional - ISO3 codes such as CHN and KAZ "
        "(needed to save the series to the local store)",
        "# label: optional - the name shown on the chart (one label per file)",
        "# source: optional - where the figures come from; "
        "an http(s) link lets you save the series to the local store",
        "# Save as CSV UTF-8 with commas between columns.",
    ]
    text = "\r\n".join([header, *rows, *notes]) + "\r\n"
    return ("\ufeff" + text).encode("utf-8")


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{n:,} bytes"


# --- parsing ------------------------------------------------------------------------------------


class _Refused(Exception):
    """Stop parsing: the problems found so far make further checks meaningless."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def parse_upload(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = MAX_ROWS,
    filename: str | None = None,
) -> UploadedSeries | ValidationReport:
    """Parse and validate an uploaded CSV; never raises.

    ``filename`` (optional) supplies the default label.
    """
    try:
        return _parse(data, max_bytes, max_rows, filename)
    except _Refused as refused:
        return _report(refused.problems)
    except Exception as exc:  # a bug: still answer with a report rather than a traceback
        return ValidationReport(
            (
                (
                    None,
                    f"the file could not be checked (internal error: {type(exc).__name__}); "
                    "please report this with the file",
                ),
            ),
            internal_error=True,
        )


def _report(problems: list[Problem]) -> ValidationReport:
    unique = sorted(set(problems), key=lambda p: (p[0] is None, p[0] or 0, p[1]))
    return ValidationReport(tuple(unique))


def _decode(data: bytes) -> str:
    try:
        return decode_text(data, "upload")
    except DataFileError as exc:
        raise _Refused(list(exc.problems)) from None


def _records(text: str, max_rows: int) -> tuple[tuple[int, list[str]] | None, list]:
    """The header and the data records, each with the line it starts on."""
    # strict: an unclosed quote is an error, not a field that silently swallows the rest.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[int, list[str]] | None = None
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _Refused(
                [(start, f"unreadable CSV ({exc}); check the double quotes in this row")]
            ) from None
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = (start, cells)
            continue
        rows.append((start, cells))
        if len(rows) > max_rows:
            raise _Refused([(start, f"too many rows: at most {max_rows:,} data rows are accepted")])
    return header, rows


def _delimiter_problem(line: int, cells: list[str]) -> Problem | None:
    if len(cells) != 1:
        return None
    names = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
    for delim, name in names.items():
        if delim in cells[0]:
            return (
                line,
                f"the columns are separated by {name}: use commas instead "
                "(in a spreadsheet, save as 'CSV UTF-8 (comma delimited)')",
            )
    return None


def _columns(line: int, cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map of known column name -> position, and notes about ignored columns."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for i, raw in enumerate(cells):
        name = unguard_text(raw).strip().lower()
        name = _COLUMN_ALIASES.get(name, name)
        if name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
            if name in positions:
                problems.append((line, f"column {name!r} appears more than once"))
            positions[name] = i
        elif name:
            ignored.append(plain_label(raw, 40))
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            problems.append(
                (
                    line,
                    f"missing column {name!r} (the header must name the columns "
                    f"{', '.join(REQUIRED_COLUMNS)})",
                )
            )
    if problems:
        raise _Refused(problems)
    notes = [f"Ignored column(s): {', '.join(repr(n) for n in ignored)}."] if ignored else []
    return positions, notes


def _shown(text: str) -> str:
    return repr(plain_label(text, 40))


def _parse_rows(
    rows: list[tuple[int, list[str]]], positions: dict[str, int], width: int
) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells to typed columns. Unparsable cells become missing and are reported once here."""
    problems: list[Problem] = []
    records = []
    for line, cells in rows:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append(
                (
                    line,
                    f"{len(cells)} values but the header has {width} columns "
                    "(a value containing a comma must be in double quotes)",
                )
            )
            continue

        def cell(name: str, cells=cells) -> str:
            i = positions.get(name)
            return unguard_text(cells[i]).strip() if i is not None and i < len(cells) else ""

        year_text, value_text = cell("year"), cell("value")
        year = None
        if not year_text:
            problems.append((line, "year is missing"))
        elif _INT.match(year_text):
            whole = year_text.split(".")[0]
            if len(whole.lstrip("+-0")) > 4:  # also keeps int() away from huge digit strings
                problems.append(
                    (
                        line,
                        f"year must be between {YEAR_MIN} and {YEAR_MAX} (got {_shown(year_text)})",
                    )
                )
            else:
                year = int(whole)
                if YEAR_MIN <= year <= YEAR_MAX and year > current_year():
                    problems.append(
                        (
                            line,
                            f"year {year} is after the current year ({current_year()}): "
                            "upload observed figures only",
                        )
                    )
        else:
            problems.append((line, f"year {_shown(year_text)} is not a whole number"))
        value = math.nan
        if not value_text:
            problems.append((line, "value is missing"))
        elif _NUMBER.match(value_text):
            value = float(value_text)
        elif _NUMBER.match(value_text.replace(",", "").replace(" ", "")):
            problems.append(
                (
                    line,
                    f"value {_shown(value_text)}: write numbers without thousands "
                    "separators, with a dot for decimals",
                )
            )
        else:
            problems.append((line, f"value {_shown(value_text)} is not a number"))
        unit_text = " ".join(cell("unit").split())
        unit = _UNIT_ALIASES.get(unit_text.lower(), unit_text) if unit_text else "USD"
        records.append(
            {
                "line": line,
                "year": year,
                "value": value,
                "value_text": value_text,
                "unit": unit,
                "flow": cell("flow").lower() or "total",
                "reporter": cell("reporter").upper() or None,
                "partner": cell("partner").upper() or None,
                "label": plain_label(cell("label")) or None,
                "source": plain_label(cell("source"), 300) or None,
            }
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "line",
            "year",
            "value",
            "value_text",
            "unit",
            "flow",
            "reporter",
            "partner",
            "label",
            "source",
        ],
    )
    frame["line"] = frame["line"].astype("int64")
    frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    frame["value"] = frame["value"].astype("float64")
    factor = frame["unit"].map(UNITS).astype("float64")  # unknown unit -> NaN, reported below
    frame["value_usd"] = frame["value"] * factor
    return frame, problems


@cache
def _schema() -> pa.DataFrameSchema:
    codes = sorted(known_codes())
    return pa.DataFrameSchema(
        {
            "year": pa.Column(
                "Int64",
                nullable=True,
                checks=pa.Check.in_range(
                    YEAR_MIN, YEAR_MAX, error=f"year must be between {YEAR_MIN} and {YEAR_MAX}"
                ),
            ),
            "value": pa.Column(
                "float64",
                nullable=True,
                checks=[
                    pa.Check(
                        lambda s: s >= 0, error="value is negative: trade values are positive"
                    ),
                    pa.Check(lambda s: s != 0, error="value is zero: leave the year out instead"),
                ],
            ),
            "value_usd": pa.Column(
                "float64",
                nullable=True,
                checks=pa.Check(
                    lambda s: s < VALUE_USD_MAX,
                    error="value implausibly large (over $100 tn a year in US dollars); "
                    "check the unit",
                ),
            ),
            "unit": pa.Column(
                None,
                checks=pa.Check.isin(
                    list(UNITS), error=f"unknown unit; use one of {', '.join(UNITS)}"
                ),
            ),
            "flow": pa.Column(
                None,
                checks=pa.Check.isin(
                    list(FLOWS), error=f"unknown flow; use one of {', '.join(FLOWS)}"
                ),
            ),
            "reporter": pa.Column(
                None,
                nullable=True,
                checks=pa.Check.isin(
                    codes, error="reporter is not an ISO3 country code (such as CHN)"
                ),
            ),
            "partner": pa.Column(
                None,
                nullable=True,
                checks=pa.Check.isin(
                    codes, error="partner is not an ISO3 country code (such as KAZ)"
                ),
            ),
        },
        checks=[
            pa.Check(
                lambda d: (
                    d["reporter"].isna() | d["partner"].isna() | (d["reporter"] != d["partner"])
                ),
                error="reporter and partner must be different countries",
            )
        ],
        strict=False,
    )


def _schema_problems(frame: pd.DataFrame) -> list[Problem]:
    """The schema's failures in the upload's words: the check's message, the line, the value
    as written."""
    problems: list[Problem] = []
    for f in schema_failures(_schema(), frame)[1]:
        if f.index is None:
            problems.append((None, f.check))
            continue
        line = int(frame["line"].iloc[f.index])
        value = f.value
        if f.column in ("value", "value_usd"):  # show the number as written
            value = frame["value_text"].iloc[f.index]
        shown = "" if f.column is None else f" (got {_shown(str(value))})"
        problems.append((line, f"{f.check}{shown}"))
    return problems


def _duplicate_problems(frame: pd.DataFrame) -> list[Problem]:
    return duplicate_key_problems(
        frame,
        ["flow", "year"],
        lines=frame["line"],
        describe=lambda k: f"year {int(k[1])} ({k[0]}) appears more than once",
    )


def _one_value(frame: pd.DataFrame, column: str, what: str) -> tuple[str | None, list[Problem]]:
    """The column's single non-empty value (None if all empty), or a problem if it varies."""
    given = frame[frame[column].notna()]
    if given.empty:
        return None, []
    value = str(given[column].iloc[0])
    other = given[given[column] != value]
    if other.empty:
        return value, []
    o = other.iloc[0]
    return value, [
        (
            int(o["line"]),
            f"one series per file: {what} {_shown(str(o[column]))} "
            f"differs from {_shown(value)} on line "
            f"{int(given['line'].iloc[0])}",
        )
    ]


def _parse(
    data: bytes, max_bytes: int, max_rows: int, filename: str | None
) -> UploadedSeries | ValidationReport:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _Refused([(None, "expected the file's bytes")])
    data = bytes(data)
    if len(data) > max_bytes:
        raise _Refused([(None, f"the file is {_size(len(data))}; the limit is {_size(max_bytes)}")])
    text = _decode(data)
    if not text.strip():
        raise _Refused([(None, "the file is empty")])
    header, rows = _records(text, max_rows)
    if header is None:
        raise _Refused([(None, "the file is empty (only blank or # lines)")])
    delimiter = _delimiter_problem(*header)
    if delimiter:
        raise _Refused([delimiter])
    positions, notes = _columns(*header)
    if not rows:
        raise _Refused([(header[0], "the file has a header but no data rows")])
    frame, problems = _parse_rows(rows, positions, len(header[1]))
    problems += _schema_problems(frame)
    problems += _duplicate_problems(frame)
    reporter, p1 = _one_value(frame, "reporter", "reporter")
    partner, p2 = _one_value(frame, "partner", "partner")
    label, p3 = _one_value(frame, "label", "label")
    problems += p1 + p2 + p3
    if problems:
        return _report(problems)
    if label is None:
        stem = Path(filename).stem if filename else ""
        label = plain_label(stem) or DEFAULT_LABEL
    out = frame.assign(
        year=frame["year"].astype("int64"),
        reporter=reporter,
        partner=partner,
        label=label,
        source=frame["source"].fillna(DEFAULT_SOURCE),
    )
    cols = ["year", "flow", "value_usd", "unit", "reporter", "partner", "source", "label", "line"]
    out = out[cols].sort_values(["flow", "year"], kind="stable").reset_index(drop=True)
    return UploadedSeries(label, reporter, partner, out, tuple(notes))


# --- saving -------------------------------------------------------------------------------------


def to_store_rows(
    uploaded: UploadedSeries, retrieved_iso: str, source_url: str | None = None
) -> pd.DataFrame:
    """Observation-schema rows for the local store, validated by ``validate_observations``.

    The store requires provenance, so the series needs reporter and partner codes and an http(s)
    source: ``source_url`` if given, otherwise the file's ``source`` column. Raises ValueError
    with the fix when something is missing. The publication date is unknown for an upload, so
    the upload date ``retrieved_iso`` stands in for it (the note says so) and confidence is low.
    """
    if not is_partial_iso_date(retrieved_iso):
        raise ValueError(
            f"retrieved date must be an ISO date such as 2026-11-29, got {retrieved_iso!r}"
        )
    if not uploaded.reporter or not uploaded.partner:
        raise ValueError(
            "to save to the local store, give reporter and partner as ISO3 codes "
            "(columns 'reporter' and 'partner', e.g. CHN and KAZ)"
        )
    frame = uploaded.frame
    if source_url is not None:
        if not is_http_url(source_url.strip()):
            raise ValueError("to save to the local store, give the source as an http(s) URL")
        urls = pd.Series(source_url.strip(), index=frame.index)
    else:
        urls = frame["source"].str.strip()
        if not urls.map(is_http_url).all():
            raise ValueError("to save to the local store, give the source as an http(s) URL")
    rows = pd.DataFrame(
        {
            "reporter": uploaded.reporter,
            "partner": uploaded.partner,
            "year": frame["year"].astype("int64"),
            "flow": frame["flow"],
            "value_usd": frame["value_usd"].astype("float64"),
            "qualifier": "reported",
            "source": frame["source"].map(
                lambda s: (
                    s
                    if s != DEFAULT_SOURCE and not is_http_url(s.strip())
                    else f"{DEFAULT_SOURCE}: {uploaded.label}"
                )
            ),
            "source_url": urls,
            "published": retrieved_iso,
            "confidence": "low",
            "note": frame["unit"].map(
                lambda u: (
                    f"Uploaded by user on {retrieved_iso} (file unit: {u}); publication "
                    "date not given, so the upload date is used."
                )
            ),
            "valuation": "",
            "retrieved": retrieved_iso,
            "origin": "upload",
        }
    )
    return validate_observations(rows, label=f"upload {uploaded.label!r}")


def tracker_rows(uploaded: UploadedSeries, reporter: str, partner: str) -> pd.DataFrame:
    """The upload as observation rows the tracker can draw (flow ``total``, or the file's flow).

    Provenance columns are filled from the file: source as given, no URL or publication date
    (the user vouches for the figures), confidence "high". These rows are for the session only;
    saving to the local store goes through :func:`to_store_rows` and the full validator.
    """
    s = uploaded.as_series()
    return pd.DataFrame(
        {
            "reporter": reporter,
            "partner": partner,
            "year": s.index.to_numpy(),
            "flow": "total",
            "value_usd": s.to_numpy(),
            "qualifier": "reported",
            "source": f"Your data: {plain_label(uploaded.label)} ({', '.join(uploaded.sources)})",
            "source_url": "",
            "published": "",
            "confidence": "high",
            "note": "",
            "origin": "upload",
        }
    )
