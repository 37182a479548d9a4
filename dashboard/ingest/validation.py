"""Schemas for the two data tables, and validation that reports every problem with its line.

The same validator guards the shipped snapshot, the local store (before an atomic replace) and
anything a user brings, so a file that passes here is safe for every other layer. Problems are
collected with pandera's lazy validation and translated to ``file, line N: problem`` messages:
line numbers count the header as line 1, as a spreadsheet or editor shows them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dashboard.model import (
    CONFIDENCE_LEVELS,
    FLOWS,
    OBSERVATION_COLUMNS,
    OBSERVATION_KEY,
    OPTIONAL_OBSERVATION_COLUMNS,
    ORIGINS,
    PRODUCT_COLUMNS,
    PRODUCT_KEY,
    QUALIFIERS,
    STORED_ORIGINS,
    YEAR_MAX,
    YEAR_MIN,
    DataFileError,
    current_year,
    known_codes,
)

_URL = re.compile(r"^https?://[^\s<>\"']+$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

TARGET_COLUMNS: tuple[str, ...] = (
    "id",
    "country_a",
    "country_b",
    "announced",
    "announced_by",
    "base_year",
    "base_value_usd",
    "target_value_usd",
    "target_multiple",
    "target_year",
    "target_year_note",
    "basis",
    "scope",
    "source",
    "source_url",
    "published",
    "note",
)


def is_partial_iso_date(text: str) -> bool:
    """True for ISO 8601 dates at a source's precision: ``2024``, ``2024-07``, ``2024-07-03``.

    Sources often date a statement only to the month or year; storing ``2024-07`` keeps that
    honest instead of inventing a day.
    """
    m = _PARTIAL_DATE.match(text)
    if not m:
        return False
    y, mo, d = (int(g) if g else None for g in m.groups())
    try:
        date(y, mo or 1, d or 1)
    except ValueError:
        return False
    return YEAR_MIN <= y <= YEAR_MAX


def is_http_url(text: str) -> bool:
    """True for an http(s) URL without spaces, quotes or angle brackets (safe to link)."""
    return bool(_URL.match(text))


#: Row-level checks spanning several columns: reported once per line, not once per column.
_FRAME_CHECKS = {
    "reporter and partner must differ",
    "basis must be empty or one of the pair's two countries",
    "a target_multiple needs base_value_usd",
}


def _provenance_columns() -> dict[str, pa.Column]:
    """Where a figure or a target comes from: the same three checked columns in both tables."""
    return {
        "source": _text(checks=pa.Check.str_length(min_value=1)),
        "source_url": _text(
            checks=pa.Check(lambda s: s.str.match(_URL), error="source_url must be an http(s) URL")
        ),
        "published": _text(
            checks=pa.Check(
                lambda s: s.map(is_partial_iso_date),
                error="published must be an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)",
            )
        ),
    }


def _text(**kw) -> pa.Column:
    return pa.Column(str, nullable=False, coerce=True, **kw)


def _known_code(codes: frozenset[str] | None = None) -> pa.Check:
    """A known ISO3 (or region) code; ``codes`` once computed by the caller, else per check."""
    return pa.Check(
        lambda s: s.isin(known_codes() if codes is None else codes),
        error="unknown ISO3 country code",
    )


def _year_column(*, nullable: bool) -> pa.Column:
    """A year in YEAR_MIN-YEAR_MAX and not after the current year (only observed years)."""
    return pa.Column(
        "Int64",
        nullable=nullable,
        coerce=True,
        checks=[
            pa.Check.in_range(YEAR_MIN, YEAR_MAX),
            pa.Check(
                lambda s: s <= current_year(),
                error=f"after the current year ({current_year()}): "
                "only observed years can be stored",
            ),
        ],
    )


def _observation_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "reporter": _text(checks=_known_code()),
            "partner": _text(checks=_known_code()),
            "year": _year_column(nullable=True),
            "flow": _text(checks=pa.Check.isin(FLOWS)),
            "value_usd": pa.Column(
                "float64",
                nullable=True,
                coerce=True,
                checks=[
                    pa.Check.gt(0, error="value_usd must be a positive number of US dollars"),
                    pa.Check(lambda s: s < 1e14, error="value_usd implausibly large (> $100 tn)"),
                ],
            ),
            "qualifier": _text(checks=pa.Check.isin(QUALIFIERS)),
            **_provenance_columns(),
            "confidence": _text(checks=pa.Check.isin(CONFIDENCE_LEVELS)),
            "note": pa.Column(str, nullable=True, coerce=True),
            "valuation": pa.Column(
                str,
                nullable=True,
                coerce=True,
                required=False,
                checks=pa.Check.isin(["", "FOB", "CIF"]),
            ),
            "retrieved": pa.Column(
                str,
                nullable=True,
                coerce=True,
                required=False,
                checks=pa.Check(
                    lambda s: s.map(lambda v: v == "" or is_partial_iso_date(v)),
                    error="retrieved must be empty or an ISO date",
                ),
            ),
            "origin": pa.Column(
                str, nullable=False, coerce=True, required=False, checks=pa.Check.isin(ORIGINS)
            ),
        },
        checks=[
            pa.Check(
                lambda df: df["reporter"] != df["partner"],
                error="reporter and partner must differ",
            ),
        ],
        strict=False,
        ordered=False,
    )


def _optional_positive(name: str) -> pa.Column:
    return pa.Column(
        "float64",
        nullable=True,
        coerce=True,
        checks=pa.Check.gt(0, error=f"{name} must be positive"),
    )


def _optional_year() -> pa.Column:
    return pa.Column(
        "Int64", nullable=True, coerce=True, checks=pa.Check.in_range(YEAR_MIN, YEAR_MAX)
    )


def _target_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "id": _text(unique=True, checks=pa.Check.str_matches(r"^[a-z0-9][a-z0-9-]*$")),
            "country_a": _text(checks=_known_code()),
            "country_b": _text(checks=_known_code()),
            "announced": _text(
                checks=pa.Check(
                    lambda s: s.map(is_partial_iso_date),
                    error="announced must be an ISO date (YYYY, YYYY-MM, YYYY-MM-DD)",
                )
            ),
            "announced_by": _text(checks=pa.Check.str_length(min_value=1)),
            "base_year": _optional_year(),
            "base_value_usd": _optional_positive("base_value_usd"),
            "target_value_usd": _optional_positive("target_value_usd"),
            "target_multiple": _optional_positive("target_multiple"),
            "target_year": _optional_year(),
            "target_year_note": pa.Column(str, nullable=True, coerce=True),
            "basis": pa.Column(str, nullable=True, coerce=True),
            "scope": _text(),
            **_provenance_columns(),
            "note": pa.Column(str, nullable=True, coerce=True),
        },
        checks=[
            pa.Check(
                lambda df: (
                    (df["basis"] == "")
                    | (df["basis"] == df["country_a"])
                    | (df["basis"] == df["country_b"])
                ),
                error="basis must be empty or one of the pair's two countries",
            ),
            pa.Check(
                lambda df: df["target_multiple"].isna() | df["base_value_usd"].notna(),
                error="a target_multiple needs base_value_usd",
            ),
        ],
        strict=False,
    )


def decode_text(raw: bytes, label: str) -> str:
    """UTF-8 text of a CSV file's bytes (a BOM is fine); DataFileError naming the line otherwise."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataFileError(label, [(1, "the file is UTF-16 text; save it as 'CSV UTF-8' instead")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            label,
            [
                (
                    line,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02X}); save the file as "
                    "'CSV UTF-8 (comma delimited)'",
                )
            ],
        ) from None


def _read_csv_text(source: str | Path | bytes, label: str) -> pd.DataFrame:
    """Read a CSV as all-text columns; unreadable input becomes a DataFileError."""
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DataFileError(label, [(None, f"cannot read file: {exc.strerror or exc}")]) from exc
    text = decode_text(raw, label)
    if not text.strip():
        raise DataFileError(label, [(None, "the file is empty")])
    _check_field_counts(text, label)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        detail = str(exc).split(". C error: ")[-1].replace("Error tokenizing data. ", "")
        raise DataFileError(
            label, [(line, f"malformed CSV ({detail}); check quotes and the number of commas")]
        ) from exc


def _check_field_counts(text: str, label: str) -> None:
    """Every row must have as many fields as the header.

    pandas would otherwise silently turn surplus leading fields into an index, shifting every
    value one column to the right.
    """
    problems: list[tuple[int | None, str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
        for row in reader:
            if row and len(row) != len(header):
                problems.append(
                    (
                        reader.line_num,
                        f"expected {len(header)} fields like the header, found {len(row)}",
                    )
                )
            if len(problems) >= 50:
                break
    except csv.Error as exc:
        problems.append((reader.line_num, f"malformed CSV ({exc}); check the quotes"))
    if problems:
        raise DataFileError(label, problems)


@dataclass(frozen=True)
class SchemaFailure:
    """One failed check: the 0-based row (None for a whole-table failure), column, check, value."""

    index: int | None
    column: str | None
    check: str
    value: object


def schema_failures(
    schema: pa.DataFrameSchema, df: pd.DataFrame
) -> tuple[pd.DataFrame | None, list[SchemaFailure]]:
    """Run ``schema`` lazily: the validated frame, or None and every failure pandera found."""
    try:
        return schema.validate(df, lazy=True), []
    except pa.errors.SchemaErrors as err:
        failures = []
        for rec in err.failure_cases.to_dict("records"):
            index = rec.get("index")
            column = rec.get("column")
            failures.append(
                SchemaFailure(
                    int(index) if isinstance(index, (int, float)) and not pd.isna(index) else None,
                    str(column) if column is not None and str(column) != "None" else None,
                    str(rec.get("check")),
                    rec.get("failure_case"),
                )
            )
        return None, failures


def _problems_from(failures: list[SchemaFailure]) -> list[tuple[int | None, str]]:
    """Translate schema failures to (line, message) pairs, one per row and problem."""
    problems: list[tuple[int | None, str]] = []
    for f in failures:
        check, value, line = f.check, f.value, _line(f.index)
        if check in _FRAME_CHECKS:
            problems.append((line, check))
            continue
        if check == "column_in_dataframe":
            problems.append((1, f"missing column {value!r}"))
            continue
        where = f"column {f.column!r}: " if f.column else ""
        if "coerce" in check or "dtype" in check:
            msg = f"{where}{value!r} is not a valid {_dtype_word(check)}"
        elif check.startswith("field_uniqueness"):
            msg = f"{where}duplicate value {value!r}"
        elif "not_nullable" in check:
            msg = f"{where}value is missing"
        else:
            shown = (
                ""
                if value is None or (isinstance(value, float) and pd.isna(value))
                else f" (got {value!r})"
            )
            msg = f"{where}{_check_words(check)}{shown}"
        problems.append((line, msg))
    return problems


def _line(index: object) -> int | None:
    """File line of a 0-based row index: the header is line 1."""
    if isinstance(index, (int, float)) and not pd.isna(index):
        return int(index) + 2
    return None


def _dtype_word(check: str) -> str:
    if "int" in check.lower():
        return "whole number"
    if "float" in check.lower():
        return "number"
    return "value"


def _check_words(check: str) -> str:
    words = {
        "isin": "value not allowed",
        "in_range": "out of range",
        "str_matches": "badly formed",
        "str_length": "must not be empty",
        "greater_than": "must be positive",
    }
    for key, text in words.items():
        if check.startswith(key):
            allowed = re.search(r"\[(.*)\]", check)
            if key == "isin" and allowed and len(allowed.group(1)) < 120:
                return f"value not allowed; use one of {allowed.group(1)}"
            if key == "in_range":
                return f"out of range {check[len('in_range') :]}"
            return text
    return check


def _parse_numbers(
    df: pd.DataFrame, columns: dict[str, bool], whole: set[str]
) -> tuple[pd.DataFrame, list[tuple[int | None, str]]]:
    """Parse text columns to numbers, listing every unparsable or missing cell with its line.

    ``columns`` maps a column to whether it is required. Done here rather than by pandera's
    coercion, so one bad cell yields one clear message instead of a cascade from later checks.
    """
    problems: list[tuple[int | None, str]] = []
    out = df.copy()
    for col, required in columns.items():
        if col not in out.columns:
            continue
        raw = out[col].astype("string").fillna("").str.strip()
        num = pd.to_numeric(raw.str.replace("_", "x", regex=False), errors="coerce")
        for idx in raw.index[(raw == "") & required]:
            problems.append((int(idx) + 2, f"column {col!r}: value is missing"))
        for idx in raw.index[(raw != "") & num.isna()]:
            kind = "whole number" if col in whole else "number"
            problems.append((int(idx) + 2, f"column {col!r}: {raw[idx]!r} is not a valid {kind}"))
        if col in whole:
            fractional = num.notna() & (num != num.round())
            for idx in num.index[fractional]:
                problems.append(
                    (int(idx) + 2, f"column {col!r}: {raw[idx]!r} is not a whole number")
                )
            num = num.where(~fractional)
            out[col] = num.round().astype("Int64")
        else:
            out[col] = num.astype("float64")
    return out, problems


def duplicate_key_problems(
    df: pd.DataFrame,
    key: list[str],
    lines: pd.Series | None = None,
    describe: Callable[[tuple], str] | None = None,
) -> list[tuple[int | None, str]]:
    """One message per repeated key, naming the line where the key first appeared.

    ``lines`` gives each row's file line (default: row position + 2, the header being line 1);
    ``describe`` words a repeated key (default ``duplicate key (reporter=CHN, ...)``). Rows with a
    missing key part are skipped: that cell is reported as missing already.
    """
    if lines is None:
        lines = pd.Series(range(2, len(df) + 2), index=df.index)
    if describe is None:

        def describe(k: tuple) -> str:
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=True))
            return f"duplicate key ({shown})"

    complete = df[key].notna().all(axis=1)
    first_line: dict[tuple, int] = {}
    problems: list[tuple[int | None, str]] = []
    keys = df.loc[complete, key].itertuples(index=False)
    for idx, k in zip(df.index[complete], keys, strict=True):
        k = tuple(k)
        line = int(lines[idx])
        if k in first_line:
            problems.append((line, f"{describe(k)}; first on line {first_line[k]}"))
        else:
            first_line[k] = line
    return problems


def validate_frame(
    df: pd.DataFrame,
    schema: pa.DataFrameSchema,
    label: str,
    required: Iterable[str],
    numbers: dict[str, bool] | None = None,
    whole: set[str] | None = None,
    key: list[str] | None = None,
) -> pd.DataFrame:
    """Validate ``df`` (all text columns as read) against ``schema``; return typed data.

    Raises DataFileError listing every problem found, not just the first.
    """
    missing = [c for c in required if c not in df.columns]
    if missing:
        problems = [(1, f"missing column {c!r}") for c in missing]
        if any(d in str(df.columns[0]) for d in ";\t|"):
            problems.insert(
                0,
                (
                    1,
                    "the header is not comma-separated; save the file as CSV "
                    "with commas between columns",
                ),
            )
        raise DataFileError(label, problems)
    if df.empty:
        raise DataFileError(label, [(None, "the file has a header but no rows")])
    df = df.reset_index(drop=True)
    df, problems = _parse_numbers(df, numbers or {}, whole or set())
    if key:
        problems += duplicate_key_problems(df, key)
    validated, failures = schema_failures(schema, df)
    problems += _problems_from(failures)
    if problems:
        ordered = sorted(set(problems), key=lambda p: (p[0] is None, p[0] or 0, p[1]))
        raise DataFileError(label, ordered)
    return validated


def validate_observations(df: pd.DataFrame, label: str = "observations") -> pd.DataFrame:
    """Validate an observation table (text or typed columns); returns it typed and in key order."""
    text = df.copy()
    for col in OPTIONAL_OBSERVATION_COLUMNS:
        if col not in text.columns:
            text[col] = ""
    for col in ("note", "valuation", "retrieved"):
        text[col] = text[col].fillna("") if col in text.columns else ""
    out = validate_frame(
        text,
        _observation_schema(),
        label,
        OBSERVATION_COLUMNS,
        numbers={"year": True, "value_usd": True},
        whole={"year"},
        key=list(OBSERVATION_KEY),
    )
    out["year"] = out["year"].astype("int64")
    cols = [*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS]
    extra = [c for c in out.columns if c not in cols]
    return (
        out[cols + extra].sort_values(list(OBSERVATION_KEY), kind="stable").reset_index(drop=True)
    )


def read_observations_csv(source: str | Path | bytes, label: str | None = None) -> pd.DataFrame:
    """Read and validate an observation CSV (a path or raw bytes)."""
    label = label or str(source)
    return validate_observations(_read_csv_text(source, label), label)


def validate_targets(df: pd.DataFrame, label: str = "targets") -> pd.DataFrame:
    """Validate a target table and return it typed."""
    text = df.copy()
    for col in ("target_year_note", "basis", "note"):
        if col in text.columns:
            text[col] = text[col].fillna("")
    # Empty cells in numeric columns mean "not stated".
    return validate_frame(
        text,
        _target_schema(),
        label,
        TARGET_COLUMNS,
        numbers={
            c: False
            for c in (
                "base_year",
                "base_value_usd",
                "target_value_usd",
                "target_multiple",
                "target_year",
            )
        },
        whole={"base_year", "target_year"},
    )


def read_targets_csv(source: str | Path | bytes, label: str | None = None) -> pd.DataFrame:
    """Read and validate a targets CSV (a path or raw bytes)."""
    label = label or str(source)
    return validate_targets(_read_csv_text(source, label), label)


#: An HS code as stored: a two-digit chapter ("01".."99"), a four-digit heading or a six-digit
#: subheading, leading zeros kept.
HS_CODE = re.compile(r"^\d{2}(?:\d{2}){0,2}$")
#: How a reporter's HS revision is written: Comtrade's "H0".."H6", BACI's "HS92".."HS22".
CLASSIFICATION = re.compile(r"^(?:H[0-9]|HS\d{2})$")
_PRODUCT_FLOWS = ("export", "import")


def _on_uniques(test: Callable[[str], bool]) -> Callable[[pd.Series], pd.Series]:
    """A per-value check run once per distinct value: product tables repeat the same URL, date
    and code thousands of times, and a Python call per row would dominate a large write."""

    def check(s: pd.Series) -> pd.Series:
        good = [v for v in s.dropna().unique() if test(str(v))]
        return s.isin(good)

    return check


def _product_schema() -> pa.DataFrameSchema:
    codes = known_codes()
    return pa.DataFrameSchema(
        {
            "reporter": _text(checks=_known_code(codes)),
            "partner": _text(checks=_known_code(codes)),
            "year": _year_column(nullable=False),
            "flow": _text(checks=pa.Check.isin(_PRODUCT_FLOWS)),
            "code": _text(
                checks=pa.Check(
                    _on_uniques(lambda v: bool(HS_CODE.match(v))),
                    error="code must be an HS code of 2, 4 or 6 digits (leading zeros kept)",
                )
            ),
            "value_usd": pa.Column(
                "float64",
                nullable=False,
                coerce=True,
                checks=[
                    pa.Check.ge(0, error="value_usd must be a number of US dollars >= 0"),
                    pa.Check(lambda s: s < 1e14, error="value_usd implausibly large (> $100 tn)"),
                ],
            ),
            "classification": _text(
                checks=pa.Check(
                    _on_uniques(lambda v: bool(CLASSIFICATION.match(v))),
                    error="classification must be an HS revision such as H5 or HS17",
                )
            ),
            "source": _text(checks=pa.Check.str_length(min_value=1)),
            "source_url": _text(
                checks=pa.Check(_on_uniques(is_http_url), error="source_url must be an http(s) URL")
            ),
            "published": _text(
                checks=pa.Check(
                    _on_uniques(is_partial_iso_date),
                    error="published must be an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)",
                )
            ),
            "retrieved": _text(
                checks=pa.Check(
                    _on_uniques(lambda v: v == "" or is_partial_iso_date(v)),
                    error="retrieved must be empty or an ISO date",
                )
            ),
            "origin": _text(checks=pa.Check.isin(STORED_ORIGINS)),
        },
        checks=[
            pa.Check(
                lambda df: df["reporter"] != df["partner"],
                error="reporter and partner must differ",
            ),
        ],
        strict=False,
        ordered=False,
    )


def validate_products(df: pd.DataFrame, label: str = "products") -> pd.DataFrame:
    """Validate a product table (model.PRODUCT_COLUMNS); returns it typed, in key order.

    Values may be zero (a chapter reported as nothing) but never negative or missing; the key
    (origin, reporter, partner, year, flow, code) must be unique. Raises DataFileError listing
    every problem (at most 50, as a large table could otherwise produce a million lines).
    """
    missing = [c for c in PRODUCT_COLUMNS if c not in df.columns]
    if missing:
        raise DataFileError(label, [(1, f"missing column {c!r}") for c in missing])
    if df.empty:
        raise DataFileError(label, [(None, "no rows")])
    text = df[list(PRODUCT_COLUMNS)].reset_index(drop=True)
    text = text.assign(retrieved=text["retrieved"].fillna(""))
    # Duplicates are looked up row by row only among the rows pandas flags (tables are large).
    dup = text.duplicated(list(PRODUCT_KEY), keep=False)
    problems = []
    if dup.any():
        lines = pd.Series(text.index[dup] + 2, index=text.index[dup])
        problems = duplicate_key_problems(text[dup], list(PRODUCT_KEY), lines)
    validated, failures = schema_failures(_product_schema(), text)
    problems += _problems_from(failures)
    if problems:
        ordered = sorted(set(problems), key=lambda p: (p[0] is None, p[0] or 0, p[1]))
        if len(ordered) > 50:
            ordered = [*ordered[:50], (None, f"and {len(ordered) - 50} more problems")]
        raise DataFileError(label, ordered)
    assert validated is not None
    validated["year"] = validated["year"].astype("int64")
    return validated.sort_values(
        ["origin", "reporter", "partner", "year", "flow", "code"], kind="stable"
    ).reset_index(drop=True)
