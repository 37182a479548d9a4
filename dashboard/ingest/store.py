"""The local data store: observations the user fetched, kept outside the repo, written atomically.

Why: live data must survive restarts without ever touching the shipped, sourced snapshot in
``data/``, and a crash or a bad response must never leave a half-written or invalid file.

Layout of the store directory (:func:`resolve_data_dir`):

- ``observations.csv``: every stored observation, all pairs in one file, in the snapshot's columns
  plus ``valuation`` and ``retrieved``. One file keeps the (reporter, partner, year, flow) key
  unique across everything and makes each write a single atomic replace.
- ``observations.prev.csv``: the version before the last successful write (a one-step undo).
- ``comtrade_reference/``: cached UN Comtrade reference lists (not observations).

A write (:meth:`LocalStore.upsert`) replaces stored rows that share a key with new rows, validates
the result in memory, writes a temporary file in the same directory, fsyncs it, reads it back
with the snapshot's own validator (:func:`read_observations_csv`), copies the current file to
``observations.prev.csv``, then ``os.replace``-s. Any failure before the replace leaves both files
byte-identical. A store file edited into an invalid state raises DataFileError with file and line.

:func:`merge_observations` combines the snapshot and the store for the app (see its docstring).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import platformdirs

from dashboard.ingest.snapshot import DEFAULT_DATA_DIR, load_observations, snapshot_dir
from dashboard.ingest.validation import read_observations_csv, validate_observations
from dashboard.model import OBSERVATION_COLUMNS, OBSERVATION_KEY, OPTIONAL_OBSERVATION_COLUMNS

DATA_DIR_ENV = "TRADE_DASHBOARD_DATA_DIR"
APP_NAME = "trade-dashboard"
STORE_FILE = "observations.csv"
PREV_FILE = "observations.prev.csv"
STORED_COLUMNS: tuple[str, ...] = (*OBSERVATION_COLUMNS, *OPTIONAL_OBSERVATION_COLUMNS)
#: Columns :func:`merge_observations` adds.
MERGE_COLUMNS: tuple[str, ...] = ("origin", "alt_value_usd", "alt_origin", "alt_source_url")
Prefer = Literal["auto", "snapshot", "comtrade"]
PREFER_CHOICES: tuple[str, ...] = ("auto", "snapshot", "comtrade")


class StoreLocationError(ValueError):
    """The chosen store directory is not allowed (e.g. inside the shipped ``data/``)."""


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
    """Write ``data`` to a new temp file in ``directory`` (same filesystem), flushed and fsynced."""
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


class LocalStore:
    """Observations on disk in one validated CSV, replaced atomically on every write."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = resolve_data_dir(directory)
        self.path = self.directory / STORE_FILE
        self.prev_path = self.directory / PREV_FILE

    def __repr__(self) -> str:
        return f"LocalStore({str(self.directory)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> pd.DataFrame:
        """The stored observations, validated; an empty frame if nothing is stored yet.

        Raises DataFileError (file, line, problem) if the file was damaged or edited badly.
        """
        if not self.exists():
            return empty_observations()
        return read_observations_csv(self.path, label=str(self.path))[list(STORED_COLUMNS)]

    def upsert(self, rows: pd.DataFrame) -> WriteSummary:
        """Store ``rows``, replacing stored rows with the same (reporter, partner, year, flow).

        Validates ``rows`` and the combined table before anything touches the disk; raises
        DataFileError and leaves the store byte-identical on any problem.
        """
        current = self.read()
        if rows.empty:
            return WriteSummary(0, 0, len(current), self.path)
        new = validate_observations(rows, label="rows to store")[list(STORED_COLUMNS)]
        key = list(OBSERVATION_KEY)
        new_keys = pd.MultiIndex.from_frame(new[key])
        stored_keys = pd.MultiIndex.from_frame(current[key])
        replaced = int(new_keys.isin(stored_keys).sum())
        kept = current[~stored_keys.isin(new_keys)]
        combined = validate_observations(
            pd.concat([kept, new], ignore_index=True), label=str(self.path)
        )
        data = _to_csv_bytes(combined)

        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = _write_temp(self.directory, self.path.name, data)
        try:
            # What is on disk must pass the same validator as the snapshot before it counts.
            back = read_observations_csv(tmp, label=f"{self.path} (new version)")
            if len(back) != len(combined):
                raise OSError(f"{tmp}: read back {len(back)} rows, wrote {len(combined)}")
            if self.exists():
                prev = _write_temp(self.directory, self.prev_path.name, self.path.read_bytes())
                try:
                    os.replace(prev, self.prev_path)
                except BaseException:
                    prev.unlink(missing_ok=True)
                    raise
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.directory)
        return WriteSummary(len(new) - replaced, replaced, len(combined), self.path)


def merge_observations(
    snapshot_df: pd.DataFrame | None, store_df: pd.DataFrame | None, prefer: Prefer = "auto"
) -> pd.DataFrame:
    """One observation table from the sourced snapshot and the local (Comtrade) store.

    Rows are matched on (reporter, partner, year, flow). Where only one side has a key, that row
    is used. Where both do, ``prefer`` decides:

    - ``"auto"`` (default): the snapshot row wins. Snapshot rows are official statements with a
      cited source and publication date; Comtrade fills the years the snapshot lacks.
      (Today ``auto`` equals ``snapshot``; it is a separate choice so the rule can grow.)
    - ``"snapshot"``: the snapshot row wins.
    - ``"comtrade"``: the store row wins.

    The result adds ``origin`` (``"snapshot"`` or ``"comtrade"``) and, where both sides had the
    key, the losing side's ``alt_value_usd``, ``alt_origin`` and ``alt_source_url`` so a table can
    show both figures (NaN / empty where there was no alternative). Sorted by key.
    """
    if prefer not in PREFER_CHOICES:
        raise ValueError(f"prefer must be one of {', '.join(PREFER_CHOICES)}, got {prefer!r}")
    key = list(OBSERVATION_KEY)
    sides = []
    for df, origin in ((snapshot_df, "snapshot"), (store_df, "comtrade")):
        part = empty_observations() if df is None or df.empty else df.copy()
        for col in OPTIONAL_OBSERVATION_COLUMNS:
            if col not in part.columns:
                part[col] = ""
        part = part[list(STORED_COLUMNS)].copy()
        part["origin"] = origin
        sides.append(part)
    winner = "comtrade" if prefer == "comtrade" else "snapshot"
    both = pd.concat(sides, ignore_index=True)
    both["_loses"] = (both["origin"] != winner).astype(int)
    both = both.sort_values([*key, "_loses"], kind="stable")
    dup = both.duplicated(key, keep="first")
    winners = both[~dup].drop(columns="_loses")
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
