"""Numbers formatted for people: ``$43.8 bn``, ``12.5%``. Used by the page, summaries and charts."""

from __future__ import annotations

import math


def format_usd(value: float | None, digits: int = 1) -> str:
    """US dollars in the largest sensible unit: ``$43.8 bn``, ``$368 m``, ``$1.2 tn``.

    >>> format_usd(43.82e9)
    '$43.8 bn'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "−" if value < 0 else ""
    v = abs(value)
    for size, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if v >= size:
            return f"{sign}${v / size:,.{digits}f} {unit}"
    return f"{sign}${v:,.0f}"


def format_bn(value: float | None, digits: int = 1) -> str:
    """Always in billions (``$0.4 bn``): for tables where one unit keeps rows comparable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"${value / 1e9:,.{digits}f} bn"


def format_pct(rate: float | None, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.125 -> '12.5%'`` (``'+12.5%'`` when signed)."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "n/a"
    text = f"{rate * 100:+.{digits}f}%" if signed else f"{rate * 100:.{digits}f}%"
    return text.replace("-", "−")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
#: How a target without a year is said everywhere.
NO_YEAR_TEXT = "no year given"


def format_date_words(iso: str) -> str:
    """An ISO date in words at the source's precision, month and year at most:
    ``"2024-07-03"`` -> ``"July 2024"``, ``"2022"`` -> ``"2022"`` (never "On 2022")."""
    parts = str(iso).split("-")
    return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}" if len(parts) > 1 else parts[0]


def format_target(value_usd: float | None, year: float | None) -> str:
    """A target in words: ``$40 bn by 2015``, ``$82 bn, no year given``, ``no number by 2030``."""
    missing = value_usd is None or (isinstance(value_usd, float) and math.isnan(value_usd))
    money = "no number" if missing else f"${value_usd / 1e9:,.0f} bn"
    if year is None or (isinstance(year, float) and math.isnan(year)) or str(year) == "<NA>":
        return f"{money}, {NO_YEAR_TEXT}"
    return f"{money} by {int(year)}"
