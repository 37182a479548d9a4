"""The sentence under each chart, checked against numbers worked out by hand from the snapshot."""

from __future__ import annotations

import markdown_it
import pandas as pd
import pytest

from dashboard.analysis.mirror import mirror_table
from dashboard.analysis.targets import target_status
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.ingest.upload import UploadedSeries, parse_upload
from dashboard.model import Pair
from dashboard.report.sentences import (
    balance_summary,
    coverage_summary,
    mirror_summary,
    share,
    targets_summary,
    to_markdown,
    tracker_summary,
    uploaded_summary,
)

PAIR = Pair("CHN", "KAZ")


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return load_observations()


def test_tracker_summary_default_scenario(obs):
    """China customs, base 2024 ($43.82 bn), ×2, target year 2030, historical growth.

    latest 2025: $48.7 bn. target 2 × 43.82 = 87.64 → "$87.6 bn".
    progress 48.7 / 87.64 = 0.5557 → "56%".
    historical CAGR 2017–2025 (first year inside the 10-year window 2015–2024 is 2017):
    (48.7 / 18.0) ** (1/8) - 1 = 2.7056 ** 0.125 - 1 = 0.1325 → "13.2%".
    path from 48.7: 2026 55.2, 2027 62.5, 2028 70.7, 2029 80.1 (< 87.64), 2030 90.7 (≥ 87.64)
    → reached in 2030, the target year.
    """
    result = track(obs, TrackerInputs(PAIR, "CHN"))
    assert tracker_summary(result) == (
        "Trade reached $48.7 bn in 2025 on China customs (GACC) figures, 56% of the $87.6 bn "
        "doubling target; at 13.2% a year (the 2017–2025 trend) it would be reached in 2030, "
        "the target year."
    )


def test_tracker_summary_kazakh_basis(obs):
    """Kazakhstan statistics: latest 2024 $30.1 bn = base, so progress 30.1 / 60.2 = 50%.
    The 10-year window 2014–2024 starts at 2014 ($17.2 bn): CAGR = (30.1 / 17.2) ** (1/10) - 1
    = 1.75 ** 0.1 - 1 = exp(0.559616 / 10) - 1 = 0.0576 → "5.8%". Years to 60.2:
    ln 2 / ln 1.057557 = 0.693147 / 0.055962 = 12.39 → 13 → 2037 (2036: 30.1 × 1.057557 ** 12
    = 58.9 < 60.2; 2037: 62.3), 7 years after 2030.
    At a hand-set 20%: ln 2 / ln 1.2 = 3.80 → 4 years → 2028 (2027: 30.1 × 1.2 ** 3 = 52.0;
    2028: 62.4), 2 years before the target year."""
    result = track(obs, TrackerInputs(PAIR, "KAZ"))
    assert tracker_summary(result) == (
        "Trade reached $30.1 bn in 2024 on Kazakhstan statistics (BNS) figures, 50% of the "
        "$60.2 bn doubling target; at 5.8% a year (the 2014–2024 trend) it would be reached in "
        "2037, 7 years after the target year 2030."
    )
    early = tracker_summary(track(obs, TrackerInputs(PAIR, "KAZ", growth=0.20)))
    assert "at 20.0% a year it would be reached in 2028, 2 years before the target year 2030." in (
        early
    )


def test_tracker_summary_slow_scenario_is_late(obs):
    """5% a year from 48.7: years to 87.64 = ln(87.64 / 48.7) / ln(1.05) = 0.5876 / 0.04879
    = 12.04 → 13 whole years → 2038, 8 years after 2030."""
    result = track(obs, TrackerInputs(PAIR, "CHN", growth=0.05))
    text = tracker_summary(result)
    assert "at 5.0% a year it would be reached in 2038, 8 years after the target year 2030." in text
    assert "trend" not in text


def test_tracker_summary_never_reached(obs):
    """Shrinking 2% a year never reaches the target by the 2050 horizon."""
    result = track(obs, TrackerInputs(PAIR, "CHN", growth=-0.02))
    assert tracker_summary(result).endswith("at −2.0% a year it would not be reached by 2050.")


def test_tracker_summary_already_met_and_other_multiples(obs):
    """×1.1 of 43.82 = 48.2 ≤ 48.7: met, 48.7 / 48.202 = 1.0103 → "101%".
    ×1.5 = 65.73 → "$65.7 bn", progress 48.7 / 65.73 = 0.741 → "74%"."""
    met = track(obs, TrackerInputs(PAIR, "CHN", multiple=1.1, growth=0.2))
    assert tracker_summary(met) == (
        "Trade reached $48.7 bn in 2025 on China customs (GACC) figures, already 101% of the "
        "$48.2 bn target (1.1 × 2024)."
    )
    part = track(obs, TrackerInputs(PAIR, "CHN", multiple=1.5, growth=0.2))
    assert "74% of the $65.7 bn target (1.5 × 2024)" in tracker_summary(part)


def test_share_never_rounds_up_to_a_full_target():
    assert share(0.5557) == "56%"
    assert share(0.9996) == "99%"
    assert share(1.0) == "100%"
    assert share(1.2175) == "122%"


def test_mirror_summary(obs):
    """Latest year with both totals: 2024. 43.82 - 30.1 = 13.72 → "$13.7 bn";
    13.72 / 30.1 = 0.4558 → "46%" more on China's side."""
    assert mirror_summary(mirror_table(obs, "CHN", "KAZ")) == (
        "In 2024, China customs (GACC) recorded $43.8 bn of China–Kazakhstan trade and "
        "Kazakhstan statistics (BNS) $30.1 bn: a gap of $13.7 bn, or 46% more on China's side."
    )


def test_mirror_summary_reversed_pair_says_less(obs):
    """Seen from Kazakhstan: 30.1 - 43.82 = -13.72; 13.72 / 43.82 = 0.313 → "31% less"."""
    text = mirror_summary(mirror_table(obs, "KAZ", "CHN"))
    assert text.endswith("a gap of $13.7 bn, or 31% less on Kazakhstan's side.")


def test_mirror_summary_without_a_common_year():
    obs = pd.DataFrame(
        {
            "reporter": ["CHN", "KAZ"],
            "partner": ["KAZ", "CHN"],
            "year": [2020, 2021],
            "flow": ["total", "total"],
            "value_usd": [1e9, 2e9],
            "source": ["a", "b"],
            "qualifier": "reported",
        }
    )
    assert mirror_summary(mirror_table(obs, "CHN", "KAZ")) == (
        "The two countries' statistics have no year with a total in common (China customs "
        "(GACC) 2020–2020; Kazakhstan statistics (BNS) 2021–2021)."
    )


def test_qualified_figures_say_about_or_at_least():
    """KAZ 2020 is "approx" 15.0 and CHN 2020 is given here as a floor of 20.0: 20 - 15 = 5.0,
    5 / 15 = 0.333 → "33%"."""
    obs = pd.DataFrame(
        {
            "reporter": ["CHN", "KAZ"],
            "partner": ["KAZ", "CHN"],
            "year": [2020, 2020],
            "flow": ["total", "total"],
            "value_usd": [20e9, 15e9],
            "source": ["a", "b"],
            "qualifier": ["at_least", "approx"],
        }
    )
    assert mirror_summary(mirror_table(obs, "CHN", "KAZ")) == (
        "In 2020, China customs (GACC) recorded at least $20.0 bn of China–Kazakhstan trade and "
        "Kazakhstan statistics (BNS) about $15.0 bn: a gap of $5.0 bn, or 33% more on China's "
        "side."
    )


def test_balance_summary(obs):
    """China 2025: exports 29.7, imports 19.0 → surplus 10.7. Kazakhstan's latest year with both
    flows is 2022 (2024 has imports only): 13.2 - 11.0 = 2.2."""
    m = mirror_table(obs, "CHN", "KAZ")
    assert balance_summary(m) == (
        "In 2025, on China customs (GACC) figures, China exported $29.7 bn to Kazakhstan and "
        "imported $19.0 bn from it: a surplus of $10.7 bn for China."
    )
    assert balance_summary(m, "b") == (
        "In 2022, on Kazakhstan statistics (BNS) figures, Kazakhstan exported $13.2 bn to China "
        "and imported $11.0 bn from it: a surplus of $2.2 bn for Kazakhstan."
    )


def test_balance_summary_deficit_and_none():
    obs = pd.DataFrame(
        {
            "reporter": ["KAZ", "KAZ", "CHN"],
            "partner": ["CHN", "CHN", "KAZ"],
            "year": [2021, 2021, 2021],
            "flow": ["export", "import", "total"],
            "value_usd": [9.8e9, 12.0e9, 1e9],
            "source": ["a", "a", "b"],
            "qualifier": "reported",
        }
    )
    m = mirror_table(obs, "KAZ", "CHN")
    assert balance_summary(m).endswith("a deficit of $2.2 bn for Kazakhstan.")
    assert balance_summary(m, "b") is None


def test_coverage_summary(obs):
    """China customs totals: 1992, 2008, 2010, 2011, 2013, 2017, 2018, 2019, 2021, 2022, 2023,
    2024, 2025 = 13 years; span 1992–2025 = 34 years; 34 - 13 = 21 without a figure."""
    assert coverage_summary(obs, "CHN", "KAZ") == (
        "13 years with a total-trade figure on China customs (GACC) between 1992 and "
        "2025; 21 years in between have no figure and are left empty, not estimated."
    )
    assert coverage_summary(obs, "KAZ", "USA") == (
        "No total-trade figures on Kazakhstan statistics (BNS) yet."
    )


def test_targets_summary_counts_match_the_status_table(obs):
    """China–Kazakhstan targets on China customs figures (targets.csv, as of 2026):
    met: 35 bn/2030, 40 bn/2030, 40 bn agreed (41.0 in 2023) = 3;
    missed: the three 40 bn targets for 2015/2015/2020 (reached only in 2023) = 3;
    open, assumed 2030: doubling needs 11.0% < 13.2% → on track (1); the two 100 bn targets need
    15.5% > 13.2% → off track (2); "significantly increase" has no number → not assessable (1).
    """
    status = target_status(load_targets(), obs, as_of_year=2026)
    pair_rows = status[status["pair"] == "CHN-KAZ"]
    assert targets_summary(pair_rows, "CHN") == (
        "Of 10 declared targets, judged on China customs (GACC) figures: 3 met, 3 missed, "
        "1 on track, 2 off track and 1 not assessable."
    )
    assert targets_summary(pair_rows, "USA") == (
        "No declared targets can be judged on United States statistics figures."
    )


def test_uploaded_summary():
    up = parse_upload(
        b"year,value,unit,label\n2021,25,USD billion,**Mine**\n2023,41,USD billion,**Mine**\n"
    )
    assert isinstance(up, UploadedSeries)
    assert uploaded_summary(up) == (
        "Your series \u201c**Mine**\u201d has total trade for 2 years, 2021 to 2023; the latest "
        "is $41.0 bn in 2023."
    )
    html = markdown_it.MarkdownIt("commonmark").render(to_markdown(uploaded_summary(up)))
    assert "<strong>" not in html and "$41.0 bn" in html


def test_to_markdown_keeps_dollar_signs_literal(obs):
    """Two "$" in one sentence would be read as LaTeX by Streamlit; escaped, they are text."""
    text = to_markdown(tracker_summary(track(obs, TrackerInputs(PAIR, "CHN"))))
    assert "\\$48\\.7 bn" in text and "\\$87\\.6 bn" in text
    html = markdown_it.MarkdownIt("commonmark").render(text)
    assert "$48.7 bn in 2025" in html


def test_probability_summary_on_the_defaults():
    """Defaults on China's figures: recent trend 13.25%, estimated sigma 21.37% (12 intervals):
    P(2030 >= 87.64) = 52.9% -> "53%"; 50% first reached in 2030, 90% in 2038 (2037: 88.9%,
    2038: 90.9%; worked out in test_app's test_uncertainty_kpis_and_required_preset)."""
    from dashboard.analysis.outlook import assess
    from dashboard.analysis.tracker import TrackerInputs, track
    from dashboard.ingest.snapshot import load_observations
    from dashboard.model import Pair
    from dashboard.report.sentences import probability_summary

    result = track(load_observations(), TrackerInputs(Pair("CHN", "KAZ"), "CHN"))
    text = probability_summary(assess(result).projection)
    assert text == (
        "On these assumptions the chance that trade is at or above $87.6 bn in 2030 is 53%; "
        "it passes 50% in 2030 and 90% in 2038."
    )
    low = probability_summary(assess(track(load_observations(), TrackerInputs(
        Pair("CHN", "KAZ"), "CHN", growth=0.0))).projection)  # fmt: skip
    assert "stays below 50% through 2050" in low


def test_coverage_never_says_statistics_twice():
    """Kazakhstan's basis is named "Kazakhstan statistics (BNS)": the sentence must not add a
    second "statistics"; one figure (2024) is "One total-trade figure"."""
    from dashboard.report.sentences import coverage_summary

    obs = pd.DataFrame(
        [{"reporter": "KAZ", "partner": "CHN", "flow": "total", "year": 2024, "value_usd": 1e9}]
    )
    text = coverage_summary(obs, "KAZ", "CHN")
    assert "statistics statistics" not in text and "(BNS) statistics" not in text
    assert text == "One total-trade figure on Kazakhstan statistics (BNS), for 2024."


def test_one_year_growth_is_singular():
    from dashboard.analysis.growth import recent_cagr

    described = recent_cagr(pd.Series([10.0, 11.0], index=[2024, 2025])).describe()
    assert described == "CAGR 2024–2025 (1 year)"
