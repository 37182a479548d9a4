"""Mirror statistics: the same bilateral trade as each of the two countries reports it.

China's customs and Kazakhstan's statistics disagree about their trade by billions of dollars a
year, and targets are declared on one side's numbers. This module lines the two reporters up year
by year so the gap is visible and can be measured:

* **Totals side by side.** ``gap_usd = a_total - b_total`` (A's figure minus B's), and
  ``gap_pct`` is that gap as a percentage **of B's figure**: "A reports X% more than B". With the
  CLI's ``--reporter CHN --partner KAZ`` that reads "China's customs report X% more trade than
  Kazakhstan's statistics".
* **Exporter against importer.** The same goods are reported twice: as A's exports to B (valued
  FOB, at A's border) and as B's imports from A (valued CIF, including freight and insurance to
  B's border). Columns ``ab_*`` compare A's exports with B's imports, ``ba_*`` B's exports with A's
  imports. ``*_gap_usd = exporter's figure - importer's figure`` and ``*_gap_pct`` is that as a
  percentage of the importer's figure. Because CIF includes freight, the importer's figure is
  normally the larger, so a *positive* gap (the exporter reports more) is the unusual sign worth
  explaining (transit recorded as exports, under-declared imports).
* **Optional CIF/FOB adjustment.** ``cif_fob_adjust=True`` divides the importer's CIF figure by the
  customary factor 1.06 (freight and insurance taken as 6% of FOB value, the convention used by
  the IMF for missing mirror data) before comparing, so both sides are on an FOB basis. It is off
  by default, and the frame records whether it was applied (``importer_valuation``).
* **Balance per reporter**: ``a_balance = a_exports - a_imports`` from A's own side, likewise B.

Source names (``*_source``) and the totals' qualifiers (``*_total_qualifier``: reported, approx,
at_least) travel with the values, so a chart can say where each number comes from and a gap
computed from a floor ("exceeded $20 bn") can be flagged.

Years are the union of the years either reporter has any figure for; a value not reported stays
NaN, and a gap exists only where both figures do. Nothing is filled in.
"""

from __future__ import annotations

import pandas as pd

#: Customary CIF/FOB ratio: imports valued CIF are about 6% above the same goods valued FOB.
CIF_FOB_FACTOR = 1.06

_VALUE_COLUMNS: tuple[str, ...] = (
    "a_total",
    "b_total",
    "gap_usd",
    "gap_pct",
    "a_exports",
    "a_imports",
    "a_balance",
    "b_exports",
    "b_imports",
    "b_balance",
    "ab_exporter_usd",
    "ab_importer_usd",
    "ab_gap_usd",
    "ab_gap_pct",
    "ba_exporter_usd",
    "ba_importer_usd",
    "ba_gap_usd",
    "ba_gap_pct",
)
_SOURCE_COLUMNS: tuple[str, ...] = (
    "a_total_source",
    "b_total_source",
    "a_exports_source",
    "a_imports_source",
    "b_exports_source",
    "b_imports_source",
    "a_total_qualifier",
    "b_total_qualifier",
)
#: Every column of :func:`mirror_table`, in order.
MIRROR_COLUMNS: tuple[str, ...] = ("year", *_VALUE_COLUMNS, *_SOURCE_COLUMNS, "importer_valuation")


def _reported(observations: pd.DataFrame, reporter: str, partner: str) -> pd.DataFrame:
    """``reporter``'s figures for trade with ``partner``: one row per year, with value, source
    and qualifier per flow (columns ``total``, ``export``, ``import``, ``<flow>_source``,
    ``<flow>_qualifier``)."""
    rows = observations[
        (observations["reporter"] == reporter) & (observations["partner"] == partner)
    ]
    values = rows.pivot(index="year", columns="flow", values="value_usd")
    sources = rows.pivot(index="year", columns="flow", values="source").add_suffix("_source")
    quals = rows.pivot(index="year", columns="flow", values="qualifier").add_suffix("_qualifier")
    out = values.join(sources).join(quals)
    for flow in ("total", "export", "import"):
        if flow not in out.columns:
            out[flow] = float("nan")
            out[f"{flow}_source"] = None
            out[f"{flow}_qualifier"] = None
    out.index = out.index.astype(int)
    return out


def _pct(gap: pd.Series, of: pd.Series) -> pd.Series:
    return gap / of * 100.0


def mirror_table(
    observations: pd.DataFrame,
    a: str,
    b: str,
    *,
    cif_fob_adjust: bool = False,
    factor: float = CIF_FOB_FACTOR,
) -> pd.DataFrame:
    """Both reporters' figures for the pair ``a``–``b``, one row per year (see module docstring).

    Values are US dollars (``*_pct`` columns are percentages). ``frame.attrs`` records ``a``,
    ``b``, ``cif_fob_adjust`` and ``factor``. An empty frame (with all columns) means neither
    country reports on the other.
    """
    if factor <= 0:
        raise ValueError("the CIF/FOB factor must be positive")
    ra = _reported(observations, a, b)
    rb = _reported(observations, b, a)
    years = sorted(set(ra.index) | set(rb.index))
    ra = ra.reindex(years)
    rb = rb.reindex(years)
    out = pd.DataFrame(index=pd.Index(years, dtype="int64", name="year"))
    out["a_total"] = ra["total"].astype(float)
    out["b_total"] = rb["total"].astype(float)
    out["gap_usd"] = out["a_total"] - out["b_total"]
    out["gap_pct"] = _pct(out["gap_usd"], out["b_total"])
    for side, r in (("a", ra), ("b", rb)):
        out[f"{side}_exports"] = r["export"].astype(float)
        out[f"{side}_imports"] = r["import"].astype(float)
        out[f"{side}_balance"] = out[f"{side}_exports"] - out[f"{side}_imports"]
    to_fob = factor if cif_fob_adjust else 1.0
    for key, exporter, importer in (("ab", "a", "b"), ("ba", "b", "a")):
        out[f"{key}_exporter_usd"] = out[f"{exporter}_exports"]
        out[f"{key}_importer_usd"] = out[f"{importer}_imports"] / to_fob
        out[f"{key}_gap_usd"] = out[f"{key}_exporter_usd"] - out[f"{key}_importer_usd"]
        out[f"{key}_gap_pct"] = _pct(out[f"{key}_gap_usd"], out[f"{key}_importer_usd"])
    for side, r in (("a", ra), ("b", rb)):
        out[f"{side}_total_source"] = r["total_source"]
        out[f"{side}_exports_source"] = r["export_source"]
        out[f"{side}_imports_source"] = r["import_source"]
        out[f"{side}_total_qualifier"] = r["total_qualifier"]
    out["importer_valuation"] = (
        f"FOB estimate (CIF / {factor:g})" if cif_fob_adjust else "CIF (as reported)"
    )
    out = out.reset_index()[list(MIRROR_COLUMNS)]
    out.attrs.update({"a": a, "b": b, "cif_fob_adjust": cif_fob_adjust, "factor": factor})
    return out


def has_flows(mirror: pd.DataFrame) -> bool:
    """True when some year has an exporter and an importer figure for the same direction."""
    return bool(mirror["ab_gap_usd"].notna().any() or mirror["ba_gap_usd"].notna().any())
