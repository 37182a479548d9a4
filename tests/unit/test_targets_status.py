"""Target status computed from the data (dashboard.analysis.targets) and the timeline chart.

Synthetic series use round numbers so every expected value can be worked out by hand; the last
tests use the real snapshot, where the $35 bn China–Kazakhstan target is met on China's figures
and not on Kazakhstan's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analysis.targets import (
    MET,
    MISSED,
    NOT_ASSESSABLE,
    OFF_TRACK,
    ON_TRACK,
    STATUS_COLUMNS,
    STATUSES,
    effective_target,
    measured_by_totals,
    target_status,
)
from dashboard.charts.targets import (
    STATUS_COLORS,
    decimal_year,
    targets_timeline_figure,
)
from dashboard.formatting import NO_YEAR_TEXT
from dashboard.ingest.snapshot import load_observations, load_targets

BN = 1e9


def _obs(
    series: dict[int, float],
    reporter: str = "CHN",
    partner: str = "KAZ",
    qualifiers: dict[int, str] | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "reporter": reporter,
                "partner": partner,
                "year": y,
                "flow": "total",
                "value_usd": v * BN,
                "qualifier": (qualifiers or {}).get(y, "reported"),
                "source": "s",
            }
            for y, v in series.items()
        ]
    )


def _target(
    id_: str = "t",
    *,
    announced: str = "2024",
    value: float | None = 20.0,
    year: int | None = 2028,
    base: float | None = None,
    multiple: float | None = None,
    basis: str = "",
    scope: str = "goods",
    a: str = "CHN",
    b: str = "KAZ",
) -> dict:
    return {
        "id": id_,
        "country_a": a,
        "country_b": b,
        "announced": announced,
        "base_value_usd": None if base is None else base * BN,
        "target_value_usd": None if value is None else value * BN,
        "target_multiple": multiple,
        "target_year": year,
        "basis": basis,
        "scope": scope,
    }


def _status(targets: list[dict], obs: pd.DataFrame, **kw) -> pd.DataFrame:
    kw.setdefault("as_of_year", 2026)
    return target_status(pd.DataFrame(targets), obs, **kw)


def _one(targets: list[dict], obs: pd.DataFrame, **kw) -> pd.Series:
    out = _status(targets, obs, **kw)
    assert len(out) == 1
    return out.iloc[0]


#: 10.0 in 2020 growing 10% a year to 14.641 in 2024 (10 × 1.1⁴): historical CAGR exactly 10%,
#: over five figures (four or more are needed to judge a trend).
GROWING = _obs({2020: 10.0, 2021: 11.0, 2022: 12.1, 2023: 13.31, 2024: 14.641})


def test_effective_target_value_or_base_times_multiple():
    assert effective_target(_target(value=35.0)) == 35 * BN
    assert effective_target(_target(value=None, base=41.0, multiple=2)) == 82 * BN
    assert effective_target(_target(value=None)) is None
    assert not measured_by_totals("non-oil goods") and measured_by_totals("goods")


def test_met_early_and_already_exceeded_when_announced():
    """Series 2018: 50, 2020: 60; a $40 bn target announced in 2019 for 2025 was already
    exceeded (2018: 50 ≥ 40); the first year at target from the announcement on is 2020.
    Progress = 60 / 40 = 1.5."""
    r = _one([_target(announced="2019-05", value=40, year=2025)], _obs({2018: 50, 2020: 60}))
    assert r["status"] == MET
    assert r["reached_year"] == 2020
    assert r["progress"] == pytest.approx(1.5)
    assert "already exceeded when announced: $50.0 bn in 2018" in r["note"]
    assert pd.isna(r["required_cagr"])


def test_missed_with_gap_at_target_year():
    """2010: 10, 2012: 12, 2016: 15; $20 bn by 2015 announced 2011: no observation reached 20,
    and 2015 itself has no figure. Progress = 15 / 20 = 0.75."""
    r = _one([_target(announced="2011", value=20, year=2015)], _obs({2010: 10, 2012: 12, 2016: 15}))
    assert r["status"] == MISSED
    assert pd.isna(r["reached_year"])
    assert r["progress"] == pytest.approx(0.75)
    assert "not reached by 2015: $12.0 bn in 2012" in r["note"]
    assert "no observation for 2015 itself" in r["note"]


def test_reached_in_the_target_year_itself_is_met():
    """$14 bn by 2024; 2024's figure 14.641 ≥ 14: met in the target year, not missed."""
    r = _one([_target(announced="2021", value=14, year=2024)], GROWING)
    assert r["status"] == MET and r["reached_year"] == 2024


def test_reached_after_target_year_is_missed_but_says_when():
    r = _one([_target(announced="2011", value=20, year=2015)], _obs({2012: 12, 2015: 15, 2018: 25}))
    assert r["status"] == MISSED
    assert r["reached_year"] == 2018
    assert "reached only in 2018, 3 year(s) after the target year 2015" in r["note"]


def test_open_target_with_year_on_track():
    """From 14.641 (2024) to 20 by 2028: (20 / 14.641)^(1/4) − 1 = 8.1097% a year needed,
    against a historical 10%: on track."""
    r = _one([_target(value=20, year=2028)], GROWING)
    assert r["status"] == ON_TRACK
    assert r["required_cagr"] == pytest.approx(0.0810974, abs=1e-6)
    assert r["historical_cagr"] == pytest.approx(0.10)
    assert r["latest_year"] == 2024 and r["latest_value_usd"] == pytest.approx(14.641 * BN)
    assert pd.isna(r["assumed_target_year"])


def test_open_target_with_year_off_track():
    """To 30 by 2028: (30 / 14.641)^(1/4) − 1 = 19.643% a year needed > 10%: off track."""
    r = _one([_target(value=30, year=2028)], GROWING)
    assert r["status"] == OFF_TRACK
    assert r["required_cagr"] == pytest.approx(0.1964309, abs=1e-6)


def test_open_target_without_year_uses_and_states_assumed_year():
    """No year: judged against 2030 by default, (20 / 14.641)^(1/6) − 1 = 5.336% a year: on
    track. Against an assumed 2025 it needs 20 / 14.641 − 1 = 36.60%: off track."""
    r = _one([_target(value=20, year=None)], GROWING)
    assert r["status"] == ON_TRACK
    assert r["required_cagr"] == pytest.approx(0.0533593, abs=1e-6)
    assert r["assumed_target_year"] == 2030 and pd.isna(r["target_year"])
    assert "no target year given: judged against an assumed 2030" in r["note"]
    r = _one([_target(value=20, year=None)], GROWING, assumed_year=2025)
    assert r["status"] == OFF_TRACK
    assert r["required_cagr"] == pytest.approx(0.3660269, abs=1e-6)


def test_target_year_passed_without_data_is_not_assessable():
    """$20 bn by 2025, data to 2024: in 2026 the year has passed with no figure for it; in 2025
    the target is still open (needs 36.6% in one year: off track)."""
    r = _one([_target(value=20, year=2025)], GROWING, as_of_year=2026)
    assert r["status"] == NOT_ASSESSABLE
    assert "target year 2025 has passed, but the data on this basis end in 2024" in r["note"]
    assert r["progress"] == pytest.approx(14.641 / 20)
    assert _one([_target(value=20, year=2025)], GROWING, as_of_year=2025)["status"] == OFF_TRACK


def test_no_numeric_target_is_not_assessable():
    r = _one([_target(value=None, year=2030)], GROWING)
    assert r["status"] == NOT_ASSESSABLE
    assert pd.isna(r["progress"]) and pd.isna(r["target_value_usd"])
    assert "no numeric target" in r["note"]
    assert r["latest_year"] == 2024  # the data are still described


def test_scope_not_measured_by_totals_is_not_assessable():
    r = _one([_target(value=10, year=2030, scope="non-oil goods")], GROWING)
    assert r["status"] == NOT_ASSESSABLE
    assert "non-oil goods" in r["note"]


def test_doubling_target_uses_base_times_multiple():
    """Double 2023's 41 = 82 bn; from 48.7 (2025) by an assumed 2030: (82/48.7)^(1/5) − 1 =
    10.983% a year."""
    obs = _obs({2017: 18.0, 2025: 48.7})
    r = _one([_target(value=None, base=41, multiple=2, year=None)], obs)
    assert r["target_value_usd"] == pytest.approx(82 * BN)
    assert r["required_cagr"] == pytest.approx((82 / 48.7) ** 0.2 - 1)
    assert r["progress"] == pytest.approx(48.7 / 82)


def test_single_observation_has_no_growth_rate_to_compare():
    r = _one([_target(value=20, year=2030)], _obs({2024: 10}))
    assert r["status"] == NOT_ASSESSABLE
    assert r["required_cagr"] == pytest.approx(2 ** (1 / 6) - 1)
    assert "only 1 figure on this basis, too few for a trend" in r["note"]


@pytest.mark.parametrize("figures", [2, 3])
def test_two_or_three_figures_are_too_few_to_call_a_target_on_or_off_track(figures):
    """The last 2 or 3 figures of GROWING (10% a year): a rate exists (10%) and the target needs
    8.11% a year (see the on-track test), but no trend is judged from so few: not assessable,
    saying how many figures there are and how many are needed. The 4 last figures are enough."""
    obs = GROWING.tail(figures)
    r = _one([_target(value=20, year=2028)], obs)
    assert r["status"] == NOT_ASSESSABLE
    assert r["required_cagr"] == pytest.approx(0.0810974, abs=1e-6)
    assert f"only {figures} figures on this basis, too few for a trend (at least 4" in r["note"]
    assert _one([_target(value=20, year=2028)], GROWING.tail(4))["status"] == ON_TRACK


def test_one_row_per_basis_and_stated_basis_without_data():
    """Data on CHN's side only; the target is stated on KAZ's: a CHN row with a status and a KAZ
    row that is not assessable and flagged as the stated basis."""
    out = _status([_target(value=12, year=2030, basis="KAZ")], GROWING)
    assert out["basis"].tolist() == ["CHN", "KAZ"]
    chn, kaz = out.iloc[0], out.iloc[1]
    assert chn["status"] == MET and chn["reached_year"] == 2024
    assert "target stated on Kazakhstan statistics (BNS)" in chn["note"]
    assert kaz["status"] == NOT_ASSESSABLE and bool(kaz["basis_stated"])
    assert not bool(chn["basis_stated"])


def test_pair_without_any_data():
    r = _one([_target(value=500, year=2030, a="IND", b="USA")], GROWING)
    assert r["basis"] == "" and r["status"] == NOT_ASSESSABLE
    assert "no total-trade observations on IND-USA" in r["note"]
    assert list(_status([_target()], GROWING).columns) == list(STATUS_COLUMNS)


def test_floor_figure_is_flagged_in_the_note():
    obs = _obs({2021: 20, 2022: 25}, qualifiers={2022: "at_least"})
    r = _one([_target(announced="2021", value=24, year=2030)], obs)
    assert r["status"] == MET and "$25.0 bn (at least)" in r["note"]


# --- the real snapshot -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_status() -> pd.DataFrame:
    return target_status(load_targets(), load_observations(), as_of_year=2026)


def test_two_bases_disagree_on_the_35bn_target(real_status):
    """chn-kaz-2022-35bn-2030: China customs 2023 = 41.0 ≥ 35 (met 2023). Kazakhstan's 2024 =
    30.1 < 35 (and 2023's 31.4 < 35): progress 0.86; needs (35/30.1)^(1/6) − 1 = 2.5456% a year
    to 2030 against the 2014–2024 CAGR (30.1/17.2)^(1/10) − 1 = 1.75^0.1 − 1 = 5.7557%: on
    track, not met."""
    rows = real_status[real_status["id"] == "chn-kaz-2022-35bn-2030"].set_index("basis")
    assert rows.loc["CHN", "status"] == MET and rows.loc["CHN", "reached_year"] == 2023
    assert rows.loc["CHN", "progress"] == pytest.approx(48.7 / 35)
    kaz = rows.loc["KAZ"]
    assert kaz["status"] == ON_TRACK and pd.isna(kaz["reached_year"])
    assert kaz["progress"] == pytest.approx(0.86)
    assert kaz["required_cagr"] == pytest.approx(0.0254558, abs=1e-6)
    assert kaz["historical_cagr"] == pytest.approx(0.0575571, abs=1e-6)
    assert bool(kaz["basis_stated"])


def test_real_registry_is_consistent(real_status):
    """Every status is known; met rows have a reached year; progress = latest / target."""
    assert set(real_status["status"]) <= set(STATUSES)
    met = real_status[real_status["status"] == MET]
    assert met["reached_year"].notna().all()
    have = real_status["progress"].notna()
    assert (
        real_status.loc[have, "latest_value_usd"] / real_status.loc[have, "target_value_usd"]
    ).to_numpy() == pytest.approx(real_status.loc[have, "progress"].to_numpy())
    assert set(load_targets()["id"]) == set(real_status["id"])


def test_real_other_pairs(real_status):
    """China–Russia $200 bn by 2024: 240.11 in 2023 (met). $250 bn by 2024: 244.8 in 2024
    (missed). China–Central Asia $100 bn by 2030: 106.3 in 2025 (met). China–Uzbekistan $20 bn by
    2028 from 16.2 (2025): (20/16.2)^(1/3) − 1 = 7.277% needed."""
    s = real_status.set_index("id")
    assert s.loc["chn-rus-2019-200bn-2024", "status"] == MET
    assert s.loc["chn-rus-2019-200bn-2024", "reached_year"] == 2023
    assert s.loc["chn-rus-2022-250bn-2024", "status"] == MISSED
    assert s.loc["chn-xca-2023-100bn-2030", "reached_year"] == 2025
    assert s.loc["chn-uzb-2023-20bn-2028", "required_cagr"] == pytest.approx(
        (20 / 16.2) ** (1 / 3) - 1
    )
    # Two figures (13.78 in 2024, 16.2 in 2025): no trend to judge the target on.
    assert s.loc["chn-uzb-2023-20bn-2028", "status"] == NOT_ASSESSABLE
    assert "only 2 figures" in s.loc["chn-uzb-2023-20bn-2028", "note"]
    assert s.loc["ind-usa-2025-500bn-2030", "status"] == NOT_ASSESSABLE


# --- timeline chart ----------------------------------------------------------------------------


def test_decimal_year_at_each_precision():
    assert decimal_year("2024") == 2024
    assert decimal_year("2024-07") == pytest.approx(2024.5)
    assert decimal_year("2024-07-03") == pytest.approx(2024.5 + 2 / 365)


def test_timeline_segments_colours_and_open_ended_targets():
    """Three targets: met (announced 2019-05, by 2025), off track (2024, by 2028), and an open
    on-track one (2024, no year) drawn dashed to the axis end 2032."""
    status = pd.concat(
        [
            _status(
                [_target("met", announced="2019-05", value=40, year=2025)],
                _obs({2018: 50, 2020: 60}),
            ),
            _status(
                [_target("off", value=30, year=2028), _target("open", value=20, year=None)], GROWING
            ),
        ],
        ignore_index=True,
    )
    assert status["status"].tolist() == [MET, OFF_TRACK, ON_TRACK]
    fig = targets_timeline_figure(status, axis_end=2032)
    by_name = {}
    for t in fig.data:
        by_name.setdefault(t.name, []).append(t)
    met = by_name[MET][0]
    assert list(met.x)[:2] == pytest.approx([2019 + 4 / 12, 2025.0])  # May 2019 = 2019 + 4/12
    assert met.line.color == STATUS_COLORS[MET] and met.line.dash == "solid"
    open_ = by_name[ON_TRACK][0]
    assert list(open_.x)[:2] == pytest.approx([2024.0, 2032.0])
    assert open_.line.dash == "dash"
    assert open_.showlegend  # its status has no dated target, so it carries the legend entry
    text = by_name["target"][0]
    assert list(text.text) == [
        "$40 bn by 2025 (announced May 2019)",
        "$30 bn by 2028 (announced 2024)",
        f"$20 bn, {NO_YEAR_TEXT} (announced 2024)",
    ]
    # One row per target (0, 1, 2 from the top), each label just above its row's lines.
    assert list(text.y) == pytest.approx([-0.36, 0.64, 1.64])
    reached = by_name["first year at target"][0]
    assert list(reached.x) == [2020.0] and list(reached.y) == [0.0]
    assert fig.layout.yaxis.showticklabels is False
    assert fig.layout.xaxis.tickformat == "d"


def test_timeline_puts_both_bases_of_a_target_in_one_row():
    """One target judged on both countries' statistics: the first-named country's line sits on
    the row (y 0, circles), the partner's just below it (y 0.28, squares); one label."""
    obs = pd.concat(
        [_obs({2018: 50, 2020: 60}), _obs({2018: 20, 2020: 25}, reporter="KAZ", partner="CHN")]
    )
    status = _status([_target("t", announced="2019-05", value=40, year=2025)], obs)
    assert status["basis"].tolist() == ["CHN", "KAZ"]
    fig = targets_timeline_figure(status, basis_names=("China's", "Kazakhstan's"))
    lines = [t for t in fig.data if t.name in STATUSES]
    ys = sorted({y for t in lines for y in t.y if y is not None})
    assert ys == pytest.approx([0.0, 0.28])
    assert len(next(t for t in fig.data if t.name == "target").text) == 1
    legend = {t.name: t.marker.symbol for t in fig.data if t.name in ("China's", "Kazakhstan's")}
    assert legend == {"China's": "circle", "Kazakhstan's": "square"}


def test_timeline_real_registry_has_one_row_per_target(real_status):
    fig = targets_timeline_figure(real_status)
    text = next(t for t in fig.data if t.name == "target")
    targets = real_status.drop_duplicates("id")
    assert len(text.x) == len(targets)  # one row per target, not per basis
    assert sum(NO_YEAR_TEXT in s for s in text.text) == targets["target_year"].isna().sum()
    assert not any("chn-" in s or "at_least" in s for s in text.text)
    drawn = {t.name for t in fig.data} & set(STATUSES)
    assert drawn == set(real_status["status"])
