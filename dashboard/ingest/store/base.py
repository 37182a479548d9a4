"""The store's vocabulary: where it lives, its file names, its errors and what a write returns.

Kept apart from the reading and writing code so the legacy CSV reader, the Parquet store and the
CLI share one set of names without importing each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import platformdirs

from dashboard.ingest.snapshot import DEFAULT_DATA_DIR, snapshot_dir
from dashboard.model import (
    OBSERVATION_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    PRODUCT_COLUMNS,
    DataFileError,
)

DATA_DIR_ENV = "TRADE_DASHBOARD_DATA_DIR"
LOCK_TIMEOUT_ENV = "TRADE_DASHBOARD_STORE_LOCK_TIMEOUT"
#: Seconds a writer waits for another one before giving up (a Comtrade write takes well under 1 s).
DEFAULT_LOCK_TIMEOUT = 60.0
APP_NAME = "trade-dashboard"
MANIFEST_FILE = "manifest.json"
PREV_MANIFEST_FILE = "manifest.prev.json"
#: A manifest put aside by ``store restore`` (its files are kept, see ``LocalStore.restore``).
RESTORED_MANIFEST_GLOB = "manifest.before-restore-*.json"
LOCK_FILE = "store.lock"
#: Format 1: one observations.csv (before the analytic store); format 2: Parquet tables.
MANIFEST_FORMAT = 2
#: The store before Parquet (format 1): migrated on first use, then kept in LEGACY_DIR.
LEGACY_STORE_FILE = "observations.csv"
LEGACY_PREV_FILE = "observations.prev.csv"
LEGACY_DIR = "legacy-csv"
OBSERVATIONS = "observations"
PRODUCTS = "products"
#: The products table's hive partitioning: one directory per origin and year.
PRODUCT_PARTITIONS: tuple[str, ...] = ("origin", "year")
STORED_COLUMNS: tuple[str, ...] = (*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS, "origin")
#: Product columns stored in each file (origin and year live in the partition path).
PRODUCT_FILE_COLUMNS: tuple[str, ...] = tuple(
    c for c in PRODUCT_COLUMNS if c not in PRODUCT_PARTITIONS
)
#: Columns :func:`merge_observations` adds (``origin`` is stored; the snapshot's is "snapshot").
MERGE_COLUMNS: tuple[str, ...] = ("alt_value_usd", "alt_origin", "alt_source_url")
Prefer = Literal["auto", "snapshot", "comtrade"]
PREFER_CHOICES: tuple[str, ...] = ("auto", "snapshot", "comtrade")


class StoreLocationError(ValueError):
    """The chosen store directory is not allowed (e.g. inside the shipped ``data/``)."""


class StoreBusyError(TimeoutError):
    """Another process held the store's lock longer than the writer would wait."""


class StoreDamagedError(DataFileError):
    """A store file failed validation or does not match the manifest (``store restore`` helps).

    ``mismatch`` is True when the file is valid but not what the manifest recorded.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str]], mismatch: bool = False):
        super().__init__(path, problems)
        self.mismatch = mismatch


class StoreRestoreError(ValueError):
    """There is no usable previous version to restore."""


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """The store directory: ``explicit``, else ``TRADE_DASHBOARD_DATA_DIR``, else the user's
    platform data directory (platformdirs ``user_data_dir("trade-dashboard")``).

    Raises StoreLocationError for a directory inside the snapshot's ``data/``: user data must
    never mix with the sourced snapshot.
    """
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    path = Path(chosen).expanduser().resolve()
    for snap in {DEFAULT_DATA_DIR.resolve(), snapshot_dir().resolve()}:
        if path == snap or path.is_relative_to(snap):
            raise StoreLocationError(
                f"the local store cannot live in the shipped snapshot directory ({snap}); "
                "choose another --data-dir"
            )
    return path


def lock_timeout(explicit: float | None) -> float:
    """Seconds a writer waits: ``explicit``, else ``TRADE_DASHBOARD_STORE_LOCK_TIMEOUT``, else 60
    (``ValueError`` for a value that is not a number of seconds >= 0)."""
    if explicit is not None:
        return float(explicit)
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses NaN
        raise ValueError(f"{LOCK_TIMEOUT_ENV} must be a number of seconds >= 0, got {text!r}")
    return value


def empty_observations() -> pd.DataFrame:
    """A typed observation frame with no rows (what an empty store reads as)."""
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in STORED_COLUMNS})
    return df.astype({"year": "int64", "value_usd": "float64"})


def empty_products() -> pd.DataFrame:
    """A typed product frame (model.PRODUCT_COLUMNS) with no rows."""
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in PRODUCT_COLUMNS})
    return df.astype({"year": "int64", "value_usd": "float64"})


@dataclass(frozen=True)
class WriteSummary:
    """What a write did: rows new to the table, rows that replaced a stored row, rows now in the
    table, and the store directory."""

    added: int
    replaced: int
    total: int
    path: Path


@dataclass(frozen=True)
class FileCheck:
    """The state of one store file: its name (relative to the store), whether it exists, its
    rows, and any problem; ``version`` is ``current`` or ``previous``."""

    name: str
    present: bool
    rows: int | None = None
    problem: str | None = None
    version: str = "current"
    bytes: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did: observation rows now in the store, and where the replaced version's
    manifest (or, for a CSV store, its files) was kept."""

    rows: int
    kept_as: Path | None
