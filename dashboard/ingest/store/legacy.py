"""The store before Parquet: one ``observations.csv`` (format 1), read only to migrate it.

A format-1 store has ``observations.csv``, maybe ``observations.prev.csv``, and, from issue #13
on, a ``manifest.json`` with ``files`` (rows, bytes, sha256 per file; ``pending`` during a
write). Stores from before the manifest have none and are accepted unverified, as they were.
Rows stored before the ``origin`` column existed get one here (uploads said so in their note).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from dashboard.ingest.store.base import (
    LEGACY_PREV_FILE,
    LEGACY_STORE_FILE,
    MANIFEST_FILE,
    STORED_COLUMNS,
    FileCheck,
    StoreDamagedError,
)
from dashboard.ingest.validation import read_observations_csv
from dashboard.model import DataFileError

#: What an upload's note starts with (``upload.to_store_rows``): how rows stored before the origin
#: column existed are told apart from fetched ones.
_UPLOAD_NOTE = "Uploaded by user"


def is_legacy(directory: Path, manifest: dict | None) -> bool:
    """True for a format-1 store: a CSV file and no format-2 manifest."""
    if manifest is not None and "tables" in manifest:
        return False
    return (directory / LEGACY_STORE_FILE).is_file() or (directory / LEGACY_PREV_FILE).is_file()


def with_origin(df: pd.DataFrame) -> pd.DataFrame:
    """Give rows stored before the ``origin`` column existed their origin: uploads said so in
    their note; everything else then came from UN Comtrade."""
    if "origin" in df.columns:
        return df
    df = df.copy()
    uploaded = df["note"].fillna("").str.startswith(_UPLOAD_NOTE)
    df["origin"] = uploaded.map({True: "upload", False: "comtrade"}).astype("str")
    return df


def _mismatch(name: str, data: bytes, rows: int, manifest: dict | None) -> str | None:
    if manifest is None:
        return None  # a store written before manifests existed: accepted unverified
    accepted = [
        e for e in (manifest.get("files", {}).get(name), manifest.get("pending", {}).get(name)) if e
    ]
    if not accepted:
        return f"{name} is not listed in {MANIFEST_FILE}"
    digest = hashlib.sha256(data).hexdigest()
    if any(e.get("sha256") == digest and e.get("rows") == rows for e in accepted):
        return None
    recorded = accepted[0]
    return (
        f"{name} does not match {MANIFEST_FILE}: it has {rows} rows and {len(data):,} bytes, "
        f"the last write recorded {recorded.get('rows')} rows and {recorded.get('bytes', 0):,} "
        "bytes (cut short or changed outside the dashboard)"
    )


def load_csv(path: Path, manifest: dict | None) -> pd.DataFrame:
    """One format-1 file, validated and checked against the format-1 manifest.

    Raises StoreDamagedError naming the file and line.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreDamagedError(str(path), [(None, f"cannot read file: {exc.strerror}")]) from exc
    try:
        df = read_observations_csv(data, label=str(path))
    except DataFileError as exc:
        raise StoreDamagedError(exc.path, exc.problems) from None
    problem = _mismatch(path.name, data, len(df), manifest)
    if problem:
        raise StoreDamagedError(str(path), [(None, problem)], mismatch=True)
    return with_origin(df)[list(STORED_COLUMNS)].reset_index(drop=True)


def check_csv(directory: Path, manifest: dict | None) -> list[FileCheck]:
    """``store check`` for a format-1 store that could not be migrated (a damaged CSV)."""
    out = []
    for name, version in ((LEGACY_STORE_FILE, "current"), (LEGACY_PREV_FILE, "previous")):
        path = directory / name
        if not path.is_file():
            out.append(FileCheck(name, False, version=version))
            continue
        try:
            df = load_csv(path, manifest)
        except DataFileError as exc:
            out.append(FileCheck(name, True, None, str(exc), version=version))
        else:
            out.append(FileCheck(name, True, len(df), version=version, bytes=path.stat().st_size))
    return out
