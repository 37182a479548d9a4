"""Mirror statistics (dashboard.analysis.mirror) and the mirror chart, checked against hand-worked
numbers from the reference sheet's 2013 China–Kazakhstan figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.analysis.mirror import CIF_FOB_FACTOR, MIRROR_COLUMNS, has_flows, mirror_table
from dashboard.charts.mirror import mirror_figure
from dashboard.ingest.snapshot import load_observations

BN = 1e9


def _obs(rows: list[tuple]) -> pd.DataFrame:
    """Observation rows from (reporter, partner, year, flow, value in $ bn[, qualifier])."""
    out = []
    for r in rows:
        reporter, partner, year, flow, bn = r[:5]
        out.append(
            {
                "reporter": reporter,
                "partner": partner,
                "year": year,
                "flow": flow,
                "value_usd": bn * BN,
                "qualifier": r[5] if len(r) > 5 else "reported",
                "source": f"{reporter} source {year}",
            }
        )
    return pd.DataFrame(out)


#: 2013 as each side reported it (CACI Analyst, 2014): China customs 28.5 = exports 12.5 +
#: imports 16.0; Kazakhstan 22.53 = exports 14.334 + imports 8.193. Plus one year each side
#: alone: China 2017 (18.0), Kazakhstan 2012 (24, a floor here to test the qualifier).
KZ_2013 = _obs(
    [
        ("CHN", "KAZ", 2013, "total", 28.5),
        ("CHN", "KAZ", 2013, "export", 12.5),
        ("CHN", "KAZ", 2013, "import", 16.0),
        ("CHN", "KAZ", 2017, "total", 18.0),
        ("KAZ", "CHN", 2013, "total", 22.53),
        ("KAZ", "CHN", 2013, "export", 14.334),
        ("KAZ", "CHN", 2013, "import", 8.193),
        ("KAZ", "CHN", 2012, "total", 24.0, "at_least"),
    ]
)


def _year(df: pd.DataFrame, year: int) -> pd.Series:
    return df.set_index("year").loc[year]


def test_totals_gap_in_usd_and_percent_of_partner():
    """2013: 28.5 − 22.53 = 5.97 bn; 5.97 / 22.53 = 26.498% of Kazakhstan's figure."""
    m = mirror_table(KZ_2013, "CHN", "KAZ")
    r = _year(m, 2013)
    assert r["a_total"] == pytest.approx(28.5 * BN)
    assert r["b_total"] == pytest.approx(22.53 * BN)
    assert r["gap_usd"] == pytest.approx(5.97 * BN)
    assert r["gap_pct"] == pytest.approx(26.498003, rel=1e-6)


def test_exporter_against_importer_without_adjustment():
    """China's exports 12.5 vs Kazakhstan's imports 8.193: gap 4.307 bn (52.569% of 8.193).
    Kazakhstan's exports 14.334 vs China's imports 16.0: gap −1.666 bn (the usual sign)."""
    r = _year(mirror_table(KZ_2013, "CHN", "KAZ"), 2013)
    assert r["ab_exporter_usd"] == pytest.approx(12.5 * BN)
    assert r["ab_importer_usd"] == pytest.approx(8.193 * BN)
    assert r["ab_gap_usd"] == pytest.approx(4.307 * BN)
    assert r["ab_gap_pct"] == pytest.approx(52.569266, rel=1e-6)
    assert r["ba_gap_usd"] == pytest.approx(-1.666 * BN)
    assert r["importer_valuation"] == "CIF (as reported)"


def test_cif_fob_adjustment_divides_importer_figure_by_1_06():
    """8.193 / 1.06 = 7.7292453 bn; gap 12.5 − 7.7292453 = 4.7707547 bn. Totals are unchanged."""
    m = mirror_table(KZ_2013, "CHN", "KAZ", cif_fob_adjust=True)
    r = _year(m, 2013)
    assert CIF_FOB_FACTOR == 1.06
    assert r["ab_importer_usd"] == pytest.approx(7.7292453e9, rel=1e-7)
    assert r["ab_gap_usd"] == pytest.approx(4.7707547e9, rel=1e-7)
    assert r["ba_importer_usd"] == pytest.approx(16.0 / 1.06 * BN)
    assert r["gap_usd"] == pytest.approx(5.97 * BN)
    assert r["importer_valuation"] == "FOB estimate (CIF / 1.06)"
    assert m.attrs["cif_fob_adjust"] is True


def test_balance_from_each_reporters_own_side():
    """China: 12.5 − 16.0 = −3.5 bn; Kazakhstan: 14.334 − 8.193 = 6.141 bn."""
    r = _year(mirror_table(KZ_2013, "CHN", "KAZ"), 2013)
    assert r["a_balance"] == pytest.approx(-3.5 * BN)
    assert r["b_balance"] == pytest.approx(6.141 * BN)


def test_years_of_either_side_kept_and_missing_values_stay_missing():
    m = mirror_table(KZ_2013, "CHN", "KAZ")
    assert m["year"].tolist() == [2012, 2013, 2017]
    r2012, r2017 = _year(m, 2012), _year(m, 2017)
    assert math.isnan(r2012["a_total"]) and r2012["b_total"] == pytest.approx(24 * BN)
    assert math.isnan(r2012["gap_usd"]) and math.isnan(r2017["gap_usd"])
    assert math.isnan(r2017["a_balance"])  # no split for 2017
    assert r2012["b_total_qualifier"] == "at_least"
    assert r2012["b_total_source"] == "KAZ source 2012"


def test_empty_pair_gives_empty_frame_with_all_columns():
    m = mirror_table(KZ_2013, "CHN", "RUS")
    assert m.empty
    assert list(m.columns) == list(MIRROR_COLUMNS)
    assert not has_flows(m)


def test_bad_factor_rejected():
    with pytest.raises(ValueError, match="factor"):
        mirror_table(KZ_2013, "CHN", "KAZ", cif_fob_adjust=True, factor=0)


def test_snapshot_gaps_match_reference_table():
    """GACC − Kazakh totals, as reference §2a computes them, on the snapshot's figures (the
    December 2026 corrections give 2013 28.6 and 2021 25.25 on China's side, where §2a has 28.5
    and ≈25, and add Kazakh 2017, 2018, 2023 and China's 2019 floor):
    2010 20.0 (a floor) − 20.3 = −0.3; 2013 28.6 − 22.53 = 6.07; 2017 18.0 − 11.0 = 7.0;
    2018 19.88 − 11.7 = 8.18; 2019 20.0 (a floor) − 14.5 = 5.5; 2021 25.25 − 18 = 7.25;
    2022 31.2 − 24.1 = 7.1; 2023 41.0 − 31.4 = 9.6; 2024 43.82 − 30.1 = 13.72: nine years."""
    m = mirror_table(load_observations(), "CHN", "KAZ").set_index("year")
    expected = {
        2010: -0.3, 2013: 6.07, 2017: 7.0, 2018: 8.18, 2019: 5.5,
        2021: 7.25, 2022: 7.1, 2023: 9.6, 2024: 13.72,
    }  # fmt: skip
    for year, gap in expected.items():
        assert m.loc[year, "gap_usd"] == pytest.approx(gap * BN), year
    assert m["gap_usd"].notna().sum() == 9
    assert m.loc[2010, "a_total_qualifier"] == "at_least"


positive = st.floats(min_value=1e6, max_value=1e12, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(2000, 2010),
            st.sampled_from(["CHN", "KAZ"]),
            st.sampled_from(["total", "export", "import"]),
            positive,
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda t: t[:3],
    )
)
def test_swapping_the_pair_mirrors_every_comparison(rows):
    """Swapping A and B negates the total gap and swaps the two exporter/importer directions."""
    obs = pd.DataFrame(
        [
            {
                "reporter": r,
                "partner": "KAZ" if r == "CHN" else "CHN",
                "year": y,
                "flow": f,
                "value_usd": v,
                "qualifier": "reported",
                "source": "s",
            }
            for y, r, f, v in rows
        ]
    )
    ab = mirror_table(obs, "CHN", "KAZ").set_index("year")
    ba = mirror_table(obs, "KAZ", "CHN").set_index("year")
    pd.testing.assert_series_equal(ab["gap_usd"], -ba["gap_usd"], check_names=False)
    pd.testing.assert_series_equal(ab["ab_gap_usd"], ba["ba_gap_usd"], check_names=False)
    pd.testing.assert_series_equal(ab["a_balance"], ba["b_balance"], check_names=False)
    both = ab["gap_usd"].notna()
    assert (ab.loc[both, "gap_pct"] * ab.loc[both, "b_total"] / 100).to_numpy() == pytest.approx(
        ab.loc[both, "gap_usd"].to_numpy(), rel=1e-9
    )


# --- chart -------------------------------------------------------------------------------------


def test_mirror_figure_traces_values_in_bn_and_integer_years():
    fig = mirror_figure(mirror_table(KZ_2013, "CHN", "KAZ"))
    names = [t.name for t in fig.data]
    assert names[:3] == [
        "China customs (GACC)",
        "Kazakhstan statistics (BNS)",
        "Gap: China's figure minus Kazakhstan's",
    ]
    assert len(fig.data) == 7  # 3 totals/gap + 4 export/import bars
    a, b, gap = fig.data[:3]
    assert list(a.x) == [2013, 2017] and list(a.y) == pytest.approx([28.5, 18.0])
    assert list(b.x) == [2012, 2013] and list(b.y) == pytest.approx([24.0, 22.53])
    assert list(gap.x) == [2013] and list(gap.y) == pytest.approx([5.97])
    assert gap.mode == "markers"  # years between gaps are unknown: no connecting line
    assert "CHN source 2013" in a.hovertext[0]
    assert "(at least)" in b.hovertext[0]
    assert fig.layout.xaxis.tickformat == "d"
    assert fig.layout.xaxis.dtick == 1
    exports, imports, kz_exports = fig.data[3:6]
    assert list(exports.x) == [2013] and list(exports.y) == pytest.approx([12.5])
    assert exports.name == "China's exports to Kazakhstan, FOB"
    assert list(imports.y) == pytest.approx([8.193])
    # Hatching marks the importer's figure, set against the exporter's plain bar.
    assert imports.marker.pattern.shape == "/" and exports.marker.pattern.shape == ""
    assert kz_exports.marker.pattern.shape == ""


def test_mirror_figure_never_gives_two_series_one_colour_and_has_a_legend_per_panel():
    """Seven series (two totals, the gap, four flows): seven colours. Top panel's traces in
    ``legend``, bottom panel's in ``legend2``, each legend titled with its panel's subject."""
    fig = mirror_figure(mirror_table(KZ_2013, "CHN", "KAZ"))
    colours = [t.marker.color for t in fig.data]
    assert len(set(colours)) == len(colours) == 7
    top = [t.legend or "legend" for t in fig.data if (t.yaxis or "y") == "y"]
    bottom = [t.legend for t in fig.data if t.yaxis == "y2"]
    assert set(top) == {"legend"} and set(bottom) == {"legend2"} and len(bottom) == 4
    assert "Total trade" in fig.layout.legend.title.text
    assert "Exports" in fig.layout.legend2.title.text


def test_mirror_figure_adjusted_importer_bars_are_labelled():
    fig = mirror_figure(mirror_table(KZ_2013, "CHN", "KAZ", cif_fob_adjust=True))
    imports = fig.data[4]
    assert imports.name == "Kazakhstan's imports from China, FOB estimate (CIF / 1.06)"
    assert list(imports.y) == pytest.approx([7.7292453], rel=1e-7)


def test_mirror_figure_totals_only_has_one_panel():
    obs = KZ_2013[KZ_2013["flow"] == "total"]
    fig = mirror_figure(mirror_table(obs, "CHN", "KAZ"))
    assert len(fig.data) == 3
    assert "xaxis2" not in fig.layout
