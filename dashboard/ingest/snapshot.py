"""The shipped, read-only data snapshot in ``data/``: where it is and how to load it.

The snapshot holds only sourced figures. Loading validates every row, so a hand edit that breaks
the file fails loudly with file, line and problem instead of producing a wrong chart. An installed
wheel carries a copy of ``data/`` inside the package, read when there is no checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from dashboard.ingest.validation import read_observations_csv, read_targets_csv

#: ``data/`` in a checkout, the source of truth: the repository's top level, beside the package.
CHECKOUT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
#: The copy an installed wheel carries inside the package (see ``dashboard/_build.py``).
PACKAGED_DATA_DIR = Path(__file__).resolve().parents[1] / "_shipped" / "data"
#: Where the snapshot is: the checkout's ``data/`` when there is one, else the packaged copy.
#: Override with TRADE_DASHBOARD_SNAPSHOT_DIR (tests use this).
DEFAULT_DATA_DIR = (
    CHECKOUT_DATA_DIR if (CHECKOUT_DATA_DIR / "trade_series.csv").is_file() else PACKAGED_DATA_DIR
)


def snapshot_dir() -> Path:
    """The directory holding ``trade_series.csv`` and ``targets.csv``."""
    override = os.environ.get("TRADE_DASHBOARD_SNAPSHOT_DIR")
    return Path(override) if override else DEFAULT_DATA_DIR


def load_observations(path: Path | None = None) -> pd.DataFrame:
    """Validated observations from the snapshot, with an ``origin`` column set to ``snapshot``."""
    path = path or snapshot_dir() / "trade_series.csv"
    df = read_observations_csv(path, label=_label(path))
    df["origin"] = "snapshot"
    return df


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """Validated declared targets from the snapshot."""
    path = path or snapshot_dir() / "targets.csv"
    return read_targets_csv(path, label=_label(path))


def _label(path: Path) -> str:
    """A short file name for messages: relative to the repo when inside it."""
    try:
        return str(path.resolve().relative_to(DEFAULT_DATA_DIR.parent))
    except ValueError:
        return str(path)
