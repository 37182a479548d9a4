"""Damage a Parquet store the way a crash, a full disk or a hand edit would, for the tests that
check it is detected; and write a store in the CSV format (1) from before Parquet, to migrate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.ingest.store import LocalStore

#: The CSV store's header before the origin column existed, and after.
LEGACY_HEADER = (
    "reporter,partner,year,flow,value_usd,qualifier,source,source_url,published,confidence,note,"
    "valuation,retrieved"
)
HEADER = LEGACY_HEADER + ",origin"


def current_file(store: LocalStore, table: str = "observations") -> Path:
    """The one data file of ``table`` in the current version."""
    [path] = store.files(table)
    return path


def all_files(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative path -> bytes), cached reference lists aside."""
    if not directory.exists():
        return {}
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and "comtrade_reference" not in p.parts
    }


def drop_last_row(path: Path) -> None:
    """Rewrite a Parquet file without its last row: still a valid file, one row short (what a
    CSV cut at a line end was)."""
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows - 1), path)


def set_cell(path: Path, row: int, column: str, value) -> None:
    """Rewrite a Parquet file with one cell changed (its column becomes text if ``value`` is)."""
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    if isinstance(value, str):
        values = [v if isinstance(v, str) else repr(v) for v in values]
    i = table.column_names.index(column)
    kind = pa.string() if isinstance(value, str) else table.schema.field(i).type
    table = table.set_column(i, pa.field(column, kind), pa.array(values, kind))
    pq.write_table(table, path)


def write_csv_store(directory: Path, current: str, previous: str | None = None,
                    manifest: bool = True) -> None:  # fmt: skip
    """A format-1 store: observations.csv (and .prev.csv) with the format-1 manifest that
    issue #13 wrote (rows, bytes, sha256 per file), or none (a store from before manifests)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, text in (("observations.csv", current), ("observations.prev.csv", previous)):
        if text is None:
            continue
        data = text.encode("utf-8")
        (directory / name).write_bytes(data)
        rows = len([line for line in text.splitlines() if line.strip()]) - 1
        files[name] = {
            "rows": rows,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    if manifest:
        (directory / "manifest.json").write_text(
            json.dumps({"format": 1, "written": "2026-11-30T10:00:00+00:00", "files": files})
        )


def csv_line(
    year: int,
    value: str,
    *,
    reporter: str = "CHN",
    partner: str = "KAZ",
    flow: str = "total",
    origin: str | None = "comtrade",
    note: str = "synthetic",
) -> str:
    """One line of a format-1 CSV store (synthetic values)."""
    cells = [
        reporter, partner, str(year), flow, value, "reported", "UN Comtrade",
        f"https://example.org/{reporter}/{year}", "2026-01-15", "high", note, "", "2026-01-15",
    ]  # fmt: skip
    if origin is not None:
        cells.append(origin)
    return ",".join(cells)
