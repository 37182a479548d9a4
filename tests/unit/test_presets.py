"""Tests for the growth scenario presets and their window labels."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analysis.scenario import PRESET_KEYS, scenario_presets


def gappy_series() -> pd.Series:
    """$100 bn in 2010, 200 in 2015, 300 in 2020, 400 in 2024 (gaps in between)."""
    return pd.Series({2010: 100e9, 2015: 200e9, 2020: 300e9, 2024: 400e9}, dtype=float)


def test_presets_by_hand():
    """Long-run: 4^(1/14) - 1 = 0.1040895 (2010–2024).
    Recent: the ten-year window from 2014 starts at the first observation inside it, 2015:
    2^(1/9) - 1 = 0.0800597 (2015–2024).
    Required to reach $800 bn in 2030 from $400 bn in 2024: 2^(1/6) - 1 = 0.1224620.
    Custom starts at the recent rate.
    """
    presets = scenario_presets(gappy_series(), 800e9, 2030)
    assert tuple(presets) == PRESET_KEYS
    assert presets["long_run"].growth == pytest.approx(0.1040895, abs=1e-7)
    assert presets["long_run"].label == "Long-run: CAGR 2010–2024 (14 years)"
    assert presets["recent"].growth == pytest.approx(0.0800597, abs=1e-7)
    assert presets["recent"].label == "Recent: CAGR 2015–2024 (9 years)"
    assert presets["required"].growth == pytest.approx(0.1224620, abs=1e-7)
    assert presets["required"].label == "Required: CAGR 2024–2030 (6 years) to reach $800.0 bn"
    assert presets["custom"].growth == presets["recent"].growth
    assert "your own rate" in presets["custom"].label
    assert presets["recent"].window is not None and presets["recent"].window.start_year == 2015
    assert presets["custom"].window is None


def test_presets_ignore_missing_values_and_unsorted_input():
    s = gappy_series()
    s[2012] = float("nan")
    presets = scenario_presets(s.iloc[::-1], 800e9, 2030)
    assert presets["long_run"].growth == pytest.approx(0.1040895, abs=1e-7)


@pytest.mark.parametrize(
    ("series", "target", "year", "message"),
    [
        (pd.Series({2024: 1.0}), 2.0, 2030, "at least two observations"),
        (gappy_series(), 0.0, 2030, "target value must be positive"),
        (gappy_series(), 800e9, 2024, "target year 2024 must be after"),
    ],
)
def test_preset_errors(series, target, year, message):
    with pytest.raises(ValueError, match=message):
        scenario_presets(series, target, year)
