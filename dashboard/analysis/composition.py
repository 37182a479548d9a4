"""What is traded: a pair's trade by HS chapter or section, its changes, concentration and trends.

Pure pandas on two inputs: product rows (``model.PRODUCT_COLUMNS``; chapters "01".."99", or HS6
codes, which count towards their chapter) and reported totals (the merged observations). Every
table keeps the gap between a reported total and its chapters' sum as a row of its own,
:data:`NOT_ALLOCATED`, never dropped: with it, shares sum to 1 and contributions to the total's
change. A negative gap means the chapters add up to more than the reported total (different
revisions or sources); it is kept negative and said so. Where a year has no reported total, the
chapters' sum is the total and ``total_reported`` is False.

Directions are the reporter's: ``export``, ``import``, and ``total`` (both summed, only in years
with chapters for both). Sections group chapters by HS section (the caller passes the mapping;
chapters outside every section, 98 and 99, form their own group).

Choices the page states next to the numbers:

* Concentration: the top-3 share is of the reported total; the Herfindahl–Hirschman index is on
  each chapter's share of the chapters' sum (the not-allocated part is not a product), on the
  0–10,000 scale (10,000: one chapter is everything).
* Section growth: CAGR over the last :data:`TREND_WINDOW_YEARS` years with figures (from the
  first year inside the window to the latest), like the tracker's trend; a section with zero at
  either end has no CAGR.
* Bottom-up what-if: each section continues its CAGR, capped at ±:data:`GROWTH_CAP` a year (a
  small section can double from a tiny base), sections without a CAGR and the not-allocated part
  held at their latest value. It is a what-if, not a forecast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The code of the row holding reported total minus the chapters' sum.
NOT_ALLOCATED = "not allocated"
#: The code of the row holding every item below a top-N list.
OTHER = "other"
#: Chapters outside every HS section (98, 99, unknown codes) are grouped under this code.
SPECIAL_SECTION = "special"
LEVELS: tuple[str, ...] = ("chapter", "section")
DIRECTIONS: tuple[str, ...] = ("export", "import", "total")
#: Years of history behind each section's trend (the last five years with figures).
TREND_WINDOW_YEARS = 5
#: Largest yearly growth (either sign) a section's trend may carry into the what-if.
GROWTH_CAP = 0.30
#: Items listed by name in a top list; the rest are summed into :data:`OTHER`.
TOP_N = 10

_COMP_COLUMNS = ["year", "flow", "code", "value_usd", "total_usd", "total_reported"]


def chapter_values(
    products: pd.DataFrame,
    reporter: str,
    partner: str,
    *,
    origin: str | None = None,
) -> pd.DataFrame:
    """``year, flow, code, value_usd``: the pair's trade per chapter on ``reporter``'s statistics.

    HS6 codes count towards their chapter (first two digits); rows of one chapter are summed.
    Adds direction ``total`` (exports plus imports) for the years that have both.
    """
    rows = products[(products["reporter"] == reporter) & (products["partner"] == partner)]
    if origin is not None:
        rows = rows[rows["origin"] == origin]
    rows = rows[rows["flow"].isin(("export", "import"))]
    if rows.empty:
        return pd.DataFrame({"year": [], "flow": [], "code": [], "value_usd": []}).astype(
            {"year": "int64", "flow": "object", "code": "object", "value_usd": "float64"}
        )
    frame = pd.DataFrame(
        {
            "year": rows["year"].astype("int64").to_numpy(),
            "flow": rows["flow"].astype(str).to_numpy(),
            "code": rows["code"].astype(str).str[:2].to_numpy(),
            "value_usd": rows["value_usd"].astype("float64").to_numpy(),
        }
    )
    by = frame.groupby(["year", "flow", "code"], as_index=False, sort=True)["value_usd"].sum()
    flows_per_year = by.groupby("year")["flow"].nunique()
    both = flows_per_year[flows_per_year == 2].index
    total = (
        by[by["year"].isin(both)]
        .groupby(["year", "code"], as_index=False)["value_usd"]
        .sum()
        .assign(flow="total")
    )
    out = pd.concat([by, total[["year", "flow", "code", "value_usd"]]], ignore_index=True)
    return out.sort_values(["flow", "year", "code"], ignore_index=True)


def reported_totals(observations: pd.DataFrame, reporter: str, partner: str) -> pd.DataFrame:
    """``year, flow, value_usd``: the pair's reported totals on ``reporter``'s statistics.

    Direction ``total`` is the reported turnover, or exports plus imports where only those are
    reported for a year.
    """
    rows = observations[
        (observations["reporter"] == reporter) & (observations["partner"] == partner)
    ]
    frame = pd.DataFrame(
        {
            "year": rows["year"].astype("int64").to_numpy(),
            "flow": rows["flow"].astype(str).to_numpy(),
            "value_usd": rows["value_usd"].astype("float64").to_numpy(),
        }
    ).dropna(subset=["value_usd"])
    wide = frame.pivot_table(index="year", columns="flow", values="value_usd", aggfunc="first")
    for flow in DIRECTIONS:
        if flow not in wide.columns:
            wide[flow] = np.nan
    wide["total"] = wide["total"].fillna(wide["export"] + wide["import"])
    out = wide[list(DIRECTIONS)].reset_index().melt(id_vars="year", var_name="flow")
    out = out.rename(columns={"value": "value_usd"}).dropna(subset=["value_usd"])
    return out.astype({"year": "int64"}).sort_values(["flow", "year"], ignore_index=True)


def with_residual(chapters: pd.DataFrame, totals: pd.DataFrame | None) -> pd.DataFrame:
    """Chapters plus one :data:`NOT_ALLOCATED` row per year and direction with a reported total.

    Columns ``year, flow, code, value_usd, total_usd, total_reported``. Years without chapters
    are left out (no composition to show); a year without a reported total takes the chapters'
    sum as its total and gets no residual row.

    >>> ch = pd.DataFrame({"year": [2024, 2024], "flow": ["export"] * 2,
    ...                    "code": ["84", "85"], "value_usd": [60.0, 30.0]})
    >>> tot = pd.DataFrame({"year": [2024], "flow": ["export"], "value_usd": [100.0]})
    >>> out = with_residual(ch, tot)
    >>> out["code"].tolist(), out["value_usd"].tolist(), out["total_usd"].tolist()
    (['84', '85', 'not allocated'], [60.0, 30.0, 10.0], [100.0, 100.0, 100.0])
    """
    if chapters.empty:
        return pd.DataFrame({c: [] for c in _COMP_COLUMNS})
    sums = chapters.groupby(["year", "flow"], as_index=False)["value_usd"].sum()
    sums = sums.rename(columns={"value_usd": "chapters_usd"})
    if totals is not None and not totals.empty:
        reported = totals.rename(columns={"value_usd": "reported_usd"})[
            ["year", "flow", "reported_usd"]
        ]
        sums = sums.merge(reported, on=["year", "flow"], how="left")
    else:
        sums["reported_usd"] = np.nan
    sums["total_reported"] = sums["reported_usd"].notna()
    sums["total_usd"] = sums["reported_usd"].where(sums["total_reported"], sums["chapters_usd"])
    residual = sums[sums["total_reported"]].assign(
        code=NOT_ALLOCATED, value_usd=lambda d: d["reported_usd"] - d["chapters_usd"]
    )
    keys = sums[["year", "flow", "total_usd", "total_reported"]]
    body = chapters.merge(keys, on=["year", "flow"], how="left")
    out = pd.concat([body, residual[_COMP_COLUMNS]], ignore_index=True)[_COMP_COLUMNS]
    out["total_reported"] = out["total_reported"].astype(bool)
    return out.sort_values(["flow", "year"], kind="stable", ignore_index=True)


def by_level(comp: pd.DataFrame, level: str, section_of: Mapping[str, str]) -> pd.DataFrame:
    """``comp`` (from :func:`with_residual`) at ``level``: chapters as they are, or summed into
    HS sections through ``section_of`` (chapter -> section; others into :data:`SPECIAL_SECTION`).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if level == "chapter" or comp.empty:
        return comp
    groups = comp["code"].map(
        lambda c: c if c == NOT_ALLOCATED else section_of.get(c, SPECIAL_SECTION)
    )
    out = (
        comp.assign(code=groups)
        .groupby(["year", "flow", "code"], as_index=False, sort=False)
        .agg(
            value_usd=("value_usd", "sum"),
            total_usd=("total_usd", "first"),
            total_reported=("total_reported", "first"),
        )
    )
    return out[_COMP_COLUMNS].sort_values(["flow", "year"], kind="stable", ignore_index=True)


def years_of(comp: pd.DataFrame, flow: str) -> list[int]:
    """Years with a composition for ``flow``, ascending."""
    return sorted(int(y) for y in comp.loc[comp["flow"] == flow, "year"].unique())


def year_table(comp: pd.DataFrame, year: int, flow: str) -> pd.DataFrame:
    """Every item of one year and direction, largest first, :data:`NOT_ALLOCATED` last, with
    ``share`` of the total and ``rank`` (None for the residual). Shares sum to 1.

    >>> comp = with_residual(
    ...     pd.DataFrame({"year": [2024] * 3, "flow": ["export"] * 3,
    ...                   "code": ["01", "84", "85"], "value_usd": [5.0, 60.0, 30.0]}),
    ...     pd.DataFrame({"year": [2024], "flow": ["export"], "value_usd": [100.0]}))
    >>> t = year_table(comp, 2024, "export")
    >>> t["code"].tolist(), t["share"].tolist(), t["rank"].tolist()
    (['84', '85', '01', 'not allocated'], [0.6, 0.3, 0.05, 0.05], [1, 2, 3, None])
    """
    rows = comp[(comp["year"] == year) & (comp["flow"] == flow)]
    items = rows[rows["code"] != NOT_ALLOCATED].sort_values(
        ["value_usd", "code"], ascending=[False, True], kind="stable"
    )
    residual = rows[rows["code"] == NOT_ALLOCATED]
    out = pd.concat([items, residual], ignore_index=True)
    out["share"] = out["value_usd"] / out["total_usd"]
    out["rank"] = pd.Series(list(range(1, len(items) + 1)) + [None] * len(residual), dtype=object)
    return out


def top_items(comp: pd.DataFrame, year: int, flow: str, n: int = TOP_N) -> pd.DataFrame:
    """The ``n`` largest items of a year and direction, then :data:`OTHER` (the rest, summed,
    if any) and :data:`NOT_ALLOCATED` (if the total is reported): the rows of a top-N chart.
    Shares still sum to 1."""
    table = year_table(comp, year, flow)
    items = table[table["code"] != NOT_ALLOCATED]
    head, rest = items.iloc[:n], items.iloc[n:]
    parts = [head]
    if not rest.empty:
        other = {
            "year": year,
            "flow": flow,
            "code": OTHER,
            "value_usd": float(rest["value_usd"].sum()),
            "total_usd": float(items["total_usd"].iloc[0]),
            "total_reported": bool(items["total_reported"].iloc[0]),
            "share": float(rest["share"].sum()),
            "rank": None,
        }
        parts.append(pd.DataFrame([other]).astype({"rank": object}))
    parts.append(table[table["code"] == NOT_ALLOCATED])
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    return out.astype({"year": "int64", "value_usd": "float64", "share": "float64"})


def over_time(comp: pd.DataFrame, flow: str) -> pd.DataFrame:
    """Wide table for a stacked area: one row per year, one column per item (0 where an item has
    no row in a year that has figures), :data:`NOT_ALLOCATED` last, and ``total_usd``."""
    rows = comp[comp["flow"] == flow]
    if rows.empty:
        return pd.DataFrame()
    wide = rows.pivot_table(
        index="year", columns="code", values="value_usd", aggfunc="sum", fill_value=0.0
    )
    cols = [c for c in wide.columns if c != NOT_ALLOCATED]
    if NOT_ALLOCATED in wide.columns:
        cols.append(NOT_ALLOCATED)
    wide = wide[cols]
    wide["total_usd"] = rows.groupby("year")["total_usd"].first()
    wide.columns.name = None
    return wide


def contributions(comp: pd.DataFrame, flow: str, start: int, end: int) -> pd.DataFrame:
    """Which items drove the change of the total from ``start`` to ``end`` (both years with a
    composition): ``code, start_usd, end_usd, change_usd, points`` (percentage points of the
    start year's total; an item absent in one year counts 0 there). Ordered by change, largest
    first, :data:`NOT_ALLOCATED` last; changes sum to the total's change and points to its growth.

    Worked example: totals 100 -> 130, chapter 84 60 -> 90, 85 30 -> 25, not allocated 10 -> 15:
    changes +30, −5, +5 (sum +30 = 130 − 100); points +30, −5, +5 (sum 30 = 30% growth).
    """
    for y in (start, end):
        if y not in years_of(comp, flow):
            raise ValueError(f"no {flow} composition for {y}")
    rows = comp[comp["flow"] == flow]
    wide = over_time(rows[rows["year"].isin((start, end))], flow)
    total_start = float(wide.loc[start, "total_usd"])
    items = [c for c in wide.columns if c != "total_usd"]
    out = pd.DataFrame(
        {
            "code": items,
            "start_usd": [float(wide.loc[start, c]) for c in items],
            "end_usd": [float(wide.loc[end, c]) for c in items],
        }
    )
    out["change_usd"] = out["end_usd"] - out["start_usd"]
    out["points"] = out["change_usd"] / total_start * 100 if total_start else np.nan
    residual = out["code"] == NOT_ALLOCATED
    ordered = out[~residual].sort_values(["change_usd", "code"], ascending=[False, True])
    return pd.concat([ordered, out[residual]], ignore_index=True)


def hhi(values: pd.Series | np.ndarray) -> float:
    """Herfindahl–Hirschman index of positive ``values`` on the 0–10,000 scale (sum of squared
    percentage shares); NaN when nothing is positive.

    >>> hhi([60.0, 30.0, 10.0])  # 36% + 9% + 1% of 10,000
    4600.0
    """
    v = np.asarray(values, dtype=float)
    v = v[v > 0]
    if v.size == 0:
        return float("nan")
    s = v / v.sum()
    return float(round((s**2).sum() * 10_000, 9))


def concentration(comp: pd.DataFrame, flow: str) -> pd.DataFrame:
    """Per year: ``top3_share`` (the three largest chapters' share of the reported total),
    ``hhi`` (:func:`hhi` of the chapters' shares of their sum), ``items`` (chapters with trade).
    ``comp`` is at chapter level."""
    records = []
    for year in years_of(comp, flow):
        table = year_table(comp, year, flow)
        items = table[table["code"] != NOT_ALLOCATED]
        records.append(
            {
                "year": year,
                "top3_share": float(items["share"].iloc[:3].sum()),
                "hhi": hhi(items["value_usd"]),
                "items": int((items["value_usd"] > 0).sum()),
            }
        )
    return pd.DataFrame(records, columns=["year", "top3_share", "hhi", "items"])


@dataclass(frozen=True)
class Window:
    """The years a trend is measured over: first year inside the window to the latest."""

    start: int
    end: int

    def describe(self) -> str:
        return f"CAGR {self.start}–{self.end} ({self.end - self.start} years)"


def trend_window(years: list[int], window: int = TREND_WINDOW_YEARS) -> Window | None:
    """From the first year with figures at most ``window`` years before the latest, to the
    latest; None with fewer than two years in it."""
    if not years:
        return None
    end = max(years)
    inside = [y for y in years if end - window <= y < end]
    return Window(min(inside), end) if inside else None


def section_growth(
    comp: pd.DataFrame, flow: str, window: int = TREND_WINDOW_YEARS
) -> tuple[Window | None, pd.DataFrame]:
    """Each item's CAGR over the trend window: ``code, start_usd, end_usd, cagr`` (NaN where an
    end is zero or negative). ``comp`` is usually at section level; the residual is left out.

    Worked example: 100 -> 121 over 2 years is a CAGR of 10%.
    """
    win = trend_window(years_of(comp, flow), window)
    if win is None:
        return None, pd.DataFrame(columns=["code", "start_usd", "end_usd", "cagr"])
    wide = over_time(comp[comp["year"].isin((win.start, win.end))], flow)
    items = [c for c in wide.columns if c not in ("total_usd", NOT_ALLOCATED)]
    start = wide.loc[win.start, items].astype(float)
    end = wide.loc[win.end, items].astype(float)
    ok = (start > 0) & (end > 0)
    rate = pd.Series(np.nan, index=items)
    rate[ok] = (end[ok] / start[ok]) ** (1.0 / (win.end - win.start)) - 1.0
    out = pd.DataFrame(
        {"code": items, "start_usd": start.values, "end_usd": end.values, "cagr": rate.values}
    )
    return win, out.sort_values(["end_usd", "code"], ascending=[False, True], ignore_index=True)


@dataclass(frozen=True)
class BottomUp:
    """The what-if: each section on its capped trend from ``base_year`` to ``target_year``.

    ``table``: ``code, base_usd, rate, capped, held, projected_usd`` (``held``: no trend, kept at
    its latest value); ``total_usd`` is the sum of the projections, residual included.
    """

    window: Window | None
    base_year: int
    target_year: int
    base_total_usd: float
    total_usd: float
    table: pd.DataFrame

    @property
    def implied_cagr(self) -> float:
        """The total's yearly growth the sum of the sections' trends amounts to."""
        years = self.target_year - self.base_year
        if years <= 0 or self.base_total_usd <= 0 or self.total_usd <= 0:
            return float("nan")
        return (self.total_usd / self.base_total_usd) ** (1.0 / years) - 1.0


def bottom_up(
    comp: pd.DataFrame,
    flow: str,
    target_year: int,
    *,
    window: int = TREND_WINDOW_YEARS,
    cap: float = GROWTH_CAP,
) -> BottomUp | None:
    """If each item keeps its recent trend (:func:`section_growth`, capped at ±``cap`` a year),
    what total does it give in ``target_year``? None without a composition; a target year not
    after the latest year gives the latest figures unchanged.

    Worked example: sections 80 (CAGR 10%) and 20 (no trend: held), residual 5 (held), base
    2024, target 2026: 80 × 1.1² + 20 + 5 = 96.8 + 25 = 121.8.
    """
    years = years_of(comp, flow)
    if not years:
        return None
    win, growth = section_growth(comp, flow, window)
    base = max(years)
    horizon = max(target_year - base, 0)
    rows = comp[(comp["flow"] == flow) & (comp["year"] == base)]
    values = rows.groupby("code")["value_usd"].sum()
    rates = growth.set_index("code")["cagr"] if not growth.empty else pd.Series(dtype=float)
    records = []
    for code, value in values.items():
        rate = float(rates.get(code, np.nan)) if code != NOT_ALLOCATED else float("nan")
        held = not np.isfinite(rate)
        used = 0.0 if held else float(np.clip(rate, -cap, cap))
        records.append(
            {
                "code": code,
                "base_usd": float(value),
                "rate": rate,
                "capped": (not held) and used != rate,
                "held": held,
                "projected_usd": float(value) * (1.0 + used) ** horizon,
            }
        )
    table = pd.DataFrame(records)
    residual = table["code"] == NOT_ALLOCATED
    table = pd.concat(
        [
            table[~residual].sort_values(["projected_usd", "code"], ascending=[False, True]),
            table[residual],
        ],
        ignore_index=True,
    )
    base_total = float(rows["total_usd"].iloc[0])
    return BottomUp(
        window=win,
        base_year=base,
        target_year=max(target_year, base),
        base_total_usd=base_total,
        total_usd=float(table["projected_usd"].sum()),
        table=table,
    )
