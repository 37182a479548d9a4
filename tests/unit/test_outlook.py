"""The tracker's uncertainty wiring: where volatility comes from; when it cannot be estimated."""

import pandas as pd
import pytest

from dashboard.analysis.outlook import FALLBACK_VOLATILITY, assess
from dashboard.analysis.tracker import ScenarioError, TrackerInputs, track
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair

CK = Pair("CHN", "KAZ")


def _obs(values: dict[int, float]) -> pd.DataFrame:
    rows = [
        {"reporter": "CHN", "partner": "KAZ", "year": y, "flow": "total", "value_usd": v,
         "qualifier": "reported", "source": "s", "source_url": "https://example.org",
         "published": "2020", "confidence": "high", "note": ""}
        for y, v in values.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_estimated_volatility_is_used_by_default():
    """China customs totals for 1992, 2008, 2010, 2011, 2013, 2017, 2018, 2019, 2021–2025: 13
    observations, so 12 intervals between them."""
    result = track(load_observations(), TrackerInputs(CK, "CHN"))
    outlook = assess(result)
    assert outlook.volatility_source == "estimated"
    assert outlook.volatility == pytest.approx(outlook.estimate.sigma)
    assert "12 intervals" in outlook.describe_volatility()


def test_too_little_history_falls_back_and_says_so():
    """Two observations give one interval: below the minimum of three."""
    result = track(_obs({2023: 100e9, 2024: 110e9}), TrackerInputs(CK, "CHN", base_year=2024))
    outlook = assess(result)
    assert outlook.volatility_source == "fallback"
    assert outlook.volatility == FALLBACK_VOLATILITY
    assert "assumption" in outlook.describe_volatility()
    with pytest.raises(ScenarioError, match="bootstrap needs at least 3 intervals"):
        assess(result, method="bootstrap")


def test_user_volatility_wins_and_comparison_uses_other_method():
    result = track(load_observations(), TrackerInputs(CK, "CHN"))
    outlook = assess(result, volatility=0.1, compare=True)
    assert outlook.volatility_source == "user" and outlook.volatility == 0.1
    assert outlook.projection.method == "closed" and outlook.comparison.method == "bootstrap"
