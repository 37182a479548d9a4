"""One observation table from the shipped snapshot and the local store (the pages' merge)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard.ingest.snapshot import load_observations
from dashboard.ingest.store.base import (
    MERGE_COLUMNS,
    PREFER_CHOICES,
    STORED_COLUMNS,
    Prefer,
    empty_observations,
)
from dashboard.ingest.store.local import LocalStore
from dashboard.model import OBSERVATION_KEY, OPTIONAL_OBSERVATION_COLUMNS


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
