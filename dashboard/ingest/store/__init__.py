"""The local analytic store: observations and products as Parquet tables, queried with DuckDB.

Why: live and imported data must survive restarts without touching the shipped, sourced
snapshot in ``data/``; a crash, a bad response or a second writer must never leave a
half-written, invalid or silently shortened table; and a pair's products must come back in
milliseconds from millions of rows.

Layout of the store directory (:func:`resolve_data_dir`)::

    manifest.json              the current version: per table, its files (rows, bytes, sha256)
    manifest.prev.json         the version before the last write (``store restore``)
    observations/v000012-3fa2c1d0.parquet                 one small file, every pair
    products/origin=comtrade/year=2023/v000012-….parquet  hive partitions, sorted by
                                                          reporter, partner, flow, code
    <table>/<name>=<value>/…/v…parquet                    tables written by replace_partitions
    store.lock                 the writers' lock (filelock)
    legacy-csv/<time>/         a migrated CSV store's files, kept
    comtrade_reference/        cached UN Comtrade reference lists (not data)

Write protocol (every write): validate the new rows; take the lock (a second writer waits,
told through ``on_wait``, and fails with :class:`StoreBusyError` after ``lock_timeout``
seconds); remove temp files and unlisted data files a killed writer left; read and verify what
the write merges with; write *new* files under new names (temp file, fsync, read back, rename);
copy ``manifest.json`` to ``manifest.prev.json``; ``os.replace`` the new ``manifest.json`` (the
one commit point); delete files no manifest lists. Data files are never changed in place, so a
reader that read one manifest sees one whole version (a version's files stay until two later
writes; a reader that loses that race reads the newer version).

Reads verify each file against the manifest (size always, sha256 once per file per process;
``store check`` hashes and validates everything), so a file cut short or edited is
:class:`StoreDamagedError`. A CSV store (``observations.csv``, with or without its manifest) is
migrated on first use, row for row, and its files kept in ``legacy-csv/``.

:func:`merge_observations` combines the snapshot and the store for the app.
"""

from __future__ import annotations

from dashboard.ingest.store.base import (
    APP_NAME,
    DATA_DIR_ENV,
    DEFAULT_LOCK_TIMEOUT,
    LEGACY_DIR,
    LEGACY_PREV_FILE,
    LEGACY_STORE_FILE,
    LOCK_FILE,
    LOCK_TIMEOUT_ENV,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    MERGE_COLUMNS,
    OBSERVATIONS,
    PREFER_CHOICES,
    PREV_MANIFEST_FILE,
    PRODUCT_PARTITIONS,
    PRODUCTS,
    STORED_COLUMNS,
    FileCheck,
    Prefer,
    RestoreSummary,
    StoreBusyError,
    StoreDamagedError,
    StoreLocationError,
    StoreRestoreError,
    WriteSummary,
    empty_observations,
    empty_products,
    resolve_data_dir,
)
from dashboard.ingest.store.files import file_entry
from dashboard.ingest.store.local import LocalStore, PartitionWrite
from dashboard.ingest.store.merge import load_merged, merge_observations

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "DEFAULT_LOCK_TIMEOUT",
    "LEGACY_DIR",
    "LEGACY_PREV_FILE",
    "LEGACY_STORE_FILE",
    "LOCK_FILE",
    "LOCK_TIMEOUT_ENV",
    "MANIFEST_FILE",
    "MANIFEST_FORMAT",
    "MERGE_COLUMNS",
    "OBSERVATIONS",
    "PREFER_CHOICES",
    "PREV_MANIFEST_FILE",
    "PRODUCTS",
    "PRODUCT_PARTITIONS",
    "STORED_COLUMNS",
    "FileCheck",
    "LocalStore",
    "PartitionWrite",
    "Prefer",
    "RestoreSummary",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreLocationError",
    "StoreRestoreError",
    "WriteSummary",
    "empty_observations",
    "empty_products",
    "file_entry",
    "load_merged",
    "merge_observations",
    "resolve_data_dir",
]
