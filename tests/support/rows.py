"""Synthetic store rows (as a fetch would write them) for tests of the store and its users."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd


def fetched_rows(
    years: Iterable[int],
    *,
    reporter: str = "CHN",
    partner: str = "KAZ",
    value: Callable[[int], float] = lambda y: 1e9 * (y - 1980),
) -> pd.DataFrame:
    """One valid total-trade row a year, with the provenance columns the store requires."""
    return pd.DataFrame(
        [
            {
                "reporter": reporter,
                "partner": partner,
                "year": y,
                "flow": "total",
                "value_usd": value(y),
                "qualifier": "reported",
                "source": "UN Comtrade",
                "source_url": f"https://example.org/{reporter}/{y}",
                "published": "2026-01-15",
                "confidence": "high",
                "note": "synthetic",
            }
            for y in years
        ]
    )
