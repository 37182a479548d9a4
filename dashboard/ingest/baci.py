"""CEPII BACI bulk matrices: read yearly CSVs, validate them, store them as Parquet, query a pair.

BACI (CEPII) gives every exporter–importer–HS6 flow of a year, reconciled from both countries'
declarations (FOB values). It ships one CSV per year and HS revision
(``BACI_HS17_Y2022_V202401.csv``: columns ``t,i,j,k,v,q``; ``k`` the HS6 code, a string whose
leading zero matters; ``v`` thousand current US dollars; ``q`` metric tons, may be empty or
``NA``) and a country-codes file mapping the numeric ``i``/``j`` codes to ISO3
(``country_code,country_name,country_iso2,country_iso3``; releases before 2023 named the columns
``country_name_abbreviation``, ``iso_3digit_alpha``, ...).

Import (:func:`import_baci`) reads every file twice, streamed in blocks by ``pyarrow.csv`` so memory
follows one year, not the matrix: first to validate all of them (missing columns, unknown codes,
non-numeric, missing or negative values, duplicate flows: ``DataFileError`` naming file and line,
and nothing written), then year by year to build three tables, each partitioned by year and
written with :meth:`LocalStore.replace_partitions` (re-importing a year replaces it):

- ``baci_flows``: every HS6 flow, ``value_usd`` in US dollars, sorted by exporter, importer, HS6,
  in row groups of :data:`ROW_GROUP_ROWS` so a pair's rows sit in one or two row groups that
  DuckDB finds from the Parquet min/max statistics without reading the rest;
- ``baci_pair_totals``: exporter–importer–year totals (what a pair's series reads);
- ``baci_pair_hs2``: exporter–importer–year–HS chapter sums (what a pair's composition reads).

Queries (:func:`pair_observations`, :func:`pair_composition`, :func:`baci_pairs`) run SQL through
:meth:`LocalStore.query` (DuckDB over the current version's Parquet files) and return small pandas
frames: observations in the project's schema (``origin`` ``baci``, source "CEPII BACI") and product
rows in :data:`~dashboard.model.PRODUCT_COLUMNS`. A pair the matrix does not hold gives an empty
frame and a message saying so, never an error.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dashboard.ingest.store import PartitionWrite
from dashboard.model import (
    PRODUCT_COLUMNS,
    YEAR_MIN,
    DataFileError,
    Pair,
    country_name,
    current_year,
    known_codes,
)

#: How BACI figures are named as a source, and the basis they form on screen.
SOURCE = "CEPII BACI"
BASIS_LABEL = "CEPII BACI (reconciled, FOB)"
#: BACI's home page at CEPII (documentation and downloads).
SOURCE_URL = "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37"
#: What BACI figures are, said wherever they appear.
NOTE = (
    "CEPII BACI reconciles the exporter's and the importer's declarations into one figure per "
    "flow (FOB values, mirror flows reconciled): a third basis next to the two countries' own "
    "statistics."
)

FLOWS_TABLE = "baci_flows"
TOTALS_TABLE = "baci_pair_totals"
HS2_TABLE = "baci_pair_hs2"
TABLES: tuple[str, ...] = (FLOWS_TABLE, TOTALS_TABLE, HS2_TABLE)

#: Rows per Parquet row group of ``baci_flows``. A pair has at most a few thousand HS6 rows a
#: year, so with the file sorted by exporter and importer a pair's rows fall in one or two row
#: groups; smaller groups prune better but carry more metadata (100k: see BENCHMARKS.md "BACI").
ROW_GROUP_ROWS = 100_000
#: Bytes the CSV reader parses at a time (about 700k BACI rows): memory follows this, not the file.
BLOCK_BYTES = 32 << 20

REQUIRED_COLUMNS: tuple[str, ...] = ("t", "i", "j", "k", "v", "q")
#: BACI's ``HSnn`` revisions as Comtrade names them (the ``classification`` of product rows).
HS_REVISIONS: dict[str, str] = {
    "HS92": "H0",
    "HS96": "H1",
    "HS02": "H2",
    "HS07": "H3",
    "HS12": "H4",
    "HS17": "H5",
    "HS22": "H6",
}
_FLOW_NAME = re.compile(r"BACI_(HS\d\d)_Y(\d{4})_V(\d{4})(\d{2})\w*\.csv$", re.IGNORECASE)
_COUNTRY_NAME = re.compile(r"country_codes.*\.csv$", re.IGNORECASE)
_HS6 = re.compile(r"^[0-9A-Z]{6}$")
#: At most this many problems are listed per file (a broken file would list millions).
MAX_PROBLEMS = 20

#: Country-code columns: (code, name, ISO3) in the current layout and in releases before 2023.
_COUNTRY_LAYOUTS: tuple[tuple[str, str, str], ...] = (
    ("country_code", "country_name", "country_iso3"),
    ("country_code", "country_name_abbreviation", "iso_3digit_alpha"),
)

FLOWS_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("exporter", pa.string()),
        ("importer", pa.string()),
        ("hs6", pa.string()),
        ("value_usd", pa.float64()),
        ("quantity_t", pa.float64()),
    ]
)
_PROVENANCE_FIELDS = [
    ("classification", pa.string()),
    ("published", pa.string()),
    ("retrieved", pa.string()),
    ("source_file", pa.string()),
]
TOTALS_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("exporter", pa.string()),
        ("importer", pa.string()),
        ("value_usd", pa.float64()),
        ("products", pa.int32()),
        *_PROVENANCE_FIELDS,
    ]
)
HS2_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("exporter", pa.string()),
        ("importer", pa.string()),
        ("hs2", pa.string()),
        ("value_usd", pa.float64()),
        *_PROVENANCE_FIELDS,
    ]
)


class BaciStore(Protocol):
    """What this module needs of the local store (:class:`dashboard.ingest.store.LocalStore`)."""

    def replace_tables(self, writes: Sequence[PartitionWrite], *, on_wait: Any = None) -> Any: ...

    def tables(self) -> list[str]: ...

    def query(self, sql: str, params: Sequence = ()) -> pd.DataFrame: ...


# -- sources: plain files, files in a folder, members of BACI's zip ------------------------------


@dataclass(frozen=True)
class CsvSource:
    """One CSV to read: a file on disk or a member of a zip archive, named for messages."""

    label: str
    path: Path
    member: str | None = None
    size: int = 0

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.member is None:
            with open(self.path, "rb") as fh:
                yield fh
        else:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
                yield fh

    @property
    def name(self) -> str:
        return Path(self.member or self.path.name).name


@dataclass(frozen=True)
class FlowFile:
    """A yearly BACI file and what its name says: HS revision, year and release."""

    source: CsvSource
    revision: str  # "HS17"
    year: int | None  # from the name; the rows' ``t`` decides
    release: str  # "2024-01" (BACI version V202401), the publication date of its figures


def _sources(paths: Iterable[str | Path]) -> list[CsvSource]:
    out: list[CsvSource] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            out += [
                CsvSource(str(p), p, size=p.stat().st_size)
                for p in sorted(path.iterdir())
                if p.is_file() and p.suffix.lower() == ".csv"
            ]
        elif path.is_file() and path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    infos = [i for i in zf.infolist() if i.filename.lower().endswith(".csv")]
            except zipfile.BadZipFile as exc:
                raise DataFileError(
                    str(path), [(None, f"not a readable zip archive ({exc})")]
                ) from None
            out += [
                CsvSource(f"{path}!{i.filename}", path, i.filename, i.file_size)
                for i in sorted(infos, key=lambda i: i.filename)
            ]
        elif path.is_file():
            out.append(CsvSource(str(path), path, size=path.stat().st_size))
        else:
            raise DataFileError(str(path), [(None, "no such file or folder")])
    return out


def find_files(
    paths: Iterable[str | Path],
    *,
    release: str | None = None,
    revision: str | None = None,
    years: Sequence[int] | None = None,
) -> tuple[CsvSource, list[FlowFile]]:
    """The country-codes file and the yearly files among ``paths`` (files, folders, zips).

    A yearly file's HS revision and release come from its CEPII name (``BACI_HS17_Y2022_V202401``)
    or, for a renamed file, from ``revision`` ("HS17") and ``release`` ("202401"). ``years``
    keeps only those years' files (by name). Raises DataFileError when something is missing.
    """
    sources = _sources(paths)
    countries = [s for s in sources if _COUNTRY_NAME.search(s.name)]
    others = [s for s in sources if not _COUNTRY_NAME.search(s.name)]
    if len(countries) != 1:
        found = ", ".join(s.label for s in countries) or "none"
        raise DataFileError(
            "import-baci",
            [
                (
                    None,
                    "give exactly one BACI country-codes file (country_codes_V2024xx.csv, in "
                    f"BACI's zip or folder); found {found}",
                )
            ],
        )
    flows: list[FlowFile] = []
    for s in others:
        m = _FLOW_NAME.search(s.name)
        rev = (m.group(1).upper() if m else revision or "").upper()
        rel = f"{m.group(3)}-{m.group(4)}" if m else _release(release)
        if not m and (not rev or not rel):
            if not s.name.upper().startswith("BACI_") and s.member is not None:
                continue  # a zip's other files (product codes, readme)
            if s.name.lower().startswith("product_codes"):
                continue
            raise DataFileError(
                s.label,
                [
                    (
                        None,
                        "cannot tell the HS revision and BACI release from the file name (CEPII "
                        "names it BACI_HS17_Y2022_V202401.csv); rename it or pass --hs HS17 and "
                        "--release 202401",
                    )
                ],
            )
        if rev not in HS_REVISIONS:
            raise DataFileError(
                s.label,
                [(None, f"unknown HS revision {rev!r}; BACI has {', '.join(HS_REVISIONS)}")],
            )
        year = int(m.group(2)) if m else None
        if years is not None and year is not None and year not in years:
            continue
        flows.append(FlowFile(s, rev, year, rel))
    if not flows:
        raise DataFileError(
            "import-baci", [(None, "no BACI yearly file (BACI_HS17_Y2022_V202401.csv) was given")]
        )
    return countries[0], flows


def _release(text: str | None) -> str:
    if not text:
        return ""
    m = re.fullmatch(r"V?(\d{4})(\d{2})", text.strip(), re.IGNORECASE)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"--release must look like 202401 (BACI version V202401), got {text!r}")
    return f"{m.group(1)}-{m.group(2)}"


# -- the country codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Countries:
    """BACI's numeric country codes and their ISO3 codes (None where the file gives none)."""

    codes: np.ndarray  # int64, sorted
    iso3: list[str | None]
    names: list[str]

    def lookup(self) -> dict[int, str | None]:
        return dict(zip(self.codes.tolist(), self.iso3, strict=True))


def read_countries(source: CsvSource) -> Countries:
    """The country-codes file, validated: integer codes, each once; ISO3 text where given."""
    with source.open() as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # older releases are Latin-1; names are display only
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataFileError(source.label, [(1, "the file is empty")])
    header = [h.strip() for h in rows[0]]
    layout = next((lay for lay in _COUNTRY_LAYOUTS if set(lay) <= set(header)), None)
    if layout is None:
        raise DataFileError(
            source.label,
            [
                (
                    1,
                    "missing columns: a BACI country-codes file has country_code, country_name, "
                    f"country_iso2, country_iso3; this one has {', '.join(header)}",
                )
            ],
        )
    at = [header.index(c) for c in layout]
    problems: list[tuple[int | None, str]] = []
    codes: list[int] = []
    iso3: list[str | None] = []
    names: list[str] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append((line, f"{len(row)} fields, the header has {len(header)}"))
            continue
        code_text, name, iso = (row[i].strip() for i in at)
        if not code_text.isdigit():
            problems.append((line, f"country_code {code_text!r} is not a whole number"))
            continue
        code = int(code_text)
        if code in seen:
            problems.append((line, f"country_code {code} is also on line {seen[code]}"))
            continue
        seen[code] = line
        codes.append(code)
        iso3.append(iso.upper() if re.fullmatch(r"[A-Za-z0-9]{3}", iso) else None)
        names.append(name)
    if problems:
        raise DataFileError(source.label, problems[:MAX_PROBLEMS])
    if not codes:
        raise DataFileError(source.label, [(None, "no country codes in the file")])
    order = np.argsort(codes)
    return Countries(
        np.asarray(codes, dtype=np.int64)[order],
        [iso3[i] for i in order],
        [names[i] for i in order],
    )


# -- reading and validating a yearly file --------------------------------------------------------


def _csv_reader(fh: IO[bytes]) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        fh,
        read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True),
        # Blank lines are errors, not skipped, so a batch row is always line (row + 2).
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            include_columns=list(REQUIRED_COLUMNS),
            column_types=dict.fromkeys(REQUIRED_COLUMNS, pa.string()),
            null_values=["", "NA"],
            strings_can_be_null=True,
        ),
    )


def _header(source: CsvSource) -> list[str]:
    with source.open() as fh:
        first = fh.readline().decode("utf-8-sig", errors="replace")
    return [h.strip().strip('"') for h in next(csv.reader([first]), [])]


def _locate_parse_error(source: CsvSource, columns: int) -> tuple[int | None, str]:
    """The first line with the wrong number of fields (pyarrow's own error names no line)."""
    with source.open() as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
        for line, row in enumerate(csv.reader(text), start=1):
            if len(row) != columns:
                return line, f"{len(row)} fields, the header has {columns}"
    return None, "the file cannot be read as CSV"


def _bad_lines(mask: pa.Array | np.ndarray, offset: int) -> list[int]:
    """Line numbers (header = line 1) of the first rows where ``mask`` is true."""
    arr = mask.to_numpy(zero_copy_only=False) if isinstance(mask, pa.Array) else mask
    idx = np.flatnonzero(np.asarray(arr, dtype=bool))[:MAX_PROBLEMS]
    return [offset + int(i) + 2 for i in idx]


_INT = re.compile(r"^\s*\d+\s*$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def _to_number(
    col: pa.Array, kind: pa.DataType, name: str, offset: int, problems: list, *, nullable: bool
) -> pa.Array:
    """``col`` (text) as numbers; a problem for each value that is not one (by line)."""
    nulls = col.is_null()
    if not nullable and pc.any(nulls).as_py():
        for line in _bad_lines(nulls, offset):
            problems.append((line, f"{name} is empty"))
    try:
        return pc.cast(col, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    trimmed = pc.utf8_trim_whitespace(col)  # BACI pads some numbers with spaces
    with contextlib.suppress(pa.ArrowInvalid):
        trimmed = pc.if_else(pc.equal(trimmed, "NA"), pa.scalar(None, pa.string()), trimmed)
        return pc.cast(trimmed, kind)
    pattern = _INT if pa.types.is_integer(kind) else _NUMBER
    bad = pc.invert(pc.fill_null(pc.match_substring_regex(trimmed, pattern.pattern), True))
    what = "a whole number" if pa.types.is_integer(kind) else "a number"
    for line in _bad_lines(bad, offset):
        value = col[line - offset - 2].as_py()
        problems.append((line, f"{name} {value!r} is not {what}"))
    if not problems:  # e.g. out of the type's range
        problems.append((None, f"{name} has values that cannot be read as {what}"))
    return pa.nulls(len(col), kind)


def _batches(
    flow: FlowFile,
    countries: Countries,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
    """Validated batches of one file: (year, exporter index, importer index, hs6, value in USD,
    quantity) and the file line of each row. Raises DataFileError listing the file's problems.

    Exporter and importer are indices into ``countries`` (sorted by code), so sorting by them is
    cheap; they become ISO3 text when the year's table is built.
    """
    source = flow.source
    header = _header(source)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataFileError(
            source.label,
            [
                (
                    1,
                    f"missing column(s) {', '.join(missing)}: a BACI file has the columns "
                    f"{','.join(REQUIRED_COLUMNS)}; this one has {','.join(header) or 'none'}",
                )
            ],
        )
    codes = pa.array(countries.codes)
    this_year = current_year()
    offset = 0
    with source.open() as fh:
        counted = _CountingReader(fh, progress)
        try:
            reader = _csv_reader(counted)
            for batch in reader:
                problems: list[tuple[int | None, str]] = []
                t = _to_number(batch["t"], pa.int32(), "t (year)", offset, problems, nullable=False)
                i = _to_number(
                    batch["i"], pa.int64(), "i (exporter)", offset, problems, nullable=False
                )
                j = _to_number(
                    batch["j"], pa.int64(), "j (importer)", offset, problems, nullable=False
                )
                v = _to_number(
                    batch["v"], pa.float64(), "v (value)", offset, problems, nullable=False
                )
                q = _to_number(
                    batch["q"], pa.float64(), "q (quantity)", offset, problems, nullable=True
                )
                k = _hs6(batch["k"], offset, problems)
                if not problems:
                    _check_values(t, i, j, v, q, codes, offset, this_year, problems)
                if problems:
                    raise DataFileError(
                        source.label, sorted(problems, key=_line_key)[:MAX_PROBLEMS]
                    )
                exp = pc.index_in(i, value_set=codes)
                imp = pc.index_in(j, value_set=codes)
                lines = np.arange(offset + 2, offset + 2 + len(batch), dtype=np.int64)
                offset += len(batch)
                yield (
                    pa.record_batch(
                        {
                            "year": pc.cast(t, pa.int16()),
                            "exp": pc.cast(exp, pa.int16()),
                            "imp": pc.cast(imp, pa.int16()),
                            "hs6": k,
                            "value_usd": pc.multiply(v, 1000.0),  # BACI: thousand US dollars
                            "quantity_t": q,
                        }
                    ),
                    lines,
                )
        except pa.ArrowInvalid as exc:
            if "CSV parse error" not in str(exc) and "Expected" not in str(exc):
                raise DataFileError(
                    source.label, [(None, f"cannot read the file: {exc}")]
                ) from None
            raise DataFileError(source.label, [_locate_parse_error(source, len(header))]) from None
    if offset == 0:
        raise DataFileError(source.label, [(None, "the file has no rows after the header")])


def _line_key(problem: tuple[int | None, str]) -> int:
    return problem[0] or 0


def _hs6(col: pa.Array, offset: int, problems: list) -> pa.Array:
    """HS6 codes as six-character text. A five-digit code gets its leading zero back: a tool
    that read the column as a number (a spreadsheet, pandas) drops it from chapters 01–09."""
    k = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
    five = pc.equal(pc.utf8_length(k), 5)
    if pc.any(five).as_py():
        k = pc.if_else(pc.and_(five, pc.utf8_is_digit(k)), pc.utf8_lpad(k, 6, "0"), k)
    good = pc.match_substring_regex(k, _HS6.pattern)
    if not pc.all(good).as_py():
        for line in _bad_lines(pc.invert(good), offset):
            value = col[line - offset - 2].as_py()
            problems.append((line, f"k {value!r} is not a six-character HS code such as 010121"))
    return k


def _check_values(
    t: pa.Array,
    i: pa.Array,
    j: pa.Array,
    v: pa.Array,
    q: pa.Array,
    codes: pa.Array,
    offset: int,
    this_year: int,
    problems: list,
) -> None:
    checks = [
        (
            pc.or_(pc.less(t, YEAR_MIN), pc.greater(t, this_year)),
            lambda r: f"year {t[r]} is outside {YEAR_MIN}–{this_year}",
        ),
        (
            pc.invert(pc.is_in(i, value_set=codes)),
            lambda r: f"exporter code {i[r]} is not in the country-codes file",
        ),
        (
            pc.invert(pc.is_in(j, value_set=codes)),
            lambda r: f"importer code {j[r]} is not in the country-codes file",
        ),
        (pc.equal(i, j), lambda r: f"exporter and importer are the same ({i[r]})"),
        (pc.invert(pc.is_finite(v)), lambda r: f"v (value) {v[r]} is not a finite number"),
        (pc.less(v, 0), lambda r: f"v (value) {v[r]} is negative; trade values cannot be"),
        (pc.fill_null(pc.less(q, 0), False), lambda r: f"q (quantity) {q[r]} is negative"),
        (
            pc.fill_null(pc.invert(pc.is_finite(q)), False),
            lambda r: f"q (quantity) {q[r]} is not a finite number",
        ),
    ]
    for mask, message in checks:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            for line in _bad_lines(mask, offset):
                problems.append((line, message(line - offset - 2)))


class _CountingReader(io.RawIOBase):
    """A read-through file that reports bytes read (the import's progress bar)."""

    def __init__(self, fh: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self._fh = fh
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._progress is not None and n:
            self._progress(n)
        return n


# -- building the stored tables ------------------------------------------------------------------


@dataclass(frozen=True)
class YearTables:
    """The three stored tables for one year, built from one file."""

    year: int
    flows: pa.Table
    totals: pa.Table
    hs2: pa.Table


def _duplicates(exp: np.ndarray, imp: np.ndarray, k: pa.Array) -> np.ndarray:
    """Rows (in sorted order) that repeat the previous row's (exporter, importer, hs6)."""
    same = (exp[1:] == exp[:-1]) & (imp[1:] == imp[:-1])
    if not same.any():
        return np.zeros(len(exp), dtype=bool)
    k_same = pc.equal(k.slice(1), k.slice(0, len(k) - 1)).to_numpy(zero_copy_only=False)
    return np.concatenate([[False], same & k_same])


def build_year(
    flow: FlowFile,
    countries: Countries,
    batches: list[pa.RecordBatch],
    lines: np.ndarray,
    year: int,
    retrieved: str,
) -> YearTables:
    """Sort one year's rows by exporter, importer and HS6 (ISO3 order), check each flow appears
    once, and aggregate the pair totals and the pair–chapter sums."""
    table = pa.Table.from_batches(batches).combine_chunks()
    # Country indices follow numeric codes; rank them by ISO3 so the sort is by ISO3 text (the
    # order DuckDB's min/max statistics prune on), countries without ISO3 last.
    iso = countries.iso3
    by_iso = sorted(range(len(iso)), key=lambda n: (iso[n] is None, iso[n] or ""))
    rank = np.empty(len(iso), dtype=np.int32)
    rank[by_iso] = np.arange(len(iso), dtype=np.int32)
    exp_rank = rank[table["exp"].to_numpy()]
    imp_rank = rank[table["imp"].to_numpy()]
    hs6 = table["hs6"]
    # lexsort: the last key is the primary one; HS6 via its dictionary rank (codes sort as text).
    hs_dict = pc.dictionary_encode(hs6.combine_chunks())
    hs_values = hs_dict.dictionary.to_numpy(zero_copy_only=False)
    hs_rank = np.argsort(np.argsort(hs_values, kind="stable"))[hs_dict.indices.to_numpy()]
    order = np.lexsort((hs_rank, imp_rank, exp_rank))
    table = table.take(pa.array(order))
    lines = lines[order]
    exp_rank, imp_rank = exp_rank[order], imp_rank[order]
    dup = _duplicates(exp_rank, imp_rank, table["hs6"].combine_chunks())
    if dup.any():
        at = np.flatnonzero(dup)[:MAX_PROBLEMS]
        raise DataFileError(
            flow.source.label,
            [
                (
                    int(lines[n]),
                    f"the flow {year}, exporter {_code(countries, table['exp'][n])}, importer "
                    f"{_code(countries, table['imp'][n])}, product {table['hs6'][n]} is also on "
                    f"line {int(lines[n - 1])}",
                )
                for n in at
            ],
        )
    iso_arr = pa.array(iso, pa.string())
    flows = pa.table(
        {
            "year": table["year"],
            "exporter": iso_arr.take(table["exp"]),
            "importer": iso_arr.take(table["imp"]),
            "hs6": table["hs6"],
            "value_usd": table["value_usd"],
            "quantity_t": table["quantity_t"],
        },
        schema=FLOWS_SCHEMA,
    )
    provenance = {
        "classification": HS_REVISIONS[flow.revision],
        "published": flow.release,
        "retrieved": retrieved,
        "source_file": flow.source.name,
    }
    totals = (
        flows.group_by(["exporter", "importer"], use_threads=False)
        .aggregate([("value_usd", "sum"), ("hs6", "count")])
        .rename_columns(["exporter", "importer", "value_usd", "products"])
    )
    totals = _with_columns(totals, year, provenance, TOTALS_SCHEMA)
    with_hs2 = flows.select(["exporter", "importer", "value_usd"]).append_column(
        "hs2", pc.utf8_slice_codeunits(flows["hs6"], 0, 2)
    )
    hs2 = (
        with_hs2.group_by(["exporter", "importer", "hs2"], use_threads=False)
        .aggregate([("value_usd", "sum")])
        .rename_columns(["exporter", "importer", "hs2", "value_usd"])
    )
    hs2 = _with_columns(hs2, year, provenance, HS2_SCHEMA)
    return YearTables(year, flows, totals, hs2)


def _code(countries: Countries, index: pa.Scalar) -> str:
    n = index.as_py()
    return f"{countries.codes[n]} ({countries.iso3[n] or 'no ISO3'})"


def _with_columns(
    table: pa.Table, year: int, consts: dict[str, str], schema: pa.Schema
) -> pa.Table:
    n = len(table)
    cols: dict[str, pa.Array] = {"year": pa.array(np.full(n, year, dtype=np.int16))}
    for name in schema.names:
        if name in consts:
            cols[name] = (
                pa.array([consts[name]] * n, pa.string()).dictionary_encode().cast(pa.string())
            )
        elif name in table.column_names:
            cols[name] = table[name]
    out = pa.table(cols).cast(pa.schema([schema.field(c) for c in cols]))
    out = out.select(schema.names)
    keys = [("exporter", "ascending"), ("importer", "ascending")]
    if "hs2" in schema.names:
        keys.append(("hs2", "ascending"))
    return out.sort_by(keys)


def _read_file(
    flow: FlowFile, countries: Countries, progress: Callable[[int], None] | None
) -> dict[int, tuple[list[pa.RecordBatch], list[np.ndarray]]]:
    """One file's validated batches, split by year (a BACI file holds one year)."""
    by_year: dict[int, tuple[list[pa.RecordBatch], list[np.ndarray]]] = {}
    for batch, lines in _batches(flow, countries, progress):
        years = batch["year"]
        for year in pc.unique(years).to_pylist():
            if pc.all(pc.equal(years, year)).as_py():
                part, part_lines = batch, lines
            else:
                mask = pc.equal(years, year)
                part, part_lines = batch.filter(mask), lines[mask.to_numpy(zero_copy_only=False)]
            got = by_year.setdefault(int(year), ([], []))
            got[0].append(part)
            got[1].append(part_lines)
    return by_year


def validate_file(
    flow: FlowFile, countries: Countries, progress: Callable[[int], None] | None = None
) -> dict[int, int]:
    """Read one yearly file through, checking every row; its years and their row counts.

    Besides each row's own checks, a flow (year, exporter, importer, product) may appear only
    once: each row is kept as one 64-bit key and its line (12 bytes a row), not as text.
    """
    counts: dict[int, int] = {}
    keys: list[np.ndarray] = []
    lines_seen: list[np.ndarray] = []
    letters: dict[str, int] = {}  # HS codes with letters (9999AA), numbered above the digits
    for batch, lines in _batches(flow, countries, progress):
        years = batch["year"].to_numpy(zero_copy_only=False)
        for year, n in zip(*np.unique(years, return_counts=True), strict=True):
            counts[int(year)] = counts.get(int(year), 0) + int(n)
        keys.append(_flow_keys(batch, letters))
        lines_seen.append(lines.astype(np.int32))
    key = np.concatenate(keys)
    line = np.concatenate(lines_seen)
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(key[order][1:] == key[order][:-1])
    if len(dup):
        raise DataFileError(
            flow.source.label,
            sorted(
                (
                    int(line[order[n + 1]]),
                    f"this flow (same year, exporter i, importer j and product k) is also on "
                    f"line {int(line[order[n]])}",
                )
                for n in dup[:MAX_PROBLEMS]
            ),
        )
    return counts


def _flow_keys(batch: pa.RecordBatch, letters: dict[str, int]) -> np.ndarray:
    """One int64 per row for (year, exporter, importer, HS6): 16 + 12 + 12 + 24 bits."""
    k = batch["hs6"]
    digits = pc.utf8_is_digit(k)
    if pc.all(digits).as_py():
        code = pc.cast(k, pa.int64()).to_numpy()
    else:
        numeric = pc.cast(pc.if_else(digits, k, "0"), pa.int64()).to_numpy()
        other = k.to_numpy(zero_copy_only=False)
        mask = ~digits.to_numpy(zero_copy_only=False)
        code = numeric.copy()
        code[mask] = [1_000_000 + letters.setdefault(c, len(letters)) for c in other[mask]]
    year = batch["year"].to_numpy().astype(np.int64)
    exp = batch["exp"].to_numpy().astype(np.int64)
    imp = batch["imp"].to_numpy().astype(np.int64)
    return (year << 48) | (exp << 36) | (imp << 24) | code


def read_year_tables(
    flow: FlowFile,
    countries: Countries,
    *,
    retrieved: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[YearTables]:
    """One yearly file as the three stored tables of each year it holds (validated)."""
    stamp = retrieved or date.today().isoformat()
    out = []
    for year, (batches, lines) in sorted(_read_file(flow, countries, progress).items()):
        out.append(build_year(flow, countries, batches, np.concatenate(lines), year, stamp))
    return out


# -- import into the store -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored: the years (each replacing any stored copy), rows and pairs."""

    years: tuple[int, ...]
    rows: int
    pairs: int
    files: tuple[str, ...]

    def describe(self) -> str:
        years = ", ".join(map(str, self.years))
        return (
            f"Imported {self.rows:,} CEPII BACI flows for {len(self.years)} year(s) ({years}) "
            f"from {len(self.files)} file(s): {self.pairs:,} exporter–importer pairs."
        )


def partition_key(year: int) -> str:
    """The store partition holding ``year`` (``year=2023``)."""
    return f"year={year}"


def import_baci(
    store: BaciStore,
    paths: Iterable[str | Path],
    *,
    release: str | None = None,
    revision: str | None = None,
    years: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    retrieved: str | None = None,
) -> ImportSummary:
    """Validate every given BACI file, then store each year's three tables.

    ``paths`` are CSV files, folders or BACI's zip, with exactly one country-codes file.
    ``progress(n)`` is told of bytes read and ``on_total(n)`` of the bytes to read in all (each
    file is read twice: once to validate everything, once to store). Any problem in any file
    raises DataFileError before the store is touched. Each year is then written with
    ``replace_partitions``: re-importing a year replaces it; a reader sees a year's old or new
    tables, never a half-written file.
    """
    countries_file, flows = find_files(paths, release=release, revision=revision, years=years)
    countries = read_countries(countries_file)
    if on_total is not None:
        on_total(2 * sum(f.source.size for f in flows))
    seen: dict[int, str] = {}
    for flow in flows:
        counts = validate_file(flow, countries, progress)
        for year in counts:
            if year in seen:
                raise DataFileError(
                    flow.source.label,
                    [
                        (
                            None,
                            f"year {year} is also in {seen[year]}: import one file (one HS "
                            "revision) per year",
                        )
                    ],
                )
            seen[year] = flow.source.label
    stamp = retrieved or date.today().isoformat()
    built = _LazyYears(flows, countries, list(seen), stamp, progress)
    # One swap for the three tables, so a reader (or a crash) never sees them disagree. The
    # flows come first: building each year's flows fills that year's pair-chapter and
    # pair-total tables, which the lazy mappings then hand over.
    store.replace_tables(
        [
            PartitionWrite(FLOWS_TABLE, built, ROW_GROUP_ROWS),
            PartitionWrite(HS2_TABLE, built.hs2),
            PartitionWrite(TOTALS_TABLE, built.totals),
        ],
        on_wait=on_wait,
    )
    return ImportSummary(
        tuple(sorted(seen)), built.rows, len(built.pairs), tuple(f.source.label for f in flows)
    )


class _Filled(Mapping[str, pa.Table]):
    """The pair tables of each year: their keys are known before the import starts (the store
    checks every write's keys before it writes anything), their tables once the year's flows
    were built, which the store does first in the same swap."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = keys
        self._tables: dict[str, pa.Table] = {}

    def fill(self, key: str, table: pa.Table) -> None:
        self._tables[key] = table

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, key: str) -> pa.Table:
        return self._tables[key]


class _LazyYears(Mapping[str, pa.Table]):
    """The flows of each year as a lazy mapping ``year=YYYY -> table``: the store takes one
    partition at a time, so only one year's rows are in memory. The small pair tables of each
    year are kept (``totals``, ``hs2``) for the two tables written after it in the same swap."""

    def __init__(
        self,
        flows: list[FlowFile],
        countries: Countries,
        years: list[int],
        stamp: str,
        progress: Callable[[int], None] | None,
    ) -> None:
        self._flows = flows
        self._countries = countries
        self._keys = [partition_key(y) for y in years]
        self._stamp = stamp
        self._progress = progress
        self._pending: dict[str, YearTables] = {}
        self._next = 0  # the next file to read
        self.totals = _Filled(self._keys)
        self.hs2 = _Filled(self._keys)
        self.rows = 0
        self.pairs: set[tuple[str, str]] = set()

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, key: str) -> pa.Table:
        if key not in self._keys:
            raise KeyError(key)
        while key not in self._pending and self._next < len(self._flows):
            flow = self._flows[self._next]
            self._next += 1
            for tables in read_year_tables(
                flow, self._countries, retrieved=self._stamp, progress=self._progress
            ):
                self._pending[partition_key(tables.year)] = tables
        tables = self._pending.pop(key)  # released once the store has written it
        self.totals.fill(key, tables.totals)
        self.hs2.fill(key, tables.hs2)
        self.rows += tables.flows.num_rows
        self.pairs.update(
            zip(
                tables.totals["exporter"].to_pylist(),
                tables.totals["importer"].to_pylist(),
                strict=True,
            )
        )
        return tables.flows


# -- queries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaciResult:
    """A query's rows, and what to say when there are none (empty when there are)."""

    frame: pd.DataFrame
    message: str = ""

    @property
    def empty(self) -> bool:
        return self.frame.empty


def _query(store: BaciStore, sql: str, params: Sequence = ()) -> pd.DataFrame | None:
    """``store.query``, or None when no BACI matrix has been imported into the store."""
    if not has_matrix(store):
        return None
    return store.query(sql, params)


def has_matrix(store: BaciStore) -> bool:
    """Whether a BACI matrix has been imported (its pair tables are in the store)."""
    return {TOTALS_TABLE, HS2_TABLE} <= set(store.tables())


NOT_IMPORTED = (
    "No CEPII BACI matrix has been imported into the local store; run "
    "`trade-dashboard import-baci BACI_HS17_V202401.zip` (or the files inside it) first."
)


def imported_years(store: BaciStore) -> list[int]:
    """The years of the imported matrix (empty when none is)."""
    df = _query(store, f"SELECT DISTINCT year FROM {TOTALS_TABLE} ORDER BY year")
    return [] if df is None else [int(y) for y in df["year"]]


def baci_pairs(store: BaciStore) -> list[Pair]:
    """Every pair of ISO3 countries the imported matrix has a flow for (either direction).

    Pairs with a BACI-only code (no ISO3, or one such as ``S19`` "Other Asia, nes") are left
    out: the dashboard names countries by ISO3.
    """
    df = _query(
        store,
        f"SELECT DISTINCT least(exporter, importer) AS a, greatest(exporter, importer) AS b "
        f"FROM {TOTALS_TABLE} WHERE exporter IS NOT NULL AND importer IS NOT NULL",
    )
    if df is None:
        return []
    known = known_codes()
    return [
        Pair(a, b)
        for a, b in sorted(zip(df["a"], df["b"], strict=True))
        if a in known and b in known and a != b
    ]


_PAIR_WHERE = "((exporter = ? AND importer = ?) OR (exporter = ? AND importer = ?))"


def _absent(store: BaciStore, reporter: str, partner: str, year: int | None = None) -> str:
    years = imported_years(store)
    span = f"{years[0]}–{years[-1]}" if years else "no years"
    when = f"in {year}" if year is not None else f"in any imported year ({span})"
    return (
        f"The imported CEPII BACI matrix records no trade between {country_name(reporter)} and "
        f"{country_name(partner)} {when}: BACI lists only positive flows."
    )


def pair_observations(store: BaciStore, reporter: str, partner: str) -> BaciResult:
    """A pair's yearly trade from the imported matrix, as observation rows of ``reporter``.

    ``export`` is BACI's flow reporter → partner, ``import`` partner → reporter, ``total`` their
    sum (a direction BACI does not list in a year counts as no recorded trade, and the note says
    so). Source "CEPII BACI", ``origin`` ``baci``, FOB, published at the BACI release.
    """
    df = _query(
        store,
        f"SELECT year, sum(value_usd) FILTER (WHERE exporter = ?) AS export, "
        f"sum(value_usd) FILTER (WHERE importer = ?) AS import, sum(value_usd) AS total, "
        f"any_value(published) AS published, any_value(retrieved) AS retrieved, "
        f"string_agg(DISTINCT source_file, ', ') AS files "
        f"FROM {TOTALS_TABLE} WHERE {_PAIR_WHERE} GROUP BY year ORDER BY year",
        [reporter, reporter, reporter, partner, partner, reporter],
    )
    if df is None:
        return BaciResult(_empty_observations(), NOT_IMPORTED)
    if df.empty:
        return BaciResult(_empty_observations(), _absent(store, reporter, partner))
    years = df["year"].astype("int64")
    notes = NOTE + " (file " + df["files"].astype(str) + ")"
    parts = []
    for flow in ("export", "import", "total"):
        have = df[flow].notna()
        note = notes
        if flow == "total":
            # A direction BACI does not list that year had no recorded flow: the total is the
            # other direction alone, and the note says so.
            gone = np.where(
                df["export"].isna(),
                f" No {reporter}→{partner} flow is recorded that year.",
                np.where(
                    df["import"].isna(), f" No {partner}→{reporter} flow is recorded that year.", ""
                ),
            )
            note = (
                NOTE + pd.Series(gone, index=df.index) + " (file " + df["files"].astype(str) + ")"
            )
        parts.append(
            pd.DataFrame(
                {
                    "year": years[have],
                    "flow": flow,
                    "value_usd": df.loc[have, flow].astype("float64"),
                    "published": df.loc[have, "published"].astype(str),
                    "retrieved": df.loc[have, "retrieved"].astype(str),
                    "note": note[have],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values(["year", "flow"], kind="stable")
    frame = frame.assign(
        reporter=reporter,
        partner=partner,
        qualifier="reported",
        source=SOURCE,
        source_url=SOURCE_URL,
        confidence="high",
        valuation="FOB",
        origin="baci",
    )
    return BaciResult(frame[list(OBSERVATION_FRAME_COLUMNS)].reset_index(drop=True))


#: Columns of :func:`pair_observations` (the store's observation columns, with ``origin``).
OBSERVATION_FRAME_COLUMNS: tuple[str, ...] = (
    "reporter",
    "partner",
    "year",
    "flow",
    "value_usd",
    "qualifier",
    "source",
    "source_url",
    "published",
    "confidence",
    "note",
    "valuation",
    "retrieved",
    "origin",
)


def _empty_observations() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in OBSERVATION_FRAME_COLUMNS})
    return df.astype({"year": "int64", "value_usd": "float64"})


def _empty_products() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in PRODUCT_COLUMNS})
    return df.astype({"year": "int64", "value_usd": "float64"})


def pair_composition(
    store: BaciStore, reporter: str, partner: str, year: int | None = None
) -> BaciResult:
    """What ``reporter`` and ``partner`` traded in ``year`` (None: every imported year) by HS
    chapter, from the matrix.

    Rows in :data:`~dashboard.model.PRODUCT_COLUMNS`: ``export`` chapters are BACI's flows
    reporter → partner, ``import`` partner → reporter; ``code`` the two-digit chapter; the
    chapters sum exactly to :func:`pair_observations`' figures (same flows), so nothing is "not
    allocated". Sorted by flow, then value (largest first).
    """
    one_year = "year = ? AND " if year is not None else ""
    df = _query(
        store,
        f"SELECT year, exporter, importer, hs2, value_usd, classification, published, retrieved "
        f"FROM {HS2_TABLE} WHERE {one_year}{_PAIR_WHERE}",
        [*([int(year)] if year is not None else []), reporter, partner, partner, reporter],
    )
    if df is None:
        return BaciResult(_empty_products(), NOT_IMPORTED)
    if df.empty:
        if year is None:
            return BaciResult(_empty_products(), _absent(store, reporter, partner))
        years = imported_years(store)
        if int(year) not in years:
            span = f"{years[0]}–{years[-1]}" if years else "none"
            return BaciResult(
                _empty_products(),
                f"The imported CEPII BACI matrix has no {int(year)} (years imported: {span}).",
            )
        return BaciResult(_empty_products(), _absent(store, reporter, partner, int(year)))
    out = pd.DataFrame(
        {
            "reporter": reporter,
            "partner": partner,
            "year": df["year"].astype("int64"),
            "flow": np.where(df["exporter"] == reporter, "export", "import"),
            "code": df["hs2"].astype(str),
            "value_usd": df["value_usd"].astype("float64"),
            "classification": df["classification"].astype(str),
            "source": SOURCE,
            "source_url": SOURCE_URL,
            "published": df["published"].astype(str),
            "retrieved": df["retrieved"].astype(str),
            "origin": "baci",
        }
    )[list(PRODUCT_COLUMNS)]
    out = out.sort_values(
        ["year", "flow", "value_usd", "code"], ascending=[True, True, False, True]
    )
    return BaciResult(out.astype({"year": "int64"}).reset_index(drop=True))
