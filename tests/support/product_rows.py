"""Synthetic product rows (HS chapters, as the products fetch stores them) for store tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd


def product_rows(
    years: Iterable[int],
    *,
    reporter: str = "CHN",
    partner: str = "KAZ",
    flows: Iterable[str] = ("export", "import"),
    chapters: Iterable[int] = range(1, 98),
    value: Callable[[int, str, int], float] = lambda y, f, c: 1e6 * c + (y - 2000),
    classification: str | Callable[[int], str] = "H5",
    origin: str = "comtrade",
) -> pd.DataFrame:
    """One row per year, flow and chapter (synthetic values: ``value(year, flow, chapter)``)."""
    rows = []
    for y in years:
        cl = classification(y) if callable(classification) else classification
        for f in flows:
            for c in chapters:
                rows.append(
                    {
                        "reporter": reporter,
                        "partner": partner,
                        "year": y,
                        "flow": f,
                        "code": f"{c:02d}",
                        "value_usd": value(y, f, c),
                        "classification": cl,
                        "source": "UN Comtrade",
                        "source_url": f"https://example.org/{reporter}/{partner}/{y}/AG2",
                        "published": "2026-01-15",
                        "retrieved": "2026-01-15",
                        "origin": origin,
                    }
                )
    return pd.DataFrame(rows)
