"""Selecting series out of the long observation table: by pair, statistics basis and flow."""

from __future__ import annotations

import pandas as pd

from dashboard.model import Pair


def pair_mask(
    table: pd.DataFrame, pair: Pair, a_col: str = "reporter", b_col: str = "partner"
) -> pd.Series:
    """Rows of ``table`` about ``pair``, in either direction.

    Observations name the pair in ``reporter``/``partner``; targets in ``country_a``/``country_b``.
    """
    a, b = table[a_col], table[b_col]
    return ((a == pair.a) & (b == pair.b)) | ((a == pair.b) & (b == pair.a))


def basis_rows(
    observations: pd.DataFrame, reporter: str, partner: str, flow: str = "total"
) -> pd.DataFrame:
    """The observation rows (with provenance) that ``reporter``'s statistics give, by year."""
    rows = observations[
        (observations["reporter"] == reporter)
        & (observations["partner"] == partner)
        & (observations["flow"] == flow)
    ]
    return rows.sort_values("year").reset_index(drop=True)


def basis_series(
    observations: pd.DataFrame, reporter: str, partner: str, flow: str = "total"
) -> pd.Series:
    """Values in US dollars indexed by year, as ``reporter``'s statistics report them."""
    s = basis_rows(observations, reporter, partner, flow).set_index("year")["value_usd"]
    s = s.astype(float)
    s.index = s.index.astype(int)
    s.name = f"{reporter}->{partner} {flow}"
    return s


def pairs_in(observations: pd.DataFrame, targets: pd.DataFrame | None = None) -> list[Pair]:
    """Every pair that has observations or targets, China–Kazakhstan first, then by code."""
    codes: set[tuple[str, str]] = set()
    for r, p in observations[["reporter", "partner"]].drop_duplicates().itertuples(index=False):
        codes.add(tuple(sorted((r, p))))
    if targets is not None and len(targets):
        for a, b in targets[["country_a", "country_b"]].drop_duplicates().itertuples(index=False):
            codes.add(tuple(sorted((a, b))))
    pairs = [Pair(a, b) for a, b in sorted(codes)]
    return sorted(pairs, key=lambda p: (p.code != "CHN-KAZ", p.code))


def pairs_with_data(observations: pd.DataFrame) -> list[Pair]:
    """Pairs with at least one total-trade figure (what every page needs), sorted by label.

    A pair known only from a declared target, or only from an export or import figure, has
    nothing to track, so the pair selector does not offer it.
    """
    totals = observations[observations["flow"] == "total"]
    codes = {
        tuple(sorted((r, p)))
        for r, p in totals[["reporter", "partner"]].drop_duplicates().itertuples(index=False)
    }
    return sorted((Pair(a, b) for a, b in codes), key=lambda p: (p.label.casefold(), p.code))


def bases_for(observations: pd.DataFrame, pair: Pair) -> list[str]:
    """Reporters whose statistics cover ``pair`` (totals), the pair's first country first."""
    have = observations[(observations["flow"] == "total") & pair_mask(observations, pair)][
        "reporter"
    ].unique()
    return [r for r in (pair.a, pair.b) if r in set(have)]
