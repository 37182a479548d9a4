"""Which pairs and years the data covers: the selector's order and the years a series lacks.

The pair selector offers every country UN Comtrade lists, those with stored figures first; the
fetch panel asks for exactly the years a series is missing. Both are plain set arithmetic on the
observation table, kept here so the page and the tests share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.model import REGION_CODES, Pair, country_name

#: World as a partner: a country's total trade with every partner.
WORLD = "W00"
#: The Harmonized System entered into force on 1 January 1988; the client asks UN Comtrade for
#: HS data, so no earlier year can be fetched.
HS_FIRST_YEAR = 1988


#: Partners that are not countries (World and the dashboard's regions): never a "Country".
PARTNER_ONLY = frozenset(REGION_CODES)


def canonical_pair(a: str, b: str) -> Pair:
    """One code per unordered pair: alphabetical (as stored pairs are), a region or World second.

    >>> canonical_pair("KAZ", "CHN").code, canonical_pair("W00", "ZAF").code
    ('CHN-KAZ', 'ZAF-W00')
    """
    x, y = sorted((a, b), key=lambda c: (c in PARTNER_ONLY, c))
    return Pair(x, y)


def _by_name(codes: Iterable[str]) -> list[str]:
    return sorted(codes, key=lambda c: (country_name(c).casefold(), c))


def country_options(universe: Iterable[str], with_data: Iterable[Pair]) -> list[str]:
    """The "Country" list: countries in a pair with figures first, then the rest, each by name.

    World and the regions are partners only (they report nothing), so never a country here.
    """
    stored = {c for p in with_data for c in (p.a, p.b)} - PARTNER_ONLY
    rest = set(universe) - stored - PARTNER_ONLY
    return _by_name(stored) + _by_name(rest)


def partner_options(country: str, universe: Iterable[str], with_data: Iterable[Pair]) -> list[str]:
    """The "Partner" list for ``country``: partners it has figures with first, then World, then
    every other country, by name; never the country itself."""
    stored = {p.other(country) for p in with_data if country in (p.a, p.b)}
    rest = set(universe) - stored - {country, WORLD}
    world = [] if WORLD in stored else [WORLD]
    return _by_name(stored) + world + _by_name(rest)


def missing_years(have: Iterable[int], first: int, last: int) -> list[int]:
    """The years in ``first..last`` without a figure in ``have`` (ascending).

    >>> missing_years([1992, 1994, 1995], 1992, 1996)
    [1993, 1996]
    """
    got = {int(y) for y in have}
    return [y for y in range(first, last + 1) if y not in got]


def year_span(years: list[int]) -> str:
    """Years as short runs: ``1993–1995, 1999, 2001–2002``."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
