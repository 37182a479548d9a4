"""Product rows for tests: synthetic chapters for a pair, written into a local store.

``write_products`` stores them through ``LocalStore.upsert_products`` (the analytic store). Until
that store is merged, a stand-in keeps them in a CSV beside the store and
``install_standin`` gives ``LocalStore`` a ``read_products`` reading it back: test support only,
never shipped. All values are synthetic test data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.ingest.store import LocalStore
from dashboard.model import PRODUCT_COLUMNS

STANDIN_FILE = "products.standin.csv"
SOURCE_URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS"
HAS_PRODUCT_STORE = hasattr(LocalStore, "upsert_products")


def product_frame(
    records: list[tuple[int, str, str, float]],
    reporter: str = "CHN",
    partner: str = "KAZ",
    origin: str = "comtrade",
) -> pd.DataFrame:
    """``(year, flow, code, value_usd)`` tuples as rows of the product table."""
    return pd.DataFrame(
        [
            {
                "reporter": reporter,
                "partner": partner,
                "year": y,
                "flow": f,
                "code": c,
                "value_usd": float(v),
                "classification": "H6",
                "source": "UN Comtrade (synthetic test data)",
                "source_url": SOURCE_URL,
                "published": "2025",
                "retrieved": "2026-12-01",
                "origin": origin,
            }
            for y, f, c, v in records
        ],
        columns=list(PRODUCT_COLUMNS),
    )


def _standin_read(self, reporter=None, partner=None, *, year=None, origin=None) -> pd.DataFrame:
    path = Path(self.directory) / STANDIN_FILE
    if not path.is_file():
        return pd.DataFrame({c: [] for c in PRODUCT_COLUMNS}).astype(
            {"year": "int64", "value_usd": "float64"}
        )
    df = pd.read_csv(path, dtype={"code": str}, keep_default_na=False)
    for col, value in (("reporter", reporter), ("partner", partner), ("origin", origin)):
        if value is not None:
            df = df[df[col] == value]
    if year is not None:
        df = df[df["year"] == int(year)]
    return df.astype({"year": "int64", "value_usd": "float64"}).reset_index(drop=True)


def install_standin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give ``LocalStore`` a ``read_products`` if the real store has none yet."""
    if not hasattr(LocalStore, "read_products"):
        monkeypatch.setattr(LocalStore, "read_products", _standin_read, raising=False)


def write_products(store_dir: str | Path, df: pd.DataFrame) -> None:
    """Store ``df`` (product rows) in the local store at ``store_dir``."""
    store = LocalStore(store_dir)
    if HAS_PRODUCT_STORE:
        store.upsert_products(df)
        return
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    path = Path(store_dir) / STANDIN_FILE
    old = pd.read_csv(path, dtype={"code": str}) if path.is_file() else None
    new = df if old is None else pd.concat([old, df], ignore_index=True)
    new.to_csv(path, index=False)


def chn_kaz_rows() -> pd.DataFrame:
    """China's chapters of its trade with Kazakhstan in 2021, 2023 and 2024 (synthetic).

    2023 exports: 84 8.0, 85 6.0, 87 5.0, 72 2.0, 99 1.0 bn = 22.0 bn of a reported 24.7 bn
    (snapshot): 2.7 bn not allocated. 2023 imports: 27 9.0, 26 4.0, 74 2.0 = 15.0 of 16.3.
    2024 has no reported export or import total in the snapshot: shares are of the chapters' sum.
    """
    bn = 1e9
    records = []
    for year, scale in ((2021, 0.6), (2023, 1.0), (2024, 1.1)):
        for code, value in (("84", 8.0), ("85", 6.0), ("87", 5.0), ("72", 2.0), ("99", 1.0)):
            records.append((year, "export", code, round(value * scale * bn)))
        for code, value in (("27", 9.0), ("26", 4.0), ("74", 2.0)):
            records.append((year, "import", code, round(value * scale * bn)))
    return product_frame(records)
