"""Atomic files and the manifest: the store's write protocol at the level of bytes.

A data file is written once under a new, unique name (temp file, fsync, read back, rename) and
never changed afterwards; a version of the store is the manifest that lists its files with their
row counts, sizes and sha256. Swapping ``manifest.json`` (``os.replace``) is the one commit point,
so a reader that read one manifest sees one whole version.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.ingest.store.base import MANIFEST_FORMAT, StoreDamagedError

#: Rows per Parquet row group: small enough that one pair's rows (a few hundred in a year of
#: 97 chapters x 2 flows) touch one or two groups, large enough that the footer stays small.
ROW_GROUP_ROWS = 16_384
COMPRESSION = "zstd"


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry (a rename) to disk where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on every platform (e.g. Windows); the replace is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_temp(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new temp file in ``directory`` (same filesystem), flushed and fsynced.

    Named ``.<name>.<random>.tmp``: the pattern orphan cleanup removes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace_with(directory: Path, target: Path, data: bytes) -> None:
    """Atomically make ``target`` hold ``data`` (temp file, fsync, ``os.replace``)."""
    tmp = write_temp(directory, target.name, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def file_entry(data: bytes, rows: int) -> dict:
    """A manifest entry for one data file: row count, size and sha256 of its bytes."""
    return {"rows": int(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def new_file_name(version: int) -> str:
    """A data file name no other write can produce: the version it is written for, plus random
    hex (two writers never run at once, but a killed write's leftovers must not collide)."""
    return f"v{version:06d}-{secrets.token_hex(4)}.parquet"


def parquet_bytes(table: pa.Table, row_group_size: int = ROW_GROUP_ROWS) -> bytes:
    """``table`` as Parquet bytes (zstd, dictionary-encoded text, min/max statistics)."""
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        row_group_size=row_group_size,
        compression=COMPRESSION,
        write_statistics=True,
    )
    return sink.getvalue().to_pybytes()


def write_data_file(directory: Path, relative: str, table: pa.Table, row_group_size: int) -> dict:
    """Write ``table`` as the new file ``directory/relative`` and return its manifest entry.

    Temp file first; read back (footer, schema and row count) before the rename, so a file that
    is on disk under its final name is complete. It counts only once a manifest lists it.
    """
    target = directory / relative
    data = parquet_bytes(table, row_group_size)
    tmp = write_temp(target.parent, target.name, data)
    try:
        back = pq.read_metadata(tmp)
        if back.num_rows != table.num_rows or not back.schema.to_arrow_schema().equals(
            table.schema, check_metadata=False
        ):
            raise OSError(f"{tmp}: read back {back.num_rows} rows, wrote {table.num_rows}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return file_entry(data, table.num_rows)


def manifest_bytes(tables: dict, version: int) -> bytes:
    """A format-2 manifest: the version number and, per table, its files with their entries."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": version,
        "written": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "tables": tables,
    }
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def parse_manifest(raw: bytes, label: str) -> dict:
    """A manifest's content; StoreDamagedError if it is not one."""
    try:
        manifest = json.loads(raw)
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        if manifest.get("format") == MANIFEST_FORMAT:
            if not isinstance(manifest.get("tables"), dict):
                raise ValueError("no 'tables' table")
        elif not isinstance(manifest.get("files"), dict):
            raise ValueError("no 'files' table")
    except ValueError as exc:  # UnicodeDecodeError included
        raise StoreDamagedError(label, [(None, f"damaged manifest ({exc})")]) from exc
    return manifest


def manifest_files(manifest: dict | None) -> dict[str, dict]:
    """Every data file a format-2 manifest lists (path relative to the store -> entry)."""
    if not manifest or manifest.get("format") != MANIFEST_FORMAT:
        return {}
    out: dict[str, dict] = {}
    for table in manifest["tables"].values():
        out.update(table.get("files", {}))
    return out


# -- verification: a file is checked against its entry before its rows are used ---------------

#: Files already hashed in this process, by identity (path, inode, size, mtime): data files are
#: never rewritten in place, so a file with the same identity still has the verified bytes. This
#: keeps the sha256 off the path of every query (one pass per file per process).
_VERIFIED: set[tuple[str, int, int, int, str]] = set()
_VERIFIED_LOCK = threading.Lock()


def _identity(path: Path, sha256: str) -> tuple[str, int, int, int, str]:
    st = path.stat()
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns, sha256)


def entry_problem(path: Path, entry: dict, name: str, *, full: bool = False) -> str | None:
    """Why the file at ``path`` is not what ``entry`` recorded, or None.

    Size always; sha256 once per file identity in this process (``full`` forces it: ``store
    check``). Raises FileNotFoundError for a missing file (a reader may retry: a concurrent
    write can delete a version two writes old).
    """
    size = path.stat().st_size
    recorded = entry.get("bytes")
    if size != recorded:
        return (
            f"{name} does not match the manifest: it has {size:,} bytes, the last write "
            f"recorded {recorded:,} bytes and {entry.get('rows')} rows (cut short or changed "
            "outside the dashboard)"
        )
    ident = _identity(path, str(entry.get("sha256")))
    with _VERIFIED_LOCK:
        if not full and ident in _VERIFIED:
            return None
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != entry.get("sha256"):
        return (
            f"{name} does not match the manifest: its sha256 differs from the one the last "
            "write recorded (changed outside the dashboard)"
        )
    with _VERIFIED_LOCK:
        _VERIFIED.add(ident)
    return None
