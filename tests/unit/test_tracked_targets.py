"""Declared targets in the tracker: which it offers, their labels, one status rule, the verdict."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from dashboard.analysis.outlook import assess, trend_chance
from dashboard.analysis.scenario import Controls, resolve
from dashboard.analysis.targets import (
    NOT_ASSESSABLE,
    judge_target,
    own_target,
    target_label,
    target_status,
    tracker_targets,
)
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.charts.tracker import band_clipped, for_export, tracker_figure
from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.model import Pair
from dashboard.report.files import export_stem
from dashboard.report.sentences import verdict_sentence
from dashboard.report.tables import parameters

KAZ = Pair("CHN", "KAZ")


def test_china_kazakhstan_offers_open_targets_newest_first_then_the_rest():
    """Open (no year, or a year from 2026 on) by announcement, newest first: 2024-07-03 (the
    doubling), 2024-07, 2024-05-16, 2023-05-19, 2023-05-17, 2022; then the closed ones, 2015-09,
    2013-04-06, 2011-06-13. "Significantly increase" has no number and is left out."""
    ids = [t.id for t in tracker_targets(load_targets(), KAZ, as_of_year=2026)]
    assert ids == [
        "chn-kaz-2024-double", "chn-kaz-2024-100bn-xinhua", "chn-kaz-2024-100bn",
        "chn-kaz-2023-40bn-agreed", "chn-kaz-2023-40bn-2030", "chn-kaz-2022-35bn-2030",
        "chn-kaz-2015-40bn-2020", "chn-kaz-2013-40bn-2015", "chn-kaz-2011-40bn-2015",
    ]  # fmt: skip


def test_labels_in_words():
    t = load_targets().set_index("id")
    assert target_label(t.loc["chn-kaz-2024-double"].to_dict()) == (
        "$82 bn: double 2023's trade (Xi and Tokayev, July 2024)"
    )
    assert target_label(t.loc["chn-rus-2022-250bn-2024"].to_dict()) == (
        "$250 bn by 2024 (Putin, 2022)"
    )
    assert target_label(t.loc["chn-kaz-2024-100bn"].to_dict()) == (
        "$100 bn, no year given (Tokayev, May 2024)"
    )


def test_pairs_without_a_declared_number_offer_nothing():
    for code in ("CHN-KGZ", "CHN-TJK", "CHN-TKM"):
        assert tracker_targets(load_targets(), Pair.parse(code), as_of_year=2026) == []


def test_one_rule_for_registry_and_tracker():
    """judge_target (the tracker's verdict) gives the registry's row for every shipped target
    and basis."""
    targets, obs = load_targets(), load_observations()
    status = target_status(targets, obs, as_of_year=2026)
    by_id = targets.set_index("id")
    for row in status.to_dict("records"):
        target = {"id": row["id"], **by_id.loc[row["id"]].to_dict()}
        one = judge_target(target, obs, row["basis"], as_of_year=2026)
        assert one["status"] == row["status"], row["id"]
        assert one["note"] == row["note"], row["id"]


def _series_obs(values: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reporter": "CHN", "partner": "KAZ", "year": list(values), "flow": "total",
            "value_usd": list(values.values()), "qualifier": "reported",
        }
    )  # fmt: skip


def test_an_open_target_on_a_stale_series_is_not_assessable():
    """B4's rule: the latest figure (2013) is 13 years before 2026, more than two: not judged
    on a trend from it, and the note names the year."""
    obs = _series_obs({2005: 10e9, 2009: 20e9, 2013: 40e9})
    target = {"id": "t", "country_a": "CHN", "country_b": "KAZ", "announced": "2012",
              "target_value_usd": 100e9, "target_year": 2030, "scope": "goods"}  # fmt: skip
    row = judge_target(target, obs, "CHN", as_of_year=2026)
    assert row["status"] == NOT_ASSESSABLE
    assert "2013, 13 years ago" in row["note"]


def test_trend_chance_is_one_half_when_the_trend_lands_on_the_target():
    """10% a year from 2020 to 2025 (100 → 161.05); continued five years it reaches
    161.05 × 1.1 ** 5 = 259.37 in 2030, the median: P = 0.5 whatever the volatility."""
    s = pd.Series({2020: 100.0, 2025: 100 * 1.1**5})
    p = trend_chance(s, 100 * 1.1**10, 2030, volatility=0.2)
    assert p == pytest.approx(0.5, abs=1e-9)
    assert trend_chance(s, 300.0, 2025) is None  # target year not after the latest figure


def test_verdict_sentences():
    """Worded from judge_target rows: the chance is given for open statuses only."""
    kaz = {"status": "off track", "basis": "KAZ", "target_value_usd": 82e9}
    chn = {"status": "on track", "basis": "CHN", "target_value_usd": 82e9}
    assert verdict_sentence(kaz, 0.44, 2030, (chn, 0.58)) == (
        "Off track on Kazakhstan's statistics: a 44% chance of $82 bn by 2030; on China's "
        "customs figures, on track, 58%."
    )
    met = {"status": "met", "basis": "CHN", "target_value_usd": 100e9, "reached_year": 2025}
    assert verdict_sentence(met, None, 2030) == (
        "Met in 2025 on China's customs figures: $100 bn reached."
    )
    assert verdict_sentence(chn, 0.81, 2030).startswith(
        "On track on China's customs figures: an 81%"
    )


def test_a_declared_target_is_the_same_dollar_amount_on_every_basis():
    """The doubling pledge on Kazakhstan's statistics: 2 × the declared $41.0 bn = $82.0 bn,
    not 2 × Kazakhstan's own 2023 figure. growth_source names the preset used."""
    obs = load_observations()
    declared = tracker_targets(load_targets(), KAZ, as_of_year=2026)[0]
    series = obs[(obs.reporter == "KAZ") & (obs.partner == "CHN") & (obs.flow == "total")]
    series = series.set_index("year")["value_usd"].astype(float).sort_index()
    controls = Controls(
        basis="KAZ", base_year=2024, multiple=2.0, target_year=2030, preset="recent",
        growth=0.0, vol_manual=False, volatility=20.0, method="closed", compare=False,
        shock_year=2027, shock_size=0.0, target=declared.id,
    )  # fmt: skip
    scenario = resolve(KAZ, "KAZ", series, controls, declared=declared)
    result = track(obs, scenario.inputs)
    assert math.isclose(result.target_value, 82e9)
    params = parameters(result)
    assert params["target_id"] == "chn-kaz-2024-double"
    assert params["growth_source"].startswith("Recent: CAGR 2014–2024")


def test_own_target_is_labelled_hypothetical():
    t = own_target(KAZ, 2024, 43.82e9, 2.0, 2030, 2026)
    assert t.label.startswith("Your own target (hypothetical)") and not t.declared
    assert math.isclose(t.value_usd, 87.64e9)


def test_exported_chart_carries_title_pair_target_source_and_date():
    obs = load_observations()
    result = track(obs, TrackerInputs(KAZ, "CHN"))
    lines = ["China – Kazakhstan", "Target: $82 bn", "Sources: GACC", "Made 2026-12-02"]
    fig = for_export(tracker_figure(result), "Is the trade target on track?", lines)
    assert fig.layout.title.text == "Is the trade target on track?"
    text = fig.layout.annotations[-1].text
    assert all(line.split(":")[0] in text for line in lines)


def test_download_names_carry_the_target_and_the_scenario():
    stem = export_stem(
        "trade-tracker", "CHN-KAZ", "China customs (GACC)", date(2026, 12, 2),
        target="chn-kaz-2024-double", scenario="recent",
    )  # fmt: skip
    assert stem == "trade-tracker_CHN-KAZ_china-customs-gacc_chn-kaz-2024-double_recent_2026-12-02"


def test_tracker_chart_is_scaled_to_history_and_target():
    """Kazakhstan's statistics, own target 2 × 30.1 = 60.2 bn by 2030 at the 2014–2024 trend
    of (30.1 / 17.2) ** (1 / 10) - 1 = 5.76%: the scenario in 2030 is 30.1 × 1.0576 ** 6 ≈ 42.1
    bn, below the target, and the highest figure is 31.4 bn (2023), so the target sets the axis
    top: 60.2 × 1.15 = 69.23 bn (not the ≈ 320 bn the band's 90th percentile reaches by the
    chart's end, 2040): the band is clipped."""
    result = track(load_observations(), TrackerInputs(KAZ, "KAZ"))
    fan = assess(result).projection.fan
    top = tracker_figure(result, fan).layout.yaxis.range[1]
    assert top == pytest.approx(60.2 * 1.15)
    assert band_clipped(result, fan)
