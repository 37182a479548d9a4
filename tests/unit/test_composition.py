"""Composition analysis: hand-worked numbers, pandas ground truths and hypothesis properties."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.analysis import composition as comp_mod
from dashboard.analysis.composition import (
    NOT_ALLOCATED,
    OTHER,
    SPECIAL_SECTION,
    bottom_up,
    by_level,
    chapter_values,
    concentration,
    contributions,
    hhi,
    over_time,
    reported_totals,
    section_growth,
    top_items,
    trend_window,
    with_residual,
    year_table,
)
from dashboard.model import PRODUCT_COLUMNS


def product_rows(records: list[tuple], reporter="CHN", partner="KAZ", origin="comtrade"):
    """Rows of the product table from ``(year, flow, code, value_usd)`` tuples."""
    rows = [
        {
            "reporter": reporter,
            "partner": partner,
            "year": y,
            "flow": f,
            "code": c,
            "value_usd": v,
            "classification": "H6",
            "source": "UN Comtrade",
            "source_url": "https://comtradeapi.un.org/public/v1/preview/C/A/HS",
            "published": "2025",
            "retrieved": "2026-12-01",
            "origin": origin,
        }
        for y, f, c, v in records
    ]
    return pd.DataFrame(rows, columns=list(PRODUCT_COLUMNS))


def totals_rows(records: list[tuple], reporter="CHN", partner="KAZ"):
    """Observation-like rows from ``(year, flow, value_usd)``."""
    return pd.DataFrame(
        [
            {"reporter": reporter, "partner": partner, "year": y, "flow": f, "value_usd": v}
            for y, f, v in records
        ]
    )


SECTION_OF = {"01": "I", "02": "I", "27": "V", "84": "XVI", "85": "XVI", "87": "XVII"}


def test_docstring_examples_hold():
    assert doctest.testmod(comp_mod).failed == 0


def test_chapter_values_filters_sums_hs6_and_adds_total_only_where_both_flows():
    products = pd.concat(
        [
            product_rows(
                [
                    (2023, "export", "84", 10.0),
                    (2023, "export", "850110", 4.0),  # HS6 counts towards chapter 85
                    (2023, "export", "850120", 1.0),
                    (2023, "import", "27", 7.0),
                    (2024, "export", "84", 12.0),  # 2024 has no imports: no "total"
                ]
            ),
            product_rows([(2023, "export", "84", 999.0)], reporter="KAZ", partner="CHN"),
            product_rows([(2023, "export", "84", 555.0)], origin="baci"),
        ],
        ignore_index=True,
    )
    out = chapter_values(products, "CHN", "KAZ", origin="comtrade")
    got = {(r.year, r.flow, r.code): r.value_usd for r in out.itertuples()}
    assert got == {
        (2023, "export", "84"): 10.0,
        (2023, "export", "85"): 5.0,
        (2023, "import", "27"): 7.0,
        (2024, "export", "84"): 12.0,
        (2023, "total", "27"): 7.0,
        (2023, "total", "84"): 10.0,
        (2023, "total", "85"): 5.0,
    }


def test_reported_totals_derives_turnover_from_flows_only_when_missing():
    obs = totals_rows(
        [
            (2023, "export", 60.0),
            (2023, "import", 40.0),
            (2024, "export", 70.0),
            (2024, "import", 50.0),
            (2024, "total", 125.0),  # reported turnover wins over 70 + 50
        ]
    )
    out = reported_totals(obs, "CHN", "KAZ").set_index(["year", "flow"])["value_usd"]
    assert out[(2023, "total")] == 100.0
    assert out[(2024, "total")] == 125.0
    assert out[(2024, "export")] == 70.0


def test_residual_kept_negative_when_chapters_exceed_total_and_absent_without_total():
    chapters = chapter_values(
        product_rows(
            [
                (2023, "export", "84", 80.0),
                (2023, "export", "85", 30.0),
                (2024, "export", "84", 5.0),
            ]
        ),
        "CHN",
        "KAZ",
    )
    comp = with_residual(
        chapters, totals_rows([(2023, "export", 100.0)]).drop(columns=["reporter", "partner"])
    )
    y23 = comp[comp["year"] == 2023].set_index("code")
    assert y23.loc[NOT_ALLOCATED, "value_usd"] == -10.0  # 100 − (80 + 30)
    assert y23["total_usd"].unique().tolist() == [100.0]
    y24 = comp[comp["year"] == 2024]
    assert NOT_ALLOCATED not in set(y24["code"])  # no reported total for 2024
    assert y24["total_usd"].tolist() == [5.0] and not y24["total_reported"].any()


def _example_comp() -> pd.DataFrame:
    """Totals 100 (2020) and 130 (2024), exports: 84 60->90, 85 30->25, 01 0->? absent in 2020."""
    chapters = chapter_values(
        product_rows(
            [
                (2020, "export", "84", 60.0),
                (2020, "export", "85", 30.0),
                (2024, "export", "84", 90.0),
                (2024, "export", "85", 20.0),
                (2024, "export", "01", 5.0),
            ]
        ),
        "CHN",
        "KAZ",
    )
    totals = pd.DataFrame(
        {"year": [2020, 2024], "flow": ["export"] * 2, "value_usd": [100.0, 130.0]}
    )
    return with_residual(chapters, totals)


def test_contributions_hand_worked():
    """84: +30 (30 points of 100), 85: −10, 01: +5 (absent in 2020 = 0), residual 10 -> 15: +5.
    Sum +30 = 130 − 100; points sum 30 = 30% growth."""
    out = contributions(_example_comp(), "export", 2020, 2024).set_index("code")
    assert out["change_usd"].to_dict() == {"84": 30.0, "01": 5.0, "85": -10.0, NOT_ALLOCATED: 5.0}
    assert out.loc["84", "points"] == pytest.approx(30.0)
    assert out.loc["85", "points"] == pytest.approx(-10.0)
    assert out["change_usd"].sum() == pytest.approx(30.0)
    assert out["points"].sum() == pytest.approx(30.0)
    assert list(out.index)[-1] == NOT_ALLOCATED


def test_contributions_refuses_a_year_without_composition():
    with pytest.raises(ValueError, match="2022"):
        contributions(_example_comp(), "export", 2022, 2024)


def test_top_items_other_and_not_allocated_rows():
    comp = _example_comp()
    out = top_items(comp, 2024, "export", n=1)
    assert out["code"].tolist() == ["84", OTHER, NOT_ALLOCATED]
    # 84 = 90/130; other = (20 + 5)/130; not allocated = 15/130.
    assert out["value_usd"].tolist() == [90.0, 25.0, 15.0]
    assert out["share"].sum() == pytest.approx(1.0)


def test_concentration_hand_worked():
    """2024 exports: chapters 90, 20, 5 of a reported 130.
    top-3 share = 115/130; HHI on chapter shares of 115: (90²+20²+5²)/115² × 10,000."""
    out = concentration(_example_comp(), "export").set_index("year")
    assert out.loc[2024, "top3_share"] == pytest.approx(115 / 130)
    assert out.loc[2024, "hhi"] == pytest.approx((90**2 + 20**2 + 5**2) / 115**2 * 10_000)
    assert out.loc[2020, "hhi"] == pytest.approx((0.6 / 0.9) ** 2 * 1e4 + (0.3 / 0.9) ** 2 * 1e4)
    assert out.loc[2024, "items"] == 3


def test_sections_group_chapters_and_special_group():
    chapters = chapter_values(
        product_rows(
            [
                (2024, "export", "84", 10.0),
                (2024, "export", "85", 20.0),
                (2024, "export", "99", 3.0),
                (2024, "export", "27", 7.0),
            ]
        ),
        "CHN",
        "KAZ",
    )
    comp = with_residual(
        chapters, pd.DataFrame({"year": [2024], "flow": ["export"], "value_usd": [50.0]})
    )
    sections = by_level(comp, "section", SECTION_OF)
    got = sections.set_index("code")["value_usd"].to_dict()
    assert got == {"XVI": 30.0, "special": 3.0, "V": 7.0, NOT_ALLOCATED: 10.0}
    assert SPECIAL_SECTION == "special"
    with pytest.raises(ValueError, match="level"):
        by_level(comp, "heading", SECTION_OF)


def test_trend_window_and_section_growth_hand_worked():
    assert trend_window([2015, 2018, 2020, 2022, 2024]) == comp_mod.Window(2020, 2024)
    assert trend_window([2010, 2024]) is None  # nothing inside five years before 2024
    chapters = chapter_values(
        product_rows(
            [
                (2022, "export", "84", 100.0),
                (2024, "export", "84", 121.0),  # 10% a year over 2 years
                (2022, "export", "27", 0.0),
                (2024, "export", "27", 50.0),  # from zero: no CAGR
            ]
        ),
        "CHN",
        "KAZ",
    )
    comp = with_residual(chapters, None)
    win, growth = section_growth(comp, "export")
    assert win == comp_mod.Window(2022, 2024)
    g = growth.set_index("code")["cagr"]
    assert g["84"] == pytest.approx(0.10)
    assert math.isnan(g["27"])


def test_bottom_up_hand_worked():
    """Sections: XVI 80 (10% a year 2022->2024), V 20 (zero in 2022: held), residual 5 (held);
    target 2026: 80 × 1.1² + 20 + 5 = 121.8."""
    chapters = chapter_values(
        product_rows(
            [
                (2022, "export", "84", 80 / 1.21),
                (2022, "export", "27", 0.0),
                (2024, "export", "84", 80.0),
                (2024, "export", "27", 20.0),
            ]
        ),
        "CHN",
        "KAZ",
    )
    totals = pd.DataFrame({"year": [2024], "flow": ["export"], "value_usd": [105.0]})
    comp = by_level(with_residual(chapters, totals), "section", SECTION_OF)
    result = bottom_up(comp, "export", 2026)
    assert result.total_usd == pytest.approx(121.8)
    table = result.table.set_index("code")
    assert table.loc["V", "held"] and table.loc[NOT_ALLOCATED, "held"]
    assert table.loc["XVI", "projected_usd"] == pytest.approx(96.8)
    assert result.implied_cagr == pytest.approx((121.8 / 105) ** 0.5 - 1)


def test_bottom_up_caps_explosive_growth():
    """01 from 1 to 16 in 2 years is 300% a year; capped at 30%: 16 × 1.3 = 20.8 one year on."""
    chapters = chapter_values(
        product_rows([(2022, "export", "01", 1.0), (2024, "export", "01", 16.0)]), "CHN", "KAZ"
    )
    result = bottom_up(with_residual(chapters, None), "export", 2025)
    row = result.table.set_index("code").loc["01"]
    assert row["rate"] == pytest.approx(3.0) and row["capped"]
    assert row["projected_usd"] == pytest.approx(20.8)


def test_over_time_fills_zero_only_within_observed_years():
    wide = over_time(_example_comp(), "export")
    assert list(wide.index) == [2020, 2024]  # no rows invented for 2021–2023
    assert wide.loc[2020, "01"] == 0.0
    assert list(wide.columns)[-2:] == [NOT_ALLOCATED, "total_usd"]


# --- properties ---------------------------------------------------------------------------------

codes = st.sampled_from(["01", "02", "27", "84", "85", "87", "99"])
values = st.floats(min_value=0.0, max_value=1e11, allow_nan=False)


@st.composite
def compositions(draw):
    years = draw(st.lists(st.integers(2000, 2024), min_size=2, max_size=5, unique=True))
    records = []
    for y in years:
        for c in draw(st.lists(codes, min_size=1, max_size=7, unique=True)):
            records.append((y, "export", c, draw(values)))
    chapters = chapter_values(product_rows(records), "CHN", "KAZ")
    sums = chapters.groupby("year")["value_usd"].sum()
    # Reported totals anywhere from half to twice the chapters' sum (or missing).
    totals = []
    for y in years:
        factor = draw(st.one_of(st.none(), st.floats(0.5, 2.0)))
        if factor is not None and sums[y] > 0:
            totals.append((y, "export", float(sums[y]) * factor))
    totals_df = pd.DataFrame(totals, columns=["year", "flow", "value_usd"])
    return sorted(years), with_residual(chapters, totals_df)


@settings(max_examples=40, deadline=None)
@given(compositions())
def test_shares_sum_to_one(case):
    years, comp = case
    for y in years:
        table = year_table(comp, y, "export")
        if table["total_usd"].iloc[0] > 0:
            assert table["share"].sum() == pytest.approx(1.0, rel=1e-9)
            assert top_items(comp, y, "export", n=2)["share"].sum() == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(compositions(), st.sampled_from(["chapter", "section"]))
def test_contributions_sum_to_total_change(case, level):
    years, comp = case
    comp = by_level(comp, level, SECTION_OF)
    start, end = years[0], years[-1]
    out = contributions(comp, "export", start, end)
    totals = comp.groupby("year")["total_usd"].first()
    change = totals[end] - totals[start]
    assert out["change_usd"].sum() == pytest.approx(change, rel=1e-9, abs=1e-3)
    if totals[start] > 0:
        assert out["points"].sum() == pytest.approx(
            change / totals[start] * 100, rel=1e-9, abs=1e-6
        )


@given(st.lists(st.floats(0, 1e12, allow_nan=False), min_size=1, max_size=99))
def test_hhi_bounds(vals):
    positive = [v for v in vals if v > 0]
    h = hhi(np.array(vals))
    if not positive:
        assert math.isnan(h)
        return
    n = len(positive)
    assert 10_000 / n - 1e-6 <= h <= 10_000 + 1e-6
    if n == 1:
        assert h == pytest.approx(10_000)


def test_hhi_ground_truth_with_pandas():
    v = pd.Series([5.0, 3.0, 2.0, 0.0])
    expected = ((v[v > 0] / v[v > 0].sum() * 100) ** 2).sum()  # 2500 + 900 + 400 = 3800
    assert expected == pytest.approx(3800)
    assert hhi(v) == pytest.approx(expected)
