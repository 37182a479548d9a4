"""Growth arithmetic, checked against numbers worked out by hand."""

import math

import pandas as pd
import pytest

from dashboard.analysis.growth import (
    cagr,
    cagr_between,
    first_year_reached,
    long_run_cagr,
    progress,
    recent_cagr,
    required_cagr,
    scenario_path,
    yoy_growth,
)

# A small series with gaps: 2013, 2017 (4-year gap), 2018, 2021..2023.
SERIES = pd.Series(
    {2013: 28.5, 2017: 18.0, 2018: 19.88, 2021: 25.0, 2022: 31.2, 2023: 41.0}, dtype=float
)


def test_cagr_two_years():
    """100 -> 121 over 2 years: 1.21 ** 0.5 = 1.1, so 10% a year."""
    assert cagr(100, 121, 2) == pytest.approx(0.10)


def test_cagr_across_a_gap_uses_the_year_distance():
    """2013 -> 2017: (18.0 / 28.5) ** (1/4) - 1; ln(0.63158) = -0.45954, / 4 = -0.114885,
    exp(-0.114885) = 0.89147, so -0.10853 a year."""
    w = cagr_between(SERIES, 2013, 2017)
    assert (w.start_year, w.end_year, w.years) == (2013, 2017, 4)
    assert w.rate == pytest.approx(-0.10853, abs=1e-5)


def test_cagr_rejects_bad_inputs():
    with pytest.raises(ValueError):
        cagr(100, 121, 0)
    with pytest.raises(ValueError):
        cagr(0, 121, 2)
    with pytest.raises(KeyError, match="2015"):
        cagr_between(SERIES, 2015, 2017)


def test_yoy_growth_only_for_consecutive_years():
    """2018/2017 = 19.88/18 - 1 = 0.10444; 2022/2021 = 31.2/25 - 1 = 0.248;
    2017 has no 2016 observation, so its growth is missing (not the 4-year change)."""
    g = yoy_growth(SERIES)
    assert g[2018] == pytest.approx(0.104444, abs=1e-6)
    assert g[2022] == pytest.approx(0.248)
    assert math.isnan(g[2017]) and math.isnan(g[2013]) and math.isnan(g[2021])


def test_recent_and_long_run_windows():
    """Latest 2023; 10-year window starts at the first observation >= 2013, i.e. 2013:
    (41/28.5) ** (1/10) - 1 = 1.438596 ** 0.1 - 1 = 0.03704.
    With a 5-year window the first observation >= 2018 is 2018: (41/19.88) ** (1/5) - 1 = 0.15577.
    """
    assert recent_cagr(SERIES).rate == pytest.approx(0.03704, abs=1e-5)
    w5 = recent_cagr(SERIES, window_years=5)
    assert (w5.start_year, w5.end_year) == (2018, 2023)
    assert w5.rate == pytest.approx(0.15577, abs=1e-5)
    assert long_run_cagr(SERIES).start_year == 2013


def test_recent_window_with_only_the_latest_inside_uses_the_previous_point():
    s = pd.Series({2000: 10.0, 2020: 20.0})
    w = recent_cagr(s, window_years=5)
    assert (w.start_year, w.end_year) == (2000, 2020)


def test_required_cagr_doubling_in_five_years():
    """Doubling in 5 years: 2 ** 0.2 - 1 = 0.148698."""
    assert required_cagr(50, 100, 5) == pytest.approx(0.148698, abs=1e-6)


def test_scenario_path_and_year_reached():
    """48.7 at 10%: 2026 53.57, 2027 58.927, ... reaches 87.64 when 1.1**n >= 1.79959,
    n >= ln(1.79959)/ln(1.1) = 6.166, so in 2025 + 7 = 2032."""
    path = scenario_path(2025, 48.7, 0.10, 2050)
    assert path["year"].iloc[0] == 2025 and path["value_usd"].iloc[0] == 48.7
    assert path.loc[path.year == 2027, "value_usd"].item() == pytest.approx(58.927)
    assert first_year_reached(path, 87.64) == 2032
    assert first_year_reached(scenario_path(2025, 48.7, 0.0), 87.64) is None


def test_path_built_at_required_rate_hits_target_in_target_year():
    g = required_cagr(48.7, 87.64, 5)
    assert first_year_reached(scenario_path(2025, 48.7, g), 87.64) == 2030


def test_progress():
    """48.7 / 87.64 = 0.55568."""
    assert progress(48.7, 87.64) == pytest.approx(0.55568, abs=1e-5)
