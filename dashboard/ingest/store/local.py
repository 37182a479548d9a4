"""``LocalStore``: Parquet tables under one manifest, queried with DuckDB.

Written by one process at a time (a lock file), read by any number. See the package docstring
for the layout and the write protocol.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from dashboard.ingest.store.base import (
    LEGACY_DIR,
    LEGACY_PREV_FILE,
    LEGACY_STORE_FILE,
    LOCK_FILE,
    LOCK_TIMEOUT_ENV,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    OBSERVATIONS,
    PREV_MANIFEST_FILE,
    PRODUCT_FILE_COLUMNS,
    PRODUCT_PARTITIONS,
    PRODUCTS,
    RESTORED_MANIFEST_GLOB,
    STORED_COLUMNS,
    FileCheck,
    RestoreSummary,
    StoreBusyError,
    StoreDamagedError,
    StoreRestoreError,
    WriteSummary,
    empty_observations,
    empty_products,
    lock_timeout,
    resolve_data_dir,
)
from dashboard.ingest.store.files import (
    ROW_GROUP_ROWS,
    entry_problem,
    fsync_dir,
    manifest_bytes,
    manifest_files,
    new_file_name,
    parse_manifest,
    replace_with,
    write_data_file,
)
from dashboard.ingest.store.legacy import check_csv, is_legacy, load_csv
from dashboard.ingest.validation import validate_observations, validate_products
from dashboard.model import OBSERVATION_KEY, PRODUCT_COLUMNS, PRODUCT_KEY, DataFileError

_log = logging.getLogger(__name__)

OBSERVATION_SCHEMA = pa.schema(
    [
        (c, pa.int64() if c == "year" else pa.float64() if c == "value_usd" else pa.string())
        for c in STORED_COLUMNS
    ]
)
PRODUCT_FILE_SCHEMA = pa.schema(
    [(c, pa.float64() if c == "value_usd" else pa.string()) for c in PRODUCT_FILE_COLUMNS]
)
#: Inside a partition, rows are sorted so that a pair's rows sit together: min/max statistics
#: per row group then let DuckDB skip every group of other pairs.
PRODUCT_SORT: tuple[str, ...] = ("reporter", "partner", "flow", "code")
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PART_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_PART_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")
#: Reads retried when a concurrent write removed the files of the version being read.
_READ_ATTEMPTS = 4

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PartitionWrite:
    """One table's partitions for :meth:`LocalStore.replace_tables` (see
    :meth:`LocalStore.replace_partitions` for what ``parts`` may hold)."""

    table: str
    parts: Mapping[str, pa.Table]
    row_group_size: int | None = None


def _partition_of(relative: str, table: str) -> str:
    """``products/origin=comtrade/year=2023/v1-ab.parquet`` -> ``origin=comtrade/year=2023``."""
    parts = relative.split("/")
    return "/".join(parts[1:-1]) if parts[0] == table else ""


def _parse_key(key: str) -> list[tuple[str, str]]:
    """``"origin=baci/year=2023"`` -> [("origin", "baci"), ("year", "2023")], or ValueError."""
    out = []
    for piece in key.strip("/").split("/"):
        name, sep, value = piece.partition("=")
        if not sep or not _PART_NAME.match(name) or not _PART_VALUE.match(value):
            raise ValueError(
                f"bad partition key {key!r}: use name=value parts separated by '/', e.g. "
                "origin=baci/year=2023 (letters, digits, '_', '.', '-')"
            )
        out.append((name, value))
    return out


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _validated_rows(df: pd.DataFrame, label: str, validate) -> pd.DataFrame:
    """A stored file's rows through the table's validator; problems name rows, not CSV lines."""
    try:
        return validate(df, label)
    except DataFileError as exc:
        problems = [
            (None, f"row {line - 1}: {msg}" if line is not None else msg)
            for line, msg in exc.problems
        ]
        raise StoreDamagedError(label, problems) from None


def _merge_partition(old: list[pa.Table], new: pa.Table) -> tuple[pa.Table, int]:
    """Stored rows of one partition without those ``new`` replaces, plus ``new``, sorted by
    PRODUCT_SORT; and how many stored rows were replaced. Keys within a partition are
    (reporter, partner, flow, code): origin and year are the partition's."""
    if not old:
        return new, 0
    stored = pa.concat_tables(old).select(new.column_names).cast(new.schema)
    key = list(PRODUCT_SORT)
    kept = stored.join(new.select(key), keys=key, join_type="left anti")
    merged = pa.concat_tables([kept, new]).sort_by([(c, "ascending") for c in key])
    return merged, stored.num_rows - kept.num_rows


class _Connections:
    """One DuckDB database per store directory and manifest version, shared by the threads of a
    process (each query takes its own cursor). Views over the version's files are created once,
    and DuckDB's Parquet metadata cache then serves every later query from memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_dir: dict[Path, tuple[str, duckdb.DuckDBPyConnection]] = {}

    def get(self, directory: Path, digest: str, build) -> duckdb.DuckDBPyConnection:
        with self._lock:
            known = self._by_dir.get(directory)
            if known and known[0] == digest:
                return known[1]
        con = build()
        with self._lock:
            # An older version's connection is dropped, not closed: another thread may still be
            # reading through a cursor of it (its files stay until two writes later).
            self._by_dir[directory] = (digest, con)
        return con

    def forget(self, directory: Path) -> None:
        with self._lock:
            self._by_dir.pop(directory, None)


_CONNECTIONS = _Connections()


class LocalStore:
    """The local store: Parquet tables listed in one manifest, replaced atomically under a lock,
    verified against the manifest when read, queried with embedded DuckDB."""

    def __init__(
        self, directory: str | Path | None = None, *, lock_timeout: float | None = None
    ) -> None:
        self.directory = resolve_data_dir(directory)
        self.manifest_path = self.directory / MANIFEST_FILE
        self.prev_manifest_path = self.directory / PREV_MANIFEST_FILE
        self.lock_path = self.directory / LOCK_FILE
        self.lock_timeout = _timeout(lock_timeout)
        #: Set when this object migrated a CSV store (what happened and where the CSV went).
        self.migration_note: str | None = None

    @classmethod
    def open(
        cls, directory: str | Path | None = None, *, lock_timeout: float | None = None
    ) -> LocalStore:
        """The store, with temp files left by a killed write removed and a CSV store migrated
        (call at start-up). A damaged CSV store is left as it is (``check`` reports it)."""
        store = cls(directory, lock_timeout=lock_timeout)
        store.remove_orphans()
        with suppress(DataFileError, StoreBusyError, OSError):
            store.migrate()
        return store

    def __repr__(self) -> str:
        return f"LocalStore({str(self.directory)!r})"

    # -- the manifest ----------------------------------------------------------------------------

    def _raw_manifest(self, path: Path | None = None) -> tuple[bytes | None, dict | None]:
        """A manifest's bytes and content, (None, None) if there is none; damaged -> raises."""
        path = path or self.manifest_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise StoreDamagedError(path.name, [(None, f"cannot read: {exc.strerror}")]) from exc
        return raw, parse_manifest(raw, str(path))

    def _tables(self, manifest: dict | None) -> dict:
        if manifest is None or manifest.get("format") != MANIFEST_FORMAT:
            return {}
        return manifest["tables"]

    def exists(self) -> bool:
        """Whether any observation is stored (in Parquet, or in a CSV store not yet migrated)."""
        try:
            _raw, manifest = self._raw_manifest()
        except DataFileError:
            return True  # something is there, if damaged
        if is_legacy(self.directory, manifest):
            return (self.directory / LEGACY_STORE_FILE).is_file()
        return bool(self._tables(manifest).get(OBSERVATIONS, {}).get("files"))

    def version(self) -> int:
        """Changes whenever a write or restore changes the store (a cache key; 0 when empty)."""
        try:
            raw = self.manifest_path.read_bytes()
        except OSError:
            raw = b""
        stamp = int.from_bytes(hashlib.sha256(raw).digest()[:7]) if raw else 0
        for legacy in (LEGACY_STORE_FILE,):
            with suppress(OSError):
                stamp += (self.directory / legacy).stat().st_mtime_ns
        return stamp

    def files(self, table: str = OBSERVATIONS, *, version: str = "current") -> list[Path]:
        """The data files of ``table`` in the current (or previous) version."""
        path = self.manifest_path if version == "current" else self.prev_manifest_path
        _raw, manifest = self._raw_manifest(path)
        files = self._tables(manifest).get(table, {}).get("files", {})
        return [self.directory / rel for rel in sorted(files)]

    def tables(self) -> list[str]:
        """The tables the current version holds (those with at least one file)."""
        _raw, manifest = self._raw_manifest()
        return sorted(t for t, info in self._tables(manifest).items() if info.get("files"))

    # -- locking ---------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the store's lock; tell ``on_wait`` if another writer has it, and give up with
        StoreBusyError after ``lock_timeout`` seconds."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lock_path)
        try:
            lock.acquire(blocking=False)
        except Timeout:
            if on_wait is not None:
                on_wait(
                    "Another write to the local store is in progress; waiting up to "
                    f"{self.lock_timeout:g} s for it to finish…"
                )
            try:
                lock.acquire(timeout=self.lock_timeout)
            except Timeout:
                raise StoreBusyError(
                    f"the local store is busy: another write held it for over "
                    f"{self.lock_timeout:g} s, so nothing was changed; try again later "
                    f"(a writer waits {LOCK_TIMEOUT_ENV} seconds)"
                ) from None
        try:
            yield
        finally:
            lock.release()

    def remove_orphans(self) -> int:
        """Delete temp files and unlisted data files a killed write left behind; returns how
        many. Only while holding the lock, so a live writer's files are never touched: if another
        process holds it, nothing is removed now (its own write will clean up)."""
        if not self.directory.is_dir():
            return 0
        lock = FileLock(self.lock_path)
        try:
            lock.acquire(blocking=False)
        except (Timeout, OSError):  # busy, or a read-only store: leave everything as it is
            return 0
        try:
            return self._remove_orphans_locked()
        finally:
            lock.release()

    def _remove_orphans_locked(self) -> int:
        removed = 0
        for tmp in self.directory.rglob(".*.tmp"):
            with suppress(FileNotFoundError):
                tmp.unlink()
                removed += 1
        # Data files are deleted only when a readable format-2 manifest says what is in use:
        # without one (a damaged or missing manifest) nothing can be known to be unused.
        referenced: set[str] = set()
        manifests = [
            self.manifest_path,
            self.prev_manifest_path,
            *self.directory.glob(RESTORED_MANIFEST_GLOB),
        ]
        for i, path in enumerate(manifests):
            try:
                _raw, manifest = self._raw_manifest(path)
            except DataFileError:
                return removed
            if i == 0 and (manifest is None or manifest.get("format") != MANIFEST_FORMAT):
                return removed
            referenced |= set(manifest_files(manifest))
        for path in self.directory.rglob("*.parquet"):
            rel = path.relative_to(self.directory).as_posix()
            if rel.startswith(LEGACY_DIR + "/") or rel in referenced:
                continue
            with suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        for folder in sorted(self.directory.rglob("*=*"), key=lambda p: -len(p.parts)):
            if folder.is_dir():
                with suppress(OSError):
                    folder.rmdir()  # only if empty
        return removed

    # -- migration from the CSV store ------------------------------------------------------------

    def migrate(self) -> str | None:
        """Move a CSV store (format 1) to Parquet, without loss; returns what was done, or None
        if there was nothing to migrate. The CSV files are kept in ``legacy-csv/<time>/``.

        Raises StoreDamagedError (leaving everything as it is) if the CSV file is damaged: ``store
        restore`` then migrates its previous version instead.
        """
        _raw, manifest = self._raw_manifest()
        if not is_legacy(self.directory, manifest):
            return None
        with self._locked():
            return self._migrate_locked()

    def _migrate_locked(self, *, from_previous: bool = False) -> str | None:
        _raw, manifest = self._raw_manifest()
        if not is_legacy(self.directory, manifest):
            return None
        current_csv = self.directory / LEGACY_STORE_FILE
        prev_csv = self.directory / LEGACY_PREV_FILE
        previous = None
        if from_previous:
            current = load_csv(prev_csv, manifest)
        else:
            current = load_csv(current_csv, manifest) if current_csv.is_file() else None
            if prev_csv.is_file():
                try:
                    previous = load_csv(prev_csv, manifest)
                except DataFileError as exc:
                    _log.warning("Not migrating the damaged %s: %s", LEGACY_PREV_FILE, exc)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        keep = self.directory / LEGACY_DIR / stamp
        keep.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            tables: dict = {}
            if previous is not None:
                rel, entry = self._write_observations(previous, 1)
                written.append(self.directory / rel)
                replace_with(
                    self.directory,
                    self.prev_manifest_path,
                    manifest_bytes({OBSERVATIONS: {"files": {rel: entry}}}, 1),
                )
            if current is not None:
                rel, entry = self._write_observations(current, 2)
                written.append(self.directory / rel)
                tables = {OBSERVATIONS: {"files": {rel: entry}}}
                back = self._read_observation_files(tables[OBSERVATIONS]["files"], full=True)
                pd.testing.assert_frame_equal(back, current, check_dtype=True)
            # Copies first, so the CSV files are safe in the kept folder before the commit.
            for name in (LEGACY_STORE_FILE, LEGACY_PREV_FILE, MANIFEST_FILE):
                if (self.directory / name).is_file():
                    shutil.copy2(self.directory / name, keep / name)
            fsync_dir(keep)
            replace_with(self.directory, self.manifest_path, manifest_bytes(tables, 2))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            self.prev_manifest_path.unlink(missing_ok=True)
            shutil.rmtree(keep, ignore_errors=True)
            raise
        for name in (LEGACY_STORE_FILE, LEGACY_PREV_FILE):
            (self.directory / name).unlink(missing_ok=True)
        fsync_dir(self.directory)
        rows = 0 if current is None else len(current)
        self.migration_note = (
            f"Migrated the local store from CSV to Parquet: {rows} observations"
            + (f", previous version {len(previous)}" if previous is not None else "")
            + f"; the CSV files are kept in {keep}"
        )
        _log.warning("%s", self.migration_note)
        return self.migration_note

    def _ensure_migrated(self) -> dict | None:
        """The current manifest, after migrating a CSV store if there is one and the directory
        is writable (a read-only CSV store is read in place)."""
        _raw, manifest = self._raw_manifest()
        if is_legacy(self.directory, manifest) and os.access(self.directory, os.W_OK):
            current = self.directory / LEGACY_STORE_FILE
            if current.is_file():
                load_csv(current, manifest)  # a damaged CSV store is reported, not locked
            with self._locked():
                self._migrate_locked()
            _raw, manifest = self._raw_manifest()
        return manifest

    def _current_locked(self) -> tuple[bytes | None, dict | None]:
        """Under the lock: the current manifest, migrating a CSV store first."""
        self._migrate_locked()
        return self._raw_manifest()

    # -- reading ---------------------------------------------------------------------------------

    def _read_file(
        self,
        rel: str,
        entry: dict,
        *,
        full: bool = False,
        validate: Callable[[pa.Table], object] | None = None,
    ) -> pa.Table:
        """One data file, checked against its manifest entry. Content problems come first
        (``validate`` names the row to fix), then the row count, then size and sha256."""
        path = self.directory / rel
        try:
            table = pq.read_table(path)
        except FileNotFoundError:
            raise
        except (pa.ArrowException, OSError) as exc:
            raise StoreDamagedError(
                str(path), [(None, f"not a readable Parquet file ({exc})")]
            ) from None
        if validate is not None:
            validate(table)
        if table.num_rows != entry.get("rows"):
            raise StoreDamagedError(
                str(path),
                [
                    (
                        None,
                        f"{rel} does not match the manifest: it has {table.num_rows} rows, the "
                        f"last write recorded {entry.get('rows')} rows (cut short or changed "
                        "outside the dashboard)",
                    )
                ],
                mismatch=True,
            )
        problem = entry_problem(path, entry, rel, full=full)
        if problem:
            raise StoreDamagedError(str(path), [(None, problem)], mismatch=True)
        return table

    def _observation_frame(self, table: pa.Table, label: str) -> pd.DataFrame:
        missing = [c for c in STORED_COLUMNS if c not in table.column_names]
        if missing:
            raise StoreDamagedError(label, [(None, f"missing column {c!r}") for c in missing])
        df = table.select(list(STORED_COLUMNS)).to_pandas()
        return _validated_rows(df, label, validate_observations)

    def _read_observation_files(self, files: dict, *, full: bool = False) -> pd.DataFrame:
        frames = []
        for rel, entry in sorted(files.items()):
            label = str(self.directory / rel)
            out: list[pd.DataFrame] = []
            self._read_file(
                rel,
                entry,
                full=full,
                validate=lambda t, label=label, out=out: out.append(
                    self._observation_frame(t, label)
                ),
            )
            frames.extend(out)
        if not frames:
            return empty_observations()
        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        return df[list(STORED_COLUMNS)].reset_index(drop=True)

    def _retrying(self, read: Callable[[dict | None], pd.DataFrame]) -> pd.DataFrame:
        """Run ``read`` on the current manifest; again on a newer one if a concurrent write
        removed a file of the version being read (a version stays two writes)."""
        last: FileNotFoundError | None = None
        seen: bytes | None = None
        for _ in range(_READ_ATTEMPTS):
            manifest = self._ensure_migrated()
            raw = self.manifest_path.read_bytes() if self.manifest_path.exists() else None
            if last is not None and raw == seen:
                break  # the same version again: the file is really missing
            seen = raw
            try:
                return read(manifest)
            except FileNotFoundError as exc:
                last = exc
            except duckdb.IOException as exc:
                if "No such file" not in str(exc) and "No files found" not in str(exc):
                    raise StoreDamagedError(str(self.directory), [(None, str(exc))]) from None
                last = FileNotFoundError(str(exc))
        raise StoreDamagedError(
            str(self.directory), [(None, f"a file the manifest lists is missing: {last}")]
        )

    def read(self) -> pd.DataFrame:
        """The stored observations, validated and verified; an empty frame if nothing is stored.

        Raises StoreDamagedError (a DataFileError: file, row, problem) if a file was damaged,
        cut short or edited outside the dashboard.
        """

        def read(manifest: dict | None) -> pd.DataFrame:
            if is_legacy(self.directory, manifest):  # read-only CSV store: read in place
                path = self.directory / LEGACY_STORE_FILE
                return load_csv(path, manifest) if path.is_file() else empty_observations()
            files = self._tables(manifest).get(OBSERVATIONS, {}).get("files", {})
            return self._read_observation_files(files)

        return self._retrying(read)

    def _connection(self, manifest: dict | None) -> duckdb.DuckDBPyConnection:
        """A DuckDB database with one view per table of ``manifest``'s version."""
        tables = self._tables(manifest)
        identity = json.dumps([(manifest or {}).get("version", 0), tables], sort_keys=True)
        digest = hashlib.sha256(identity.encode()).hexdigest()

        def build() -> duckdb.DuckDBPyConnection:
            for table in tables.values():
                for rel, entry in table.get("files", {}).items():
                    problem = entry_problem(self.directory / rel, entry, rel)
                    if problem:
                        raise StoreDamagedError(
                            str(self.directory / rel), [(None, problem)], mismatch=True
                        )
            con = duckdb.connect(":memory:")
            con.execute("SET parquet_metadata_cache = true")
            for name, table in tables.items():
                files = sorted(table.get("files", {}))
                if not files:
                    continue
                listed = "[" + ", ".join(_sql_text(str(self.directory / f)) for f in files) + "]"
                hive = ", hive_partitioning = true" if table.get("partitioning") else ""
                con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({listed}{hive})')
            return con

        return _CONNECTIONS.get(self.directory, digest, build)

    def query(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        """Run ``sql`` (DuckDB) against the current version: one view per table (``observations``,
        ``products``, and any table written with :meth:`replace_partitions`), partition columns
        included. Returns a pandas frame; keep results small (filter and aggregate in SQL)."""

        def run(manifest: dict | None) -> pd.DataFrame:
            con = self._connection(manifest)
            return con.cursor().execute(sql, list(params)).df()

        return self._retrying(run)

    def read_products(
        self,
        reporter: str | None = None,
        partner: str | None = None,
        *,
        year: int | None = None,
        origin: str | None = None,
    ) -> pd.DataFrame:
        """Stored product rows (model.PRODUCT_COLUMNS) matching every filter given, in key
        order; an empty typed frame when there are none."""
        if PRODUCTS not in self.tables():
            return empty_products()
        where, params = [], []
        for column, value in (
            ("reporter", reporter),
            ("partner", partner),
            ("year", year),
            ("origin", origin),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(int(value) if column == "year" else str(value))
        cols = ", ".join(PRODUCT_COLUMNS)
        sql = f"SELECT {cols} FROM products"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY " + ", ".join(PRODUCT_KEY)
        return self._typed_products(self.query(sql, params))

    @staticmethod
    def _typed_products(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return empty_products()
        out = df[list(PRODUCT_COLUMNS)].astype(
            {c: "str" for c in PRODUCT_COLUMNS if c not in ("year", "value_usd")}
        )
        return out.astype({"year": "int64", "value_usd": "float64"}).reset_index(drop=True)

    def product_pairs(self) -> pd.DataFrame:
        """One row per (origin, reporter, partner) with products stored: first and last year and
        the number of rows."""
        columns = ["origin", "reporter", "partner", "first_year", "last_year", "rows"]
        if PRODUCTS not in self.tables():
            return pd.DataFrame({c: pd.Series(dtype="str") for c in columns}).astype(
                {"first_year": "int64", "last_year": "int64", "rows": "int64"}
            )
        df = self.query(
            "SELECT origin, reporter, partner, min(year) AS first_year, max(year) AS last_year, "
            "count(*) AS rows FROM products GROUP BY ALL ORDER BY origin, reporter, partner"
        )
        return df.astype(
            {
                "origin": "str",
                "reporter": "str",
                "partner": "str",
                "first_year": "int64",
                "last_year": "int64",
                "rows": "int64",
            }
        )

    # -- checking --------------------------------------------------------------------------------

    def check(self) -> list[FileCheck]:
        """Every data file of the current and the previous version, hashed, read and validated
        in full (``trade-dashboard store check``); never raises for a damaged file."""
        with suppress(DataFileError, StoreBusyError, OSError):
            self._ensure_migrated()
        out: list[FileCheck] = []
        for version, path in (
            ("current", self.manifest_path),
            ("previous", self.prev_manifest_path),
        ):
            try:
                _raw, manifest = self._raw_manifest(path)
            except DataFileError as exc:
                out.append(FileCheck(path.name, True, None, str(exc), version=version))
                continue
            if version == "current" and is_legacy(self.directory, manifest):
                return check_csv(self.directory, manifest)
            if manifest is None:
                out.append(FileCheck(path.name, False, version=version))
                continue
            for table, info in sorted(self._tables(manifest).items()):
                for rel, entry in sorted(info.get("files", {}).items()):
                    out.append(self._check_file(table, rel, entry, version))
        return out

    def _check_file(self, table: str, rel: str, entry: dict, version: str) -> FileCheck:
        path = self.directory / rel
        if not path.is_file():
            return FileCheck(rel, False, None, f"{rel} is missing", version=version)
        validate = None
        if table == OBSERVATIONS:
            validate = lambda t: self._observation_frame(t, str(path))  # noqa: E731
        elif table == PRODUCTS:
            partition = _partition_of(rel, table)
            validate = lambda t: self._product_frame(t, partition, str(path))  # noqa: E731
        try:
            self._read_file(rel, entry, full=True, validate=validate)
        except DataFileError as exc:
            return FileCheck(rel, True, None, str(exc), version=version)
        return FileCheck(rel, True, int(entry["rows"]), version=version, bytes=entry["bytes"])

    # -- writing ---------------------------------------------------------------------------------

    def _write_observations(self, df: pd.DataFrame, version: int) -> tuple[str, dict]:
        rel = f"{OBSERVATIONS}/{new_file_name(version)}"
        table = pa.Table.from_pandas(
            df[list(STORED_COLUMNS)], schema=OBSERVATION_SCHEMA, preserve_index=False
        )
        return rel, write_data_file(self.directory, rel, table, ROW_GROUP_ROWS)

    def _commit(self, old_raw: bytes | None, old: dict | None, tables: dict, written: list[Path]):
        """Make ``tables`` the current version: the old manifest becomes the previous one, the
        new manifest replaces it (the commit point), then files neither lists are deleted. On
        any failure before the commit, the new files are removed and the previous manifest put
        back, so the store is byte-identical."""
        version = int((old or {}).get("version", 0)) + 1
        new_raw = manifest_bytes(tables, version)
        had_prev = self.prev_manifest_path.exists()
        prev_bytes = self.prev_manifest_path.read_bytes() if had_prev else None
        changed_prev = False
        try:
            if old_raw is not None and old is not None and old.get("format") == MANIFEST_FORMAT:
                replace_with(self.directory, self.prev_manifest_path, old_raw)
                changed_prev = True
            replace_with(self.directory, self.manifest_path, new_raw)
        except BaseException:
            with suppress(OSError):
                if changed_prev and prev_bytes is not None:
                    replace_with(self.directory, self.prev_manifest_path, prev_bytes)
                elif changed_prev:
                    self.prev_manifest_path.unlink(missing_ok=True)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        fsync_dir(self.directory)
        _CONNECTIONS.forget(self.directory)
        self._remove_orphans_locked()

    def upsert(
        self,
        rows: pd.DataFrame,
        *,
        origin: str = "comtrade",
        on_wait: Callable[[str], None] | None = None,
    ) -> WriteSummary:
        """Store observation ``rows``, replacing stored rows with the same (reporter, partner,
        year, flow).

        Rows without an ``origin`` column get ``origin`` (``comtrade``, ``upload`` or ``baci``).
        Validates ``rows`` and the combined table before anything touches the disk; raises
        DataFileError and leaves the store byte-identical on any problem. Waits for another
        writer (telling ``on_wait``), and raises StoreBusyError if it takes over ``lock_timeout``.
        """
        label = "rows to store"
        if rows.empty:  # nothing to write: no lock, no file touched (not even a migration)
            return WriteSummary(0, 0, self._observation_rows(), self.directory)
        rows = rows.copy()
        if "origin" not in rows.columns:
            rows["origin"] = origin
        if (rows["origin"] == "snapshot").any():
            raise DataFileError(
                label,
                [(None, "origin 'snapshot' cannot be stored: the snapshot ships in data/")],
            )
        new = validate_observations(rows, label=label)[list(STORED_COLUMNS)]
        with self._locked(on_wait):
            self._remove_orphans_locked()
            old_raw, old = self._current_locked()
            tables = dict(self._tables(old))
            current = self._read_observation_files(tables.get(OBSERVATIONS, {}).get("files", {}))
            key = list(OBSERVATION_KEY)
            new_keys = pd.MultiIndex.from_frame(new[key])
            stored_keys = pd.MultiIndex.from_frame(current[key])
            replaced = int(new_keys.isin(stored_keys).sum())
            kept = current[~stored_keys.isin(new_keys)]
            combined = validate_observations(
                pd.concat([kept, new], ignore_index=True), label=str(self.directory)
            )[list(STORED_COLUMNS)]
            version = int((old or {}).get("version", 0)) + 1
            rel, entry = self._write_observations(combined, version)
            tables[OBSERVATIONS] = {"files": {rel: entry}}
            self._commit(old_raw, old, tables, [self.directory / rel])
            return WriteSummary(len(new) - replaced, replaced, len(combined), self.directory)

    def _product_frame(self, table: pa.Table, partition: str, label: str) -> pd.DataFrame:
        """A products file's rows with its partition's origin and year, validated."""
        values = dict(_parse_key(partition)) if partition else {}
        df = table.to_pandas()
        df["origin"] = values.get("origin", "")
        df["year"] = values.get("year", "")
        return _validated_rows(df, label, validate_products)

    def _product_table(self, df: pd.DataFrame) -> pa.Table:
        ordered = df.sort_values(list(PRODUCT_SORT), kind="stable")
        return pa.Table.from_pandas(
            ordered[list(PRODUCT_FILE_COLUMNS)], schema=PRODUCT_FILE_SCHEMA, preserve_index=False
        )

    def upsert_products(
        self, df: pd.DataFrame, *, on_wait: Callable[[str], None] | None = None
    ) -> WriteSummary:
        """Store product rows (model.PRODUCT_COLUMNS; ``origin`` defaults to ``comtrade``),
        replacing stored rows with the same key (origin, reporter, partner, year, flow, code).

        Only the (origin, year) partitions the rows fall in are rewritten. The new rows and each
        rewritten partition are validated before the manifest swap; on any problem the store is
        left byte-identical (DataFileError). Locking as for :meth:`upsert`.
        """
        label = "product rows to store"
        if df.empty:
            return WriteSummary(0, 0, self._product_rows(), self.directory)
        df = df.copy()
        if "origin" not in df.columns:
            df["origin"] = "comtrade"
        new = validate_products(df, label=label)
        with self._locked(on_wait):
            self._remove_orphans_locked()
            old_raw, old = self._current_locked()
            tables = dict(self._tables(old))
            info = tables.get(PRODUCTS, {"partitioning": list(PRODUCT_PARTITIONS), "files": {}})
            files = dict(info["files"])
            version = int((old or {}).get("version", 0)) + 1
            written: list[Path] = []
            added = replaced = 0
            try:
                for (origin, year), part in new.groupby(["origin", "year"], sort=True):
                    partition = f"origin={origin}/year={int(year)}"
                    current = [r for r in files if _partition_of(r, PRODUCTS) == partition]
                    # Stored rows were validated when written and are verified against the
                    # manifest here; the new ones were validated above, and the merge keeps
                    # the key unique. Merged in Arrow: a partition can hold 100,000s of rows.
                    new_table = self._product_table(part)
                    stored = [self._read_file(r, files[r]) for r in current]
                    merged, hit = _merge_partition(stored, new_table)
                    replaced += hit
                    added += len(part) - hit
                    rel = f"{PRODUCTS}/{partition}/{new_file_name(version)}"
                    entry = write_data_file(self.directory, rel, merged, ROW_GROUP_ROWS)
                    written.append(self.directory / rel)
                    for r in current:
                        del files[r]
                    files[rel] = entry
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            tables[PRODUCTS] = {"partitioning": list(PRODUCT_PARTITIONS), "files": files}
            self._commit(old_raw, old, tables, written)
            total = sum(int(e["rows"]) for e in files.values())
            return WriteSummary(added, replaced, total, self.directory)

    def _observation_rows(self) -> int:
        _raw, manifest = self._raw_manifest()
        if is_legacy(self.directory, manifest):
            path = self.directory / LEGACY_STORE_FILE
            return len(load_csv(path, manifest)) if path.is_file() else 0
        files = self._tables(manifest).get(OBSERVATIONS, {}).get("files", {})
        return sum(int(e["rows"]) for e in files.values())

    def _product_rows(self) -> int:
        _raw, manifest = self._raw_manifest()
        files = self._tables(manifest).get(PRODUCTS, {}).get("files", {})
        return sum(int(e["rows"]) for e in files.values())

    def replace_partitions(
        self,
        table: str,
        parts: Mapping[str, pa.Table],
        *,
        on_wait: Callable[[str], None] | None = None,
        progress: Progress | None = None,
        row_group_size: int | None = None,
    ) -> WriteSummary:
        """Replace whole partitions of ``table`` in one manifest swap (the bulk write, e.g. a
        BACI import). Each key (``"origin=baci/year=2023"``) names a partition; its table
        replaces whatever that partition held, and a table with no rows removes the partition.

        ``parts`` may be a lazy Mapping: values are taken one at a time, written and released,
        so peak memory is one partition. Partition columns may be in the tables (they must then
        equal the key's values) or not; they are stored in the path (hive layout), not the file.
        New tables are allowed; every partition of a table must have the same columns and
        types, and the same partition names. ``products`` rows are validated like
        :meth:`upsert_products`; ``observations`` is not partitioned (use :meth:`upsert`).
        ``progress(done, total)`` is called after each partition is written. On any failure
        nothing changes (the new files are removed) and the error says which partition.
        """
        write = PartitionWrite(table, parts, row_group_size)
        return self.replace_tables([write], on_wait=on_wait, progress=progress)

    def replace_tables(
        self,
        writes: Sequence[PartitionWrite],
        *,
        on_wait: Callable[[str], None] | None = None,
        progress: Progress | None = None,
    ) -> WriteSummary:
        """:meth:`replace_partitions` for several tables, in order, in ONE manifest swap: a
        reader sees all of them before or all after (a BACI import's flows, pair-chapter and
        pair-total tables can never disagree). Partitions are written in ``writes`` order, so a
        lazy mapping may fill a later one's. The summary counts rows over all of them."""
        if not writes:
            raise ValueError("no tables given")
        plans = [(w, *self._partition_plan(w)) for w in writes]
        with self._locked(on_wait):
            self._remove_orphans_locked()
            old_raw, old = self._current_locked()
            tables = dict(self._tables(old))
            version = int((old or {}).get("version", 0)) + 1
            written: list[Path] = []
            added = removed = 0
            try:
                for write, parsed, partitioning in plans:
                    a, r = self._write_partitions(
                        tables, write, parsed, partitioning, version, written, progress
                    )
                    added, removed = added + a, removed + r
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            self._commit(old_raw, old, tables, written)
            total = sum(
                int(e["rows"])
                for w in writes
                for e in tables.get(w.table, {"files": {}})["files"].values()
            )
            return WriteSummary(added, removed, total, self.directory)

    @staticmethod
    def _partition_plan(
        write: PartitionWrite,
    ) -> tuple[dict[str, list[tuple[str, str]]], tuple[str, ...]]:
        """Check a write's table name and keys before the lock: its parsed keys, in order, and
        the partition columns they name."""
        table = write.table
        if not _TABLE_NAME.match(table):
            raise ValueError(f"bad table name {table!r}: use lower-case letters, digits and '_'")
        if table == OBSERVATIONS:
            raise ValueError("observations are not partitioned: write them with upsert()")
        keys = list(write.parts.keys())
        if not keys:
            raise ValueError(f"no partitions given for {table!r}")
        parsed = {k: _parse_key(k) for k in keys}
        names = {tuple(n for n, _ in p) for p in parsed.values()}
        if len(names) != 1:
            raise ValueError(f"partition keys of one write must name the same columns: {keys[:3]}")
        [partitioning] = names
        if table == PRODUCTS and partitioning != PRODUCT_PARTITIONS:
            raise ValueError("products partitions are keyed origin=<origin>/year=<year>")
        return parsed, partitioning

    def _write_partitions(
        self,
        tables: dict,
        write: PartitionWrite,
        parsed: dict[str, list[tuple[str, str]]],
        partitioning: tuple[str, ...],
        version: int,
        written: list[Path],
        progress: Progress | None,
    ) -> tuple[int, int]:
        """Write one table's new partition files (under the lock), recording them in
        ``written`` and the table's new file list in ``tables``; rows (added, removed)."""
        table = write.table
        info = tables.get(table)
        if info and tuple(info.get("partitioning", ())) != partitioning:
            raise ValueError(
                f"table {table!r} is partitioned by {'/'.join(info['partitioning'])}, "
                f"not {'/'.join(partitioning)}"
            )
        files = dict(info["files"]) if info else {}
        schema = None
        if files and table != PRODUCTS:
            schema = pq.read_schema(self.directory / sorted(files)[0])
        added = removed = 0
        for done, key in enumerate(parsed, start=1):
            partition = "/".join(f"{n}={v}" for n, v in parsed[key])
            data = write.parts[key]
            if isinstance(data, pd.DataFrame):
                data = pa.Table.from_pandas(data, preserve_index=False)
            data = self._strip_partition_columns(data, parsed[key], partition)
            if table == PRODUCTS and data.num_rows:
                frame = self._product_frame(data, partition, f"products/{partition}")
                data = self._product_table(frame)
            elif data.num_rows:
                data = data.replace_schema_metadata(None)
                if schema is None:
                    schema = data.schema
                elif not data.schema.equals(schema, check_metadata=False):
                    raise ValueError(
                        f"partition {partition} of {table!r} has columns "
                        f"{data.schema.to_string(show_schema_metadata=False)!r}, the "
                        f"table has {schema.to_string(show_schema_metadata=False)!r}"
                    )
            current = [r for r in files if _partition_of(r, table) == partition]
            removed += sum(int(files[r]["rows"]) for r in current)
            for r in current:
                del files[r]
            if data.num_rows:
                rel = f"{table}/{partition}/{new_file_name(version)}"
                files[rel] = write_data_file(
                    self.directory, rel, data, write.row_group_size or ROW_GROUP_ROWS
                )
                written.append(self.directory / rel)
                added += data.num_rows
            del data
            if progress is not None:
                progress(done, len(parsed))
        tables[table] = {"partitioning": list(partitioning), "files": files}
        if not files:
            del tables[table]
        return added, removed

    @staticmethod
    def _strip_partition_columns(
        data: pa.Table, key: list[tuple[str, str]], partition: str
    ) -> pa.Table:
        """Drop the partition columns from ``data`` after checking they hold the key's values."""
        for name, value in key:
            if name not in data.column_names:
                continue
            distinct = {str(v) for v in data.column(name).unique().to_pylist()}
            if data.num_rows and distinct != {value}:
                shown = sorted(distinct)[:3]
                raise ValueError(
                    f"partition {partition}: column {name!r} holds {shown}, not only {value!r}"
                )
            data = data.drop_columns([name])
        return data

    # -- recovery --------------------------------------------------------------------------------

    def restore_previous(self) -> RestoreSummary:
        """Make the previous version current again (``trade-dashboard store restore``).

        The replaced version's manifest is kept as ``manifest.before-restore-<time>.json`` and
        its files stay, so nothing is lost. For a CSV store whose file is damaged, its previous
        CSV version is migrated instead. Raises StoreRestoreError if there is no usable
        previous version (nothing is changed then).
        """
        with self._locked():
            self._remove_orphans_locked()
            _raw, manifest = self._raw_manifest()
            if is_legacy(self.directory, manifest):
                return self._restore_legacy()
            try:
                cur_raw, current = self._raw_manifest()
            except DataFileError:
                cur_raw, current = self.manifest_path.read_bytes(), None
            try:
                _prev_raw, prev = self._raw_manifest(self.prev_manifest_path)
            except DataFileError as exc:
                raise StoreRestoreError(
                    f"the previous version cannot be used either: {str(exc).splitlines()[0]}"
                ) from exc
            if prev is None:
                raise StoreRestoreError(
                    f"there is no previous version ({PREV_MANIFEST_FILE}) in {self.directory} "
                    "to restore"
                )
            tables = self._tables(prev)
            for name, info in tables.items():
                for rel, entry in info.get("files", {}).items():
                    check = self._check_file(name, rel, entry, "previous")
                    if not check.ok:
                        raise StoreRestoreError(
                            "the previous version cannot be used either: "
                            + str(check.problem).splitlines()[0]
                        )
            kept_as = None
            if cur_raw is not None:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                kept_as = self.directory / f"manifest.before-restore-{stamp}.json"
                replace_with(self.directory, kept_as, cur_raw)
            version = max(int((current or {}).get("version", 0)), int(prev["version"])) + 1
            replace_with(self.directory, self.manifest_path, manifest_bytes(tables, version))
            fsync_dir(self.directory)
            _CONNECTIONS.forget(self.directory)
            files = tables.get(OBSERVATIONS, {}).get("files", {})
            rows = sum(int(e["rows"]) for e in files.values())
            return RestoreSummary(rows, kept_as)

    def _restore_legacy(self) -> RestoreSummary:
        """A CSV store: migrate its previous CSV as the current version (the current CSV, which
        could not be migrated, is kept with the other CSV files)."""
        prev_csv = self.directory / LEGACY_PREV_FILE
        if not prev_csv.is_file():
            raise StoreRestoreError(
                f"there is no previous version ({LEGACY_PREV_FILE}) in {self.directory} to restore"
            )
        try:
            self._migrate_locked(from_previous=True)
        except DataFileError as exc:
            raise StoreRestoreError(
                f"the previous version cannot be used either: {str(exc).splitlines()[0]}"
            ) from exc
        kept = sorted((self.directory / LEGACY_DIR).glob(f"*/{LEGACY_STORE_FILE}"))
        rows = len(self.read())
        return RestoreSummary(rows, kept[-1] if kept else None)


def _timeout(explicit: float | None) -> float:
    return lock_timeout(explicit)
