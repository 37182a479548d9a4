"""Writers that run in their own process, for the store's concurrency and crash tests.

Each round ``k`` (from 1) stores every key again with value ``k`` (observations: ``k`` x 1e9 for
CHN->KAZ 2000-2009; products: ``k`` for chapters 1-5, both flows, 2000-2002), so a reader that
saw two versions mixed would see two values. All values are synthetic.
"""

from __future__ import annotations

from dashboard.ingest.store import LocalStore
from tests.support.product_rows import product_rows
from tests.support.rows import fetched_rows

OBS_YEARS = range(2000, 2010)
PRODUCT_YEARS = range(2000, 2003)
CHAPTERS = range(1, 6)


def write_round(store: LocalStore, k: int, product_years=PRODUCT_YEARS) -> None:
    """Round ``k``: the products first, then the observations (two versions)."""
    store.upsert_products(
        product_rows(product_years, chapters=CHAPTERS, value=lambda y, f, c: float(k))
    )
    store.upsert(fetched_rows(OBS_YEARS, value=lambda y: k * 1e9))


def write_rounds(directory: str, rounds: int, started) -> None:
    """``rounds`` rounds, telling the parent after the first one."""
    store = LocalStore(directory, lock_timeout=120)
    for k in range(1, rounds + 1):
        write_round(store, k)
        if k == 1:
            started.set()


def write_forever(directory: str, started) -> None:
    """Big rounds until killed (30 years of products, so a kill lands mid-write)."""
    store = LocalStore(directory, lock_timeout=120)
    k = 1
    while True:
        write_round(store, k, product_years=range(1995, 2025))
        started.set()
        k += 1
