"""What is traded, as the page and ``trade-dashboard products`` show it: named tables and sentences.

:func:`build_view` turns stored product rows and the merged observations into a
:class:`ProductsView` (the composition at chapter and chosen level, with names). The tables
(:func:`products_table`, :func:`contributions_table`, ...) and sentences (:func:`lead_sentence`,
...) are what the page draws and the CLI prints: one function each, so the two cannot disagree.
Every table keeps the "not allocated" row (reported total minus the chapters' sum) and says
where its total comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analysis.composition import (
    GROWTH_CAP,
    NOT_ALLOCATED,
    OTHER,
    TOP_N,
    BottomUp,
    Window,
    bottom_up,
    by_level,
    chapter_values,
    concentration,
    contributions,
    reported_totals,
    section_growth,
    top_items,
    with_residual,
    year_table,
    years_of,
)
from dashboard.formatting import format_pct, format_usd
from dashboard.ingest.comtrade.hs import HsNames, section_rank
from dashboard.model import basis_label, country_name

#: How each direction reads in a sentence: "China's exports to Kazakhstan".
_DIRECTION_WORDS = {"export": ("exports", "to"), "import": ("imports", "from")}
#: Names of the product sources (``origin``) on screen.
ORIGIN_LABELS = {"comtrade": "UN Comtrade", "baci": "CEPII BACI"}
NOT_ALLOCATED_LABEL = "Not allocated (reported total minus the chapters)"
#: Columns of :func:`products_table`, the table the page shows and the CLI prints.
TABLE_COLUMNS: tuple[str, ...] = (
    "year",
    "direction",
    "rank",
    "code",
    "name",
    "section",
    "value_usd",
    "share",
    "total_usd",
    "total_basis",
    "reporter",
    "partner",
    "source",
    "source_url",
    "published",
)


@dataclass(frozen=True)
class ProductsView:
    """One pair, basis and source's composition: ``chapters`` at chapter level (every year and
    direction, with the residual) and ``comp`` at ``level``."""

    reporter: str
    partner: str
    origin: str
    level: str
    names: HsNames
    chapters: pd.DataFrame
    comp: pd.DataFrame
    sources: pd.DataFrame  # distinct (year, flow, source, source_url, published) of the rows

    @property
    def empty(self) -> bool:
        return self.chapters.empty

    def years(self, flow: str) -> list[int]:
        return years_of(self.comp, flow)

    @property
    def all_years(self) -> list[int]:
        return sorted(int(y) for y in self.comp["year"].unique()) if not self.empty else []

    def label(self, code: str) -> str:
        """A short label for a chart: ``"85 Electrical machinery …"``, ``"XVI Machinery …"``."""
        if code == NOT_ALLOCATED:
            return "Not allocated"
        if code == OTHER:
            return f"Other {self.level}s"
        if self.level == "section":
            return self.names.section_label(code)
        return self.names.chapter_short(code)

    def words(self, code: str) -> str:
        """The label for a sentence: as :meth:`label`, a chapter's name not cut short."""
        if self.level == "chapter" and code not in (NOT_ALLOCATED, OTHER):
            return self.names.chapter_short(code, limit=None)
        return self.label(code)

    def name(self, code: str) -> str:
        """The official name (or what the row stands for)."""
        if code == NOT_ALLOCATED:
            return NOT_ALLOCATED_LABEL
        if code == OTHER:
            return f"All other {self.level}s"
        if self.level == "section":
            return self.names.section_name(code)
        return self.names.chapter_name(code)

    @property
    def basis_words(self) -> str:
        """``"China customs (GACC) statistics, via UN Comtrade"``."""
        if self.origin == "baci":
            return "CEPII BACI (both declarations reconciled)"
        return f"{basis_label(self.reporter)}, via {ORIGIN_LABELS.get(self.origin, self.origin)}"


def build_view(
    products: pd.DataFrame,
    observations: pd.DataFrame | None,
    reporter: str,
    partner: str,
    *,
    origin: str,
    level: str,
    names: HsNames,
) -> ProductsView:
    """The composition of ``reporter``'s trade with ``partner`` from ``origin``'s product rows,
    against the reported totals in ``observations`` (None: totals are the chapters' sums)."""
    chapters = chapter_values(products, reporter, partner, origin=origin)
    # BACI's totals are by definition its chapters' sums: a reporter's own declared totals
    # (customs or a fetch) measure other flows and would show a false "not allocated".
    if origin == "baci":
        observations = None
    totals = reported_totals(observations, reporter, partner) if observations is not None else None
    comp_chapters = with_residual(chapters, totals)
    comp = by_level(comp_chapters, level, names.section_of)
    rows = products[
        (products["reporter"] == reporter)
        & (products["partner"] == partner)
        & (products["origin"] == origin)
    ]
    sources = rows[["year", "flow", "source", "source_url", "published"]].drop_duplicates(
        ["year", "flow"]
    )
    return ProductsView(reporter, partner, origin, level, names, comp_chapters, comp, sources)


def _total_basis(reported: bool) -> str:
    return "reported total" if reported else "sum of chapters (no reported total)"


def _with_provenance(view: ProductsView, table: pd.DataFrame, flow_col: str) -> pd.DataFrame:
    src = view.sources.rename(columns={"flow": flow_col})
    if flow_col == "direction":
        # "total" rows draw on both directions' rows: name the export rows' source.
        extra = src[src[flow_col] == "export"].assign(**{flow_col: "total"})
        src = pd.concat([src, extra], ignore_index=True)
    return table.merge(src, on=["year", flow_col], how="left")


def products_table(view: ProductsView, year: int) -> pd.DataFrame:
    """Every item of ``year`` for each direction with figures (exports, imports, both), largest
    first, then the not-allocated row: what the page's table and the CLI show."""
    parts = []
    for flow in ("export", "import", "total"):
        if year not in view.years(flow):
            continue
        t = year_table(view.comp, year, flow)
        parts.append(t.assign(direction=flow))
    if not parts:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out["name"] = [view.name(c) for c in out["code"]]
    out["section"] = (
        ["" if c == NOT_ALLOCATED else view.names.section_for(c) for c in out["code"]]
        if view.level == "chapter"
        else ""
    )
    out["total_basis"] = [_total_basis(bool(r)) for r in out["total_reported"]]
    out["reporter"], out["partner"] = view.reporter, view.partner
    out = _with_provenance(view, out, "direction")
    out["rank"] = out["rank"].astype("Int64")
    return out[list(TABLE_COLUMNS)]


def top_table(view: ProductsView, year: int, flow: str, n: int = TOP_N) -> pd.DataFrame:
    """The chart's rows: top ``n`` items, "other", "not allocated", with ``label`` and ``name``."""
    t = top_items(view.comp, year, flow, n)
    t["label"] = [view.label(c) for c in t["code"]]
    t["name"] = [view.name(c) for c in t["code"]]
    t["total_basis"] = [_total_basis(bool(r)) for r in t["total_reported"]]
    return t


def over_time_table(view: ProductsView, flow: str) -> pd.DataFrame:
    """Long table for the stacked chart: ``year, code, label, value_usd, share, total_usd``;
    sections in HS order (chapters by code), the not-allocated part last."""
    rows = view.comp[view.comp["flow"] == flow].copy()
    if rows.empty:
        return rows
    rows["share"] = rows["value_usd"] / rows["total_usd"]
    rows["label"] = [view.label(c) for c in rows["code"]]

    def order(code: str) -> tuple[int, str]:
        if code == NOT_ALLOCATED:
            return (10_000, code)
        return (section_rank(code), code) if view.level == "section" else (0, code)

    rows["_order"] = [order(c) for c in rows["code"]]
    rows = rows.sort_values(["_order", "year"], kind="stable").drop(columns="_order")
    return rows[["year", "code", "label", "value_usd", "share", "total_usd", "total_reported"]]


def contributions_table(view: ProductsView, flow: str, start: int, end: int) -> pd.DataFrame:
    """:func:`~dashboard.analysis.composition.contributions` with labels and names."""
    t = contributions(view.comp, flow, start, end)
    t.insert(1, "label", [view.label(c) for c in t["code"]])
    t.insert(2, "name", [view.name(c) for c in t["code"]])
    return t.assign(direction=flow, start_year=start, end_year=end)


def concentration_table(view: ProductsView, flow: str) -> pd.DataFrame:
    """Top-3 share and HHI per year, on chapters whatever the page's level (HHI is a chapter
    measure)."""
    return concentration(view.chapters, flow).assign(direction=flow)


def growth_table(view: ProductsView, flow: str) -> tuple[Window | None, pd.DataFrame]:
    """Each item's CAGR over the trend window, with labels (largest item first)."""
    win, t = section_growth(view.comp, flow)
    t.insert(1, "label", [view.label(c) for c in t["code"]])
    return win, t.assign(direction=flow)


def bottom_up_view(view: ProductsView, flow: str, target_year: int) -> BottomUp | None:
    """The what-if for ``flow`` with labelled rows (None without a composition)."""
    result = bottom_up(view.comp, flow, target_year)
    if result is not None:
        result.table.insert(1, "label", [view.label(c) for c in result.table["code"]])
    return result


# --- sentences ------------------------------------------------------------------------------------


def _who(view: ProductsView, flow: str) -> str:
    if flow == "total":
        return (
            f"{country_name(view.reporter)}'s trade with {country_name(view.partner)}"
            " (exports and imports)"
        )
    noun, prep = _DIRECTION_WORDS[flow]
    return f"{country_name(view.reporter)}'s {noun} {prep} {country_name(view.partner)}"


def residual_sentence(view: ProductsView, year: int, flow: str) -> str | None:
    """What the not-allocated row means for this year, or None where there is no reported total.
    A negative residual is said as chapters exceeding the total."""
    t = year_table(view.comp, year, flow)
    res = t[t["code"] == NOT_ALLOCATED]
    if res.empty:
        summed = format_usd(float(t["total_usd"].iloc[0]))
        if view.origin == "baci":
            # BACI has no separate total: its totals are its flows' sums, so nothing is missing.
            return (
                f"CEPII BACI's total for {year} is the sum of its {view.level}s ({summed}): "
                "nothing is unallocated."
            )
        return f"No reported total for {year}: shares are of the {view.level}s' sum ({summed})."
    value, total = float(res["value_usd"].iloc[0]), float(res["total_usd"].iloc[0])
    if value < 0:
        return (
            f"The chapters add up to {format_usd(-value)} more than the reported total of "
            f"{format_usd(total)} (the figures come from different publications or revisions); "
            "the difference is shown as a negative not-allocated part."
        )
    return (
        f"{format_usd(value)} ({format_pct(value / total)}) of the reported total of "
        f"{format_usd(total)} is not allocated to any chapter."
    )


def lead_sentence(view: ProductsView, year: int, flow: str) -> str:
    """``In 2024 China's exports to Kazakhstan were led by 85 Electrical machinery (21.3% of the
    $24.8 bn total), then ... and ....`` (plain text; pass through ``to_markdown``)."""
    t = year_table(view.comp, year, flow)
    items = t[(t["code"] != NOT_ALLOCATED) & (t["value_usd"] > 0)].head(3)
    total = float(t["total_usd"].iloc[0])
    if items.empty:
        return f"In {year} {_who(view, flow)} have no {view.level} with trade."
    first = items.iloc[0]
    head = (
        f"In {year} {_who(view, flow)} were led by {view.words(first['code'])} "
        f"({format_pct(first['share'])} of the {format_usd(total)} total)"
    )
    rest = [
        f"{view.words(r['code'])} ({format_pct(r['share'])})" for _, r in items.iloc[1:].iterrows()
    ]
    if rest:
        head += ", then " + " and ".join(rest)
    return head + "."


def contribution_sentence(table: pd.DataFrame, view: ProductsView, flow: str) -> str:
    """Which item added most to (or took most from) the change between the two years."""
    start, end = int(table["start_year"].iloc[0]), int(table["end_year"].iloc[0])
    change = float(table["change_usd"].sum())
    points = float(table["points"].sum())
    items = table[table["code"] != NOT_ALLOCATED]
    verb = "grew" if change >= 0 else "fell"
    text = (
        f"From {start} to {end} {_who(view, flow)} {verb} by {format_usd(abs(change))} "
        f"({points:+.1f} points)".replace("-", "−")
    )
    if not items.empty:
        lead = items.iloc[0] if change >= 0 else items.iloc[-1]
        text += (
            f"; {view.words(lead['code'])} {'added' if lead['change_usd'] >= 0 else 'took'} "
            f"{format_usd(abs(float(lead['change_usd'])))} ({float(lead['points']):+.1f} points)"
        ).replace("-", "−")
    return text + "."


def concentration_sentence(table: pd.DataFrame, year: int) -> str:
    """Top-3 share and HHI of one year, with the scale named."""
    row = table[table["year"] == year]
    if row.empty:
        return ""
    r = row.iloc[0]
    return (
        f"In {year} the three largest chapters made {format_pct(float(r['top3_share']))} of the "
        f"total; the Herfindahl–Hirschman index over the {int(r['items'])} chapters' shares is "
        f"{float(r['hhi']):,.0f} on a 0–10,000 scale (above 2,500 counts as highly concentrated)."
    )


def bottom_up_sentence(
    result: BottomUp, view: ProductsView, target_value: float | None, target_words: str | None
) -> str:
    """The what-if in words, labelled as such, against the target when there is one."""
    window = result.window.describe() if result.window else "no trend window"
    text = (
        f"What if each {view.level} kept its recent trend ({window}, capped at "
        f"±{GROWTH_CAP:.0%} a year; those without a trend held at their {result.base_year} "
        "value)? The sum would be "
        f"{format_usd(result.total_usd)} in {result.target_year}, against "
        f"{format_usd(result.base_total_usd)} in {result.base_year}"
    )
    if target_value is not None and target_words:
        gap = result.total_usd / target_value - 1
        where = "above" if gap >= 0 else "below"
        text += f": {format_pct(abs(gap))} {where} the target, {target_words}"
    return text + ". This is a what-if, not a forecast."
