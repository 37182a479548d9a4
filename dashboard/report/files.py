"""Downloads: any chart's data, or the whole dataset, as CSV, Excel (XLSX) or JSON bytes.

Every file carries what produced it (parameters, sources, generation time), so a number taken
away can be traced back. The functions return bytes for ``st.download_button`` and the CLI; nothing
here imports Streamlit.

Decisions, and why:

* **CSV starts with a UTF-8 byte-order mark by default** (``bom=True``). Excel opens a CSV without
  a BOM in the machine's legacy code page, so notes in Chinese or Kazakh (``3.68亿美元``,
  ``Қазақстан``) turn into mojibake; with the BOM it reads UTF-8. pandas reads it back unchanged
  with ``encoding="utf-8-sig"``, and most other tools skip the BOM. Pass ``bom=False`` for tools
  that choke on it. Lines end with CRLF, as RFC 4180 says.
* **Formula-injection guard on text cells only** (OWASP ASVS 1.2.10, CWE-1236): a text cell or
  column name starting with ``= + - @``, tab, CR, LF or NUL gets one leading apostrophe, so a
  spreadsheet shows it instead of running it. Numbers are never touched, so ``-5.2`` stays a
  negative number. A text that already starts with apostrophes followed by one of those
  characters gets one more apostrophe: that keeps the guard exactly reversible
  (:func:`unguard_text` strips one apostrophe only where :func:`guard_text` added one), while an
  ordinary text such as ``'Exceeded $20 bn'`` is left alone.
* **XLSX** cells holding text are written with the string data type, so openpyxl never stores them
  as formulas even if the guard were bypassed. XML cannot carry some characters: control
  characters other than tab/LF/CR and U+FFFE/U+FFFF are dropped, and CR (alone or in CRLF) is
  written as LF (XML would turn it into LF on reading anyway). Excel's cell limit of 32,767
  characters is enforced by truncation (ending in ``…``).
* **JSON** is UTF-8 with ``{"parameters", "generated", "sources", "data"}``; NaN and infinities
  become ``null``. JSON is not opened as a spreadsheet, so text is written unguarded.

Round trips: CSV and XLSX read back with pandas (and :func:`unguard_frame`) give the same frame,
with numeric columns numeric and missing values missing. Limits of the formats themselves: an
empty string and a missing text both become an empty cell, and a text column holding only
numerals reads back as numbers. Excel has a single number type, so a float column whose values
are all whole (``43820000000.0``) reads back from XLSX as integers of the same value.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd

from dashboard.model import OBSERVATION_COLUMNS, OPTIONAL_OBSERVATION_COLUMNS
from dashboard.textsafe import guard_text, unguard_text

# openpyxl is imported where a workbook is written: it cost ~65 ms on every server's first page
# load, for a file few visitors ask for.

#: First characters that make a spreadsheet treat a cell as a formula (or hide a formula behind
#: whitespace). OWASP lists = + - @ tab CR; LF and NUL are added for the same reason.
DANGEROUS_FIRST_CHARS: frozenset[str] = frozenset("=+-@\t\r\n\0")
#: Excel's maximum number of characters in one cell.
XLSX_MAX_CELL_CHARS = 32_767
#: Name of the sheet with parameters, sources and generation time.
ABOUT_SHEET = "About"
GENERATOR = "trade-target-dashboard"

# Characters XML 1.0 cannot carry (tab, LF and CR are allowed; CR is handled separately).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_FILENAME_BAD = re.compile(r"[^A-Za-z0-9]+")


# --- formula-injection guard --------------------------------------------------------------------


def _is_text_column(series: pd.Series) -> bool:
    return not (
        pd.api.types.is_numeric_dtype(series.dtype)
        or pd.api.types.is_bool_dtype(series.dtype)
        or pd.api.types.is_datetime64_any_dtype(series.dtype)
    )


def _map_text_cells(df: pd.DataFrame, fn) -> pd.DataFrame:
    """Apply ``fn`` to every ``str`` cell and column name; numbers and missing values stay."""
    out = df.copy()
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].map(lambda v: fn(v) if isinstance(v, str) else v)
    out.columns = [fn(c) if isinstance(c, str) else c for c in out.columns]
    return out


def guard_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name passed through :func:`guard_text`."""
    return _map_text_cells(df, guard_text)


def unguard_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with the guard undone: use it on a frame read back from an exported file."""
    return _map_text_cells(df, unguard_text)


# --- CSV ----------------------------------------------------------------------------------------


def to_csv_bytes(df: pd.DataFrame, bom: bool = True) -> bytes:
    """The frame as guarded UTF-8 CSV (CRLF line ends, no index; BOM first unless ``bom=False``)."""
    text = guard_frame(df).to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text if bom else text).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_text(text: str) -> str:
    text = _XML_ILLEGAL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = guard_text(text)
    if len(text) > XLSX_MAX_CELL_CHARS:
        text = text[: XLSX_MAX_CELL_CHARS - 1] + "…"
    return text


def _xlsx_value(value: Any) -> Any:
    """A cell value openpyxl can store faithfully (None for anything missing or non-finite)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:  # Excel has no time zones: store UTC, naive
            value = value.tz_convert("UTC").tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, (datetime, date)):
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value
    return _xlsx_text(str(value))


def _put(ws, row: int, col: int, value: Any, bold: bool = False) -> None:
    cell = ws.cell(row=row, column=col, value=_xlsx_value(value))
    if isinstance(cell.value, str):
        # openpyxl stores a str starting with "=" as a formula; force the string type.
        cell.data_type = "s"
    if bold:
        from openpyxl.styles import Font

        cell.font = Font(bold=True)


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = _SHEET_NAME_BAD.sub(" ", _XML_ILLEGAL.sub("", name)).strip("' ")[:31] or "Data"
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _write_table(ws, df: pd.DataFrame, first_row: int = 1) -> int:
    """Header plus rows from ``first_row``; returns the next free row."""
    for j, col in enumerate(df.columns, start=1):
        _put(ws, first_row, j, str(col), bold=True)
    for i, row in enumerate(df.itertuples(index=False, name=None), start=first_row + 1):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value)
    return first_row + len(df) + 1


def _fit_columns(ws, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for j, col in enumerate(df.columns, start=1):
        sample = [str(col), *(str(v) for v in df[col].head(200))]
        width = min(60, max(8, max(len(s) for s in sample) + 2))
        ws.column_dimensions[get_column_letter(j)].width = width


def sources_table(*frames: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``source, source_url, published`` rows of observation or target frames."""
    cols = ["source", "source_url", "published"]
    parts = [f[[c for c in cols if c in f.columns]] for f in frames if "source" in f.columns]
    if not parts:
        return pd.DataFrame(columns=cols)
    table = pd.concat(parts, ignore_index=True)
    # Rows without a source (computed paths next to observations) say nothing about provenance.
    table = table[table["source"].notna() & (table["source"].astype(str) != "")].drop_duplicates()
    return table.sort_values(list(table.columns), kind="stable").reset_index(drop=True)


def _sources_frame(sources: Iterable[Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    if sources is None:
        return pd.DataFrame()
    if isinstance(sources, pd.DataFrame):
        return sources.reset_index(drop=True)
    return pd.DataFrame(list(sources))


def _param_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool, np.integer, np.floating, date)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _write_about(
    ws,
    title: str,
    parameters: Mapping[str, Any] | None,
    sources: pd.DataFrame,
    generated: datetime,
    sheets: list[str],
) -> None:
    from openpyxl.styles import Font

    _put(ws, 1, 1, title, bold=True)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    _put(ws, 2, 1, "Generated (UTC)", bold=True)
    _put(ws, 2, 2, generated.isoformat())
    _put(ws, 3, 1, "Generated by", bold=True)
    _put(ws, 3, 2, GENERATOR)
    _put(ws, 4, 1, "Data sheets", bold=True)
    _put(ws, 4, 2, ", ".join(sheets))
    _put(ws, 5, 1, "Values", bold=True)
    _put(ws, 5, 2, "US dollars (not thousands or billions) unless a column name says otherwise")
    _put(ws, 6, 1, "Text cells", bold=True)
    _put(
        ws,
        6,
        2,
        "a text starting with = + - @ or a tab/line break has an apostrophe added "
        "so that it is not run as a formula",
    )
    row = 8
    _put(ws, row, 1, "Parameters", bold=True)
    row += 1
    for key, value in (parameters or {}).items():
        _put(ws, row, 1, str(key))
        _put(ws, row, 2, _param_value(value))
        row += 1
    if not parameters:
        _put(ws, row, 1, "(none)")
        row += 1
    row += 1
    _put(ws, row, 1, "Sources", bold=True)
    row += 1
    if len(sources.columns):
        _write_table(ws, sources, first_row=row)
    else:
        _put(ws, row, 1, "(none given)")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 60


def workbook_bytes(
    sheets: Mapping[str, pd.DataFrame],
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None,
    title: str = "Trade data",
    generated: datetime | None = None,
) -> bytes:
    """An XLSX workbook: one sheet per frame (in order), then the About sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    taken: set[str] = {ABOUT_SHEET}
    names = []
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_name(name, taken))
        names.append(ws.title)
        _write_table(ws, df)
        ws.freeze_panes = "A2"
        _fit_columns(ws, df)
    about = wb.create_sheet(ABOUT_SHEET)
    _write_about(about, title, parameters, _sources_frame(sources), generated or _now(), names)
    wb.properties.title = _XML_ILLEGAL.sub("", title)[:255]
    wb.properties.creator = GENERATOR
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_xlsx_bytes(
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None,
    title: str = "Trade data",
    generated: datetime | None = None,
) -> bytes:
    """The frame on a sheet named ``Data``, plus an ``About`` sheet (parameters, sources, time)."""
    return workbook_bytes({"Data": df}, parameters, sources, title, generated)


# --- JSON ---------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    records = df.to_dict("records")
    # orjson writes float NaN as null already; pandas' own missing markers need the default hook.
    return [{str(k): v for k, v in r.items()} for r in records]


def to_json_bytes(
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None,
    generated: datetime | None = None,
) -> bytes:
    """``{"parameters", "generated", "sources", "data": [row, ...]}`` as UTF-8; NaN → null."""
    payload = {
        "parameters": dict(parameters or {}),
        "generated": (generated or _now()).isoformat(),
        "generator": GENERATOR,
        "sources": _json_records(_sources_frame(sources)),
        "data": _json_records(df),
    }
    return orjson.dumps(
        payload,
        default=_json_default,
        option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS,
    )


# --- file names ---------------------------------------------------------------------------------


def _slug(text: str, upper: bool = False) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _FILENAME_BAD.sub("-", ascii_text).strip("-")[:40].strip("-")
    return slug.upper() if upper else slug.lower()


def export_stem(
    kind: str,
    pair: str,
    basis: str,
    today: date | None = None,
    *,
    target: str = "",
    scenario: str = "",
) -> str:
    """A safe download name without its extension: ``trade-tracker_CHN-KAZ_china-customs_<day>``,
    or with the target and scenario,
    ``trade-tracker_CHN-KAZ_china-customs-gacc_chn-kaz-2024-double_recent_<day>``.

    Only ASCII letters, digits, ``-`` and ``_``; empty parts are left out.
    """
    day = (today or date.today()).isoformat()
    parts = [_slug(kind), _slug(pair, upper=True), _slug(basis), _slug(target), _slug(scenario)]
    return "_".join(p for p in [*parts, day] if p)


def export_filename(kind: str, pair: str, basis: str, ext: str, today: date | None = None) -> str:
    """A safe download name, e.g. ``trade-tracker_CHN-KAZ_china-customs_2026-11-29.csv``."""
    extension = re.sub(r"[^a-z0-9]", "", ext.lower())[:8] or "dat"
    return export_stem(kind, pair, basis, today) + "." + extension


# --- the whole dataset --------------------------------------------------------------------------


def _observation_order(obs: pd.DataFrame) -> pd.DataFrame:
    known = [c for c in (*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS) if c in obs.columns]
    return obs[known + [c for c in obs.columns if c not in known]]


def dataset_csv(obs: pd.DataFrame, bom: bool = True) -> bytes:
    """Every observation as CSV, in the snapshot's column order (extra columns after)."""
    return to_csv_bytes(_observation_order(obs).reset_index(drop=True), bom=bom)


def dataset_xlsx(
    obs: pd.DataFrame, targets: pd.DataFrame, generated: datetime | None = None
) -> bytes:
    """Observations and targets on two sheets, plus About with every distinct source."""
    params = {
        "observations": len(obs),
        "targets": len(targets),
        "years": f"{int(obs['year'].min())}–{int(obs['year'].max())}" if len(obs) else "",
    }
    return workbook_bytes(
        {
            "Observations": _observation_order(obs).reset_index(drop=True),
            "Targets": targets.reset_index(drop=True),
        },
        parameters=params,
        sources=sources_table(obs, targets),
        title="Bilateral trade observations and declared targets",
        generated=generated,
    )
