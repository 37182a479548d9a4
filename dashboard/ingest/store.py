"""The local data store: fetched and saved observations, kept outside the repo, never lost.

Why: live data must survive restarts without ever touching the shipped, sourced snapshot in
``data/``; a crash, a bad response or a second writer must never leave a half-written, invalid or
silently shortened file.

Layout of the store directory (:func:`resolve_data_dir`):

- ``observations.csv``: every stored observation, all pairs in one file, in the snapshot's columns
  plus ``valuation``, ``retrieved`` and ``origin`` (``comtrade``, ``upload`` or ``baci``: each row
  keeps the origin it was written with). One file keeps the (reporter, partner, year, flow) key
  unique across everything and makes each write a single atomic replace.
- ``observations.prev.csv``: the version before the last successful write (a one-step undo, and
  what ``trade-dashboard store restore`` puts back).
- ``manifest.json``: per data file, its row count, size and sha256, so a file cut short (even at a
  line end) or changed outside the dashboard is detected when read. Entries are keyed by file
  name and say nothing about the format, so they carry over unchanged to Parquet files.
- ``store.lock``: the lock file (``filelock``) that serialises writers across processes.
- ``comtrade_reference/``: cached UN Comtrade reference lists (not observations).

A write (:meth:`LocalStore.upsert`) validates the new rows, then takes the lock (a second writer
waits, told through ``on_wait``, and fails with :class:`StoreBusyError` after ``lock_timeout``
seconds), removes temp files a killed writer left, reads and verifies the current file *under the
lock*, merges, validates the result, writes a temporary file in the same directory, fsyncs it,
reads it back with the snapshot's own validator, records the new file as ``pending`` in the
manifest, copies the current file to ``observations.prev.csv``, ``os.replace``-s, and finally
writes the manifest (atomically, after the data file). A reader accepts a file matching the
manifest's entry or its pending entry, so a write killed between the two replaces still reads.
Any failure before the replace leaves the data files byte-identical.

:func:`merge_observations` combines the snapshot and the store for the app (see its docstring).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
import platformdirs
from filelock import FileLock, Timeout

from dashboard.ingest.snapshot import DEFAULT_DATA_DIR, load_observations, snapshot_dir
from dashboard.ingest.validation import read_observations_csv, validate_observations
from dashboard.model import (
    OBSERVATION_COLUMNS,
    OBSERVATION_KEY,
    OPTIONAL_OBSERVATION_COLUMNS,
    DataFileError,
)

DATA_DIR_ENV = "TRADE_DASHBOARD_DATA_DIR"
LOCK_TIMEOUT_ENV = "TRADE_DASHBOARD_STORE_LOCK_TIMEOUT"
#: Seconds a writer waits for another one before giving up (a Comtrade write takes well under 1 s).
DEFAULT_LOCK_TIMEOUT = 60.0
APP_NAME = "trade-dashboard"
STORE_FILE = "observations.csv"
PREV_FILE = "observations.prev.csv"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "store.lock"
MANIFEST_FORMAT = 1
STORED_COLUMNS: tuple[str, ...] = (*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS, "origin")
#: Columns :func:`merge_observations` adds (``origin`` is stored; the snapshot's is "snapshot").
MERGE_COLUMNS: tuple[str, ...] = ("alt_value_usd", "alt_origin", "alt_source_url")
Prefer = Literal["auto", "snapshot", "comtrade"]
PREFER_CHOICES: tuple[str, ...] = ("auto", "snapshot", "comtrade")
#: What an upload's note starts with (``upload.to_store_rows``): how rows stored before the origin
#: column existed are told apart from fetched ones.
_UPLOAD_NOTE = "Uploaded by user"


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


def _lock_timeout(explicit: float | None) -> float:
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


@dataclass(frozen=True)
class WriteSummary:
    """What an upsert did: rows new to the store, rows that replaced a stored row, rows now."""

    added: int
    replaced: int
    total: int
    path: Path


@dataclass(frozen=True)
class FileCheck:
    """The state of one store file: its name, whether it exists, its rows, and any problem."""

    name: str
    present: bool
    rows: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did: rows now in the store, and where the replaced file was kept."""

    rows: int
    kept_as: Path | None


def _format_value(v: float) -> str:
    # Whole dollars print without ".0"; other values keep full float precision (repr round-trips).
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _to_csv_bytes(df: pd.DataFrame) -> bytes:
    out = df[list(STORED_COLUMNS)].copy()
    out["value_usd"] = out["value_usd"].map(_format_value)
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _fsync_dir(directory: Path) -> None:
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


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new temp file in ``directory`` (same filesystem), flushed and fsynced.

    Named ``.<name>.<random>.tmp``: the pattern :meth:`LocalStore.remove_orphans` cleans up.
    """
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


def _replace_with(directory: Path, target: Path, data: bytes) -> None:
    """Atomically make ``target`` hold ``data`` (temp file, fsync, ``os.replace``)."""
    tmp = _write_temp(directory, target.name, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- the manifest: per file, format-neutral ------------------------------------------------------


def file_entry(data: bytes, rows: int) -> dict:
    """A manifest entry for one data file: row count, size and sha256 of its bytes."""
    return {"rows": int(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _mismatch(name: str, data: bytes, rows: int, manifest: dict | None) -> str | None:
    """Why ``data`` (``rows`` rows) is not what the manifest recorded for ``name``, or None.

    No manifest at all (a store written before manifests existed) is accepted unverified.
    """
    if manifest is None:
        return None
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


def _with_origin(df: pd.DataFrame) -> pd.DataFrame:
    """Give rows stored before the ``origin`` column existed their origin: uploads said so in
    their note; everything else then came from UN Comtrade."""
    if "origin" in df.columns:
        return df
    df = df.copy()
    uploaded = df["note"].fillna("").str.startswith(_UPLOAD_NOTE)
    df["origin"] = uploaded.map({True: "upload", False: "comtrade"}).astype("str")
    return df


class LocalStore:
    """Observations on disk in one validated CSV, replaced atomically under a lock, verified by
    a manifest on every read."""

    def __init__(
        self, directory: str | Path | None = None, *, lock_timeout: float | None = None
    ) -> None:
        self.directory = resolve_data_dir(directory)
        self.path = self.directory / STORE_FILE
        self.prev_path = self.directory / PREV_FILE
        self.manifest_path = self.directory / MANIFEST_FILE
        self.lock_path = self.directory / LOCK_FILE
        self.lock_timeout = _lock_timeout(lock_timeout)

    @classmethod
    def open(
        cls, directory: str | Path | None = None, *, lock_timeout: float | None = None
    ) -> LocalStore:
        """The store, with temp files left by a killed write removed (call at start-up)."""
        store = cls(directory, lock_timeout=lock_timeout)
        store.remove_orphans()
        return store

    def __repr__(self) -> str:
        return f"LocalStore({str(self.directory)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def version(self) -> int:
        """Changes whenever a write or restore changes the store (a cache key; 0 when empty)."""
        stamp = 0
        for p in (self.path, self.manifest_path):
            with suppress(OSError):
                stamp += p.stat().st_mtime_ns
        return stamp

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
        """Delete temp files a killed write left behind; returns how many.

        Only while holding the lock, so a live writer's temp file is never touched: if another
        process holds it, nothing is removed now (its own write will clean up).
        """
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
        for tmp in self.directory.glob(".*.tmp"):
            try:
                tmp.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    # -- reading ---------------------------------------------------------------------------------

    def _manifest(self) -> dict | None:
        """The manifest, or None if there is none yet; DataFileError if it is unreadable."""
        try:
            raw = self.manifest_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreDamagedError(
                MANIFEST_FILE, [(None, f"cannot read: {exc.strerror}")]
            ) from exc
        try:
            manifest = json.loads(raw)
            if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
                raise ValueError("no 'files' table")
        except ValueError as exc:
            raise StoreDamagedError(
                str(self.manifest_path), [(None, f"damaged manifest ({exc})")]
            ) from exc
        return manifest

    def _load(self, path: Path) -> tuple[pd.DataFrame, bytes]:
        """One data file, validated and checked against the manifest, and its bytes."""
        manifest = self._manifest()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StoreDamagedError(
                str(path), [(None, f"cannot read file: {exc.strerror}")]
            ) from exc
        # Content problems first: they name the line to fix.
        try:
            df = read_observations_csv(data, label=str(path))
        except DataFileError as exc:
            raise StoreDamagedError(exc.path, exc.problems) from None
        problem = _mismatch(path.name, data, len(df), manifest)
        if problem:
            raise StoreDamagedError(str(path), [(None, problem)], mismatch=True)
        return _with_origin(df)[list(STORED_COLUMNS)], data

    def read(self) -> pd.DataFrame:
        """The stored observations, validated and verified; an empty frame if nothing is stored.

        Raises StoreDamagedError (a DataFileError: file, line, problem) if the file was damaged,
        cut short or edited badly. A mismatch with the manifest is read again under the lock
        first: a writer may have replaced the file between the two reads.
        """
        if not self.exists():
            return empty_observations()
        try:
            return self._load(self.path)[0]
        except StoreDamagedError as exc:
            # Content errors cannot come from a race (files are replaced whole); a read-only
            # store has no writer to wait for.
            if not exc.mismatch or not os.access(self.directory, os.W_OK):
                raise
        with self._locked():
            return self._load(self.path)[0]

    def check(self) -> list[FileCheck]:
        """Each data file's state (current and previous version), for ``trade-dashboard store
        check``; never raises for a damaged file."""
        out = []
        for path in (self.path, self.prev_path):
            if not path.is_file():
                out.append(FileCheck(path.name, False))
                continue
            try:
                df, _ = self._load(path)
            except DataFileError as exc:
                out.append(FileCheck(path.name, True, None, str(exc)))
            else:
                out.append(FileCheck(path.name, True, len(df)))
        return out

    # -- writing ---------------------------------------------------------------------------------

    def upsert(
        self,
        rows: pd.DataFrame,
        *,
        origin: str = "comtrade",
        on_wait: Callable[[str], None] | None = None,
    ) -> WriteSummary:
        """Store ``rows``, replacing stored rows with the same (reporter, partner, year, flow).

        Rows without an ``origin`` column get ``origin`` (``comtrade``, ``upload`` or ``baci``).
        Validates ``rows`` and the combined table before anything touches the disk; raises
        DataFileError and leaves the store byte-identical on any problem. Waits for another
        writer (telling ``on_wait``), and raises StoreBusyError if it takes over ``lock_timeout``.
        """
        label = "rows to store"
        if rows.empty:  # nothing to write: no lock, no file touched
            return WriteSummary(0, 0, len(self.read()), self.path)
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
            if self.exists():
                current, current_bytes = self._load(self.path)
            else:
                current, current_bytes = empty_observations(), None
            return self._write(current, current_bytes, new)

    def _write(
        self, current: pd.DataFrame, current_bytes: bytes | None, new: pd.DataFrame
    ) -> WriteSummary:
        key = list(OBSERVATION_KEY)
        new_keys = pd.MultiIndex.from_frame(new[key])
        stored_keys = pd.MultiIndex.from_frame(current[key])
        replaced = int(new_keys.isin(stored_keys).sum())
        kept = current[~stored_keys.isin(new_keys)]
        combined = validate_observations(
            pd.concat([kept, new], ignore_index=True), label=str(self.path)
        )
        data = _to_csv_bytes(combined)
        tmp = _write_temp(self.directory, self.path.name, data)
        try:
            # What is on disk must pass the same validator as the snapshot before it counts.
            back = read_observations_csv(tmp, label=f"{self.path} (new version)")
            if len(back) != len(combined):
                raise OSError(f"{tmp}: read back {len(back)} rows, wrote {len(combined)}")
            entry = file_entry(data, len(combined))
            files = dict((self._manifest() or {}).get("files", {}))
            if current_bytes is not None:
                files[STORE_FILE] = file_entry(current_bytes, len(current))
            pending = {STORE_FILE: entry}
            if current_bytes is not None:
                pending[PREV_FILE] = files[STORE_FILE]
            # Intent first, so a write killed between the replaces below still reads as whole.
            self._write_manifest(files, pending)
            if current_bytes is not None:
                _replace_with(self.directory, self.prev_path, current_bytes)
                files[PREV_FILE] = files[STORE_FILE]
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        files[STORE_FILE] = entry
        self._write_manifest(files)
        _fsync_dir(self.directory)
        return WriteSummary(len(new) - replaced, replaced, len(combined), self.path)

    def _write_manifest(self, files: dict, pending: dict | None = None) -> None:
        manifest = {
            "format": MANIFEST_FORMAT,
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
        }
        if pending:
            manifest["pending"] = pending
        data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
        _replace_with(self.directory, self.manifest_path, data)

    # -- recovery --------------------------------------------------------------------------------

    def restore_previous(self) -> RestoreSummary:
        """Put the previous version back as the current file (``trade-dashboard store restore``).

        The replaced file is kept beside it as ``observations.before-restore-<time>.csv``, so
        nothing is lost. Raises StoreRestoreError if the previous version is missing or bad.
        """
        with self._locked():
            self._remove_orphans_locked()
            if not self.prev_path.is_file():
                raise StoreRestoreError(
                    f"there is no previous version ({PREV_FILE}) in {self.directory} to restore"
                )
            try:
                prev, prev_bytes = self._load(self.prev_path)
            except DataFileError as exc:
                raise StoreRestoreError(
                    f"the previous version cannot be used either: {str(exc).splitlines()[0]}"
                ) from exc
            kept_as = None
            if self.path.exists():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                kept_as = self.directory / f"observations.before-restore-{stamp}.csv"
                os.replace(self.path, kept_as)
            _replace_with(self.directory, self.path, prev_bytes)
            files = dict((self._manifest() or {}).get("files", {}))
            files[STORE_FILE] = files[PREV_FILE] = file_entry(prev_bytes, len(prev))
            self._write_manifest(files)
            _fsync_dir(self.directory)
            return RestoreSummary(len(prev), kept_as)


def merge_observations(
    snapshot_df: pd.DataFrame | None, store_df: pd.DataFrame | None, prefer: Prefer = "auto"
) -> pd.DataFrame:
    """One observation table from the sourced snapshot and the local store.

    Rows are matched on (reporter, partner, year, flow). Where only one side has a key, that row
    is used. Where both do, ``prefer`` decides:

    - ``"auto"`` (default): the snapshot row wins. Snapshot rows are official statements with a
      cited source and publication date; Comtrade fills the years the snapshot lacks.
      (Today ``auto`` equals ``snapshot``; it is a separate choice so the rule can grow.)
    - ``"snapshot"``: the snapshot row wins.
    - ``"comtrade"``: the store row wins (fetched or saved; the name predates uploads).

    Store rows keep their stored ``origin`` (``comtrade``, ``upload``, ``baci``; ``comtrade`` for
    a frame without the column); snapshot rows have ``"snapshot"``. Where both sides had the key,
    the losing side's ``alt_value_usd``, ``alt_origin`` and ``alt_source_url`` are added so a table
    can show both figures (NaN / empty where there was no alternative). Sorted by key.
    """
    if prefer not in PREFER_CHOICES:
        raise ValueError(f"prefer must be one of {', '.join(PREFER_CHOICES)}, got {prefer!r}")
    key = list(OBSERVATION_KEY)
    sides = []
    for df, side in ((snapshot_df, "snapshot"), (store_df, "store")):
        part = empty_observations() if df is None or df.empty else df.copy()
        for col in OPTIONAL_OBSERVATION_COLUMNS:
            if col not in part.columns:
                part[col] = ""
        if side == "snapshot":
            part["origin"] = "snapshot"
        elif "origin" not in part.columns:
            part["origin"] = "comtrade"
        part = part[list(STORED_COLUMNS)].copy()
        part["_side"] = side
        sides.append(part)
    winner = "store" if prefer == "comtrade" else "snapshot"
    both = pd.concat(sides, ignore_index=True)
    both["_loses"] = (both["_side"] != winner).astype(int)
    both = both.sort_values([*key, "_loses"], kind="stable")
    dup = both.duplicated(key, keep="first")
    winners = both[~dup].drop(columns=["_loses", "_side"])
    losers = both[dup][[*key, "value_usd", "origin", "source_url"]].rename(
        columns={
            "value_usd": "alt_value_usd",
            "origin": "alt_origin",
            "source_url": "alt_source_url",
        }
    )
    merged = winners.merge(losers, on=key, how="left")
    merged["alt_value_usd"] = merged["alt_value_usd"].astype("float64")
    for col in ("alt_origin", "alt_source_url"):
        merged[col] = merged[col].fillna("").astype("str")
    merged["year"] = merged["year"].astype("int64")
    return merged[[*STORED_COLUMNS, *MERGE_COLUMNS]].sort_values(key).reset_index(drop=True)


def load_merged(data_dir: str | Path | None = None, prefer: Prefer = "auto") -> pd.DataFrame:
    """Snapshot + local store, merged as the app uses them (DataFileError if either is bad)."""
    return merge_observations(load_observations(), LocalStore(data_dir).read(), prefer)
