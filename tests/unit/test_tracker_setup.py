"""From control values to the scenario: presets, custom growth, volatility and shock, by hand."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from dashboard.analysis.scenario import Controls, resolve
from dashboard.analysis.tracker import ScenarioError
from dashboard.model import Pair

PAIR = Pair("CHN", "KAZ")
#: 20 -> 40 over 2014-2024: long-run CAGR 2^(1/10) - 1 = 7.1773%.
SERIES = pd.Series({2014: 20e9, 2019: 30e9, 2024: 40e9}, dtype=float)
BASE = Controls(
    basis="CHN", base_year=2024, multiple=2.0, target_year=2030, preset="custom", growth=12.5,
    vol_manual=False, volatility=30.0, method="closed", compare=False, shock_year=2027,
    shock_size=0.0,
)  # fmt: skip


def with_(**changes) -> Controls:
    return dataclasses.replace(BASE, **changes)


def test_custom_growth_takes_the_slider_value():
    """Custom: 12.5 on the slider is 0.125 a year; no shock (size 0), volatility estimated."""
    s = resolve(PAIR, "CHN", SERIES, BASE)
    assert s.growth.rate == pytest.approx(0.125)
    assert s.growth.preset == "custom"
    assert s.inputs.base_year == 2024 and s.inputs.multiple == 2.0
    assert s.inputs.target_year == 2030
    assert s.inputs.shock_year is None and s.inputs.shock_size == 0.0
    assert s.volatility is None
    assert s.method == "closed" and s.compare is False


def test_required_preset_ignores_the_slider():
    """Target 2 x 40 = 80 bn in 2030 from 40 bn in 2024: 2^(1/6) - 1 = 12.2462% a year, whatever
    the growth slider holds."""
    s = resolve(PAIR, "CHN", SERIES, with_(preset="required", growth=-3.0))
    assert s.growth.rate == pytest.approx(2 ** (1 / 6) - 1, abs=1e-12)
    assert s.growth.preset == "required"
    assert s == resolve(PAIR, "CHN", SERIES, with_(preset="required", growth=25.0))


def test_long_run_preset_uses_the_whole_history():
    """2014 -> 2024 doubled: 2^(1/10) - 1 = 7.1773% a year; the label names the window."""
    s = resolve(PAIR, "CHN", SERIES, with_(preset="long_run"))
    assert s.growth.rate == pytest.approx(2 ** (1 / 10) - 1, abs=1e-12)
    assert "2014" in s.growth.label and "2024" in s.growth.label


def test_volatility_by_hand_and_shock():
    """30 on the volatility slider by hand is 0.30; a -20 shock in 2027 is (2027, -0.20)."""
    s = resolve(PAIR, "CHN", SERIES, with_(vol_manual=True, shock_size=-20.0))
    assert s.volatility == pytest.approx(0.30)
    assert s.inputs.shock_year == 2027
    assert s.inputs.shock_size == pytest.approx(-0.20)


def test_values_that_do_not_matter_do_not_change_the_scenario():
    """The page compares two resolutions to decide whether its early chart is right: a shock
    year without a size, or a volatility slider that is not in use, must not count."""
    assert resolve(PAIR, "CHN", SERIES, BASE) == resolve(
        PAIR, "CHN", SERIES, with_(shock_year=2040, volatility=5.0)
    )
    assert resolve(PAIR, "CHN", SERIES, BASE) != resolve(PAIR, "CHN", SERIES, with_(growth=12.6))


def test_base_year_without_an_observation_raises_the_projects_own_error():
    """Issue #12: the page catches only ScenarioError, so a bad choice must raise that (a bare
    KeyError or ValueError would be indistinguishable from a bug)."""
    with pytest.raises(ScenarioError, match="base year 2020"):
        resolve(PAIR, "CHN", SERIES, with_(base_year=2020))
    with pytest.raises(ScenarioError, match="after the latest observation"):
        resolve(PAIR, "CHN", SERIES, with_(preset="recent", target_year=2020))


def test_controls_name_the_widget_keys():
    """The page reads the session by these names: they must be the widgets' keys."""
    assert Controls.widget_keys() == (
        "basis", "base_year", "multiple", "target_year", "preset", "growth", "vol_manual",
        "volatility", "method", "compare", "shock_year", "shock_size", "target",
    )  # fmt: skip
