"""Tests for the uncertainty engine: the gap-aware volatility estimator, fans and target odds."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.analysis.growth import first_year_reached, required_cagr, scenario_path
from dashboard.analysis.uncertainty import (
    bootstrap_deviations,
    estimate_volatility,
    median_path,
    project,
    year_at_probability,
)

FAST = settings(max_examples=40, deadline=None)


def worked_series() -> pd.Series:
    """Logs (minus ln 100) 0, .1, .3, .2, .5 in 2000, 2001, 2005, 2006, 2007: one 4-year gap."""
    logs = {2000: 0.0, 2001: 0.1, 2005: 0.3, 2006: 0.2, 2007: 0.5}
    return pd.Series({y: 100 * math.exp(v) for y, v in logs.items()}, dtype=float)


# --------------------------------------------------------------------------------------------
# Volatility estimator
# --------------------------------------------------------------------------------------------


def test_estimator_hand_worked_example_with_a_gap():
    """Intervals (L, d): (1, .1), (4, .2), (1, -.1), (1, .3); per-year r = .1, .05, -.1, .3.

    mu = sum d / sum L = .5 / 7 = 1/14.
    r - mu = 1/35, -3/140, -6/35, 8/35.
    sum L (r - mu)^2 = 1/1225 + 4 * 9/19600 + 36/1225 + 64/1225 = 101/1225 + 9/4900 = 413/4900.
    sigma^2 = (413/4900) / (n - 1 = 3) = 413/14700 = 0.0280952..., sigma = 0.1676163...
    """
    est = estimate_volatility(worked_series())
    assert est.usable
    assert est.n_intervals == 4
    assert est.years_covered == 7
    assert est.mean_log_growth == pytest.approx(1 / 14, rel=1e-12)
    assert est.sigma**2 == pytest.approx(413 / 14700, rel=1e-12)
    assert est.sigma == pytest.approx(0.1676163, rel=1e-6)
    iv = est.intervals
    assert list(iv.columns) == [
        "start_year",
        "end_year",
        "years",
        "log_change",
        "annual_log_growth",
    ]
    assert iv["years"].tolist() == [1, 4, 1, 1]
    assert iv["start_year"].tolist() == [2000, 2001, 2005, 2006]
    np.testing.assert_allclose(iv["log_change"], [0.1, 0.2, -0.1, 0.3], atol=1e-12)
    np.testing.assert_allclose(iv["annual_log_growth"], [0.1, 0.05, -0.1, 0.3], atol=1e-12)
    assert est.first_year == 2000 and est.last_year == 2007
    assert "16.8%" in est.describe()


@FAST
@given(st.lists(st.floats(-0.5, 0.5), min_size=3, max_size=30))
def test_estimator_without_gaps_is_the_sample_std(log_growths):
    """With consecutive years every L_i = 1 and the estimator is the ordinary ddof=1 std."""
    logs = np.concatenate([[0.0], np.cumsum(log_growths)])
    series = pd.Series(np.exp(logs) * 1e9, index=range(1990, 1990 + len(logs)))
    est = estimate_volatility(series)
    assert est.usable
    assert est.sigma == pytest.approx(np.std(log_growths, ddof=1), rel=1e-7, abs=1e-12)
    assert est.mean_log_growth == pytest.approx(np.mean(log_growths), abs=1e-12)


def test_estimator_is_unbiased_on_gappy_random_walks():
    """On the China–Kazakhstan gap pattern (lengths 16,2,3,4,1,3,1,1,1,1) the mean of sigma_hat^2
    over 1000 simulated random walks with sigma = 0.2 is 0.04. Its standard error is
    0.04 * sqrt(2/9) / sqrt(1000) = 0.0006, so 5% (0.002) is over 3 SE; the reliability-weights
    formula would average about 0.015 and fail.
    """
    rng = np.random.default_rng(7)
    years = np.array([1992, 2008, 2010, 2013, 2017, 2018, 2021, 2022, 2023, 2024, 2025])
    lengths = np.diff(years)
    variances = []
    for _ in range(1000):
        steps = rng.normal(0.1 * lengths, 0.2 * np.sqrt(lengths))
        logs = np.concatenate([[0.0], np.cumsum(steps)])
        est = estimate_volatility(pd.Series(np.exp(logs), index=years))
        variances.append(est.sigma**2)
    assert np.mean(variances) == pytest.approx(0.04, rel=0.05)


def test_estimator_flags_too_few_intervals_and_start_year_restricts():
    """From 2005 on only 2005, 2006, 2007 remain: 2 intervals, so no sigma, but mu = (.5-.3)/2."""
    est = estimate_volatility(worked_series(), start_year=2005)
    assert not est.usable
    assert est.sigma is None
    assert est.n_intervals == 2
    assert est.mean_log_growth == pytest.approx(0.1, abs=1e-12)
    assert "only 2 intervals" in est.reason
    assert "from 2005" in est.reason
    assert "not estimated" in est.describe()


def test_estimator_drops_missing_values_and_rejects_bad_ones():
    s = worked_series()
    s[2003] = np.nan
    assert estimate_volatility(s).sigma == pytest.approx(0.1676163, rel=1e-6)

    zero = worked_series()
    zero[2006] = 0.0
    est = estimate_volatility(zero)
    assert not est.usable and "2006" in est.reason

    dup = pd.concat([worked_series(), pd.Series({2001: 5.0})])
    with pytest.raises(ValueError, match="duplicate years in series: 2001"):
        estimate_volatility(dup)

    single = estimate_volatility(pd.Series({2020: 1.0}))
    assert not single.usable and single.mean_log_growth is None and single.n_intervals == 0


# --------------------------------------------------------------------------------------------
# Closed form
# --------------------------------------------------------------------------------------------


def test_closed_form_one_year_by_hand():
    """value0 = 100, g = 10%, sigma = 0.2, one year ahead: ln V1 ~ N(ln 110, 0.2^2).

    Percentiles 110 * exp(z * 0.2) with z10 = -1.2815516, z25 = -0.6744898:
    p10 = 85.129196, p25 = 96.118559, p50 = 110, p75 = 125.886199, p90 = 142.136900.
    P(V1 >= 120) = Phi(ln(110/120) / 0.2) = Phi(-0.4350569) = 0.3317606.
    Four years ahead: median 146.41, sd 0.2 * 2 = 0.4, P(V4 >= 150) = Phi(-0.0605610) = 0.4758544.
    """
    proj = project(2025, 100.0, 0.10, 0.2, target_value=120.0, target_year=2026, horizon=2029)
    row = proj.fan.set_index("year").loc[2026]
    assert row["p10"] == pytest.approx(85.129196, rel=1e-7)
    assert row["p25"] == pytest.approx(96.118559, rel=1e-7)
    assert row["p50"] == pytest.approx(110.0, rel=1e-12)
    assert row["p75"] == pytest.approx(125.886199, rel=1e-7)
    assert row["p90"] == pytest.approx(110 * math.exp(1.2815516 * 0.2), rel=1e-7)
    assert proj.probability_at_target_year == pytest.approx(0.3317606, abs=1e-7)

    proj4 = project(2025, 100.0, 0.10, 0.2, target_value=150.0, target_year=2029, horizon=2029)
    assert proj4.fan.iloc[-1]["p50"] == pytest.approx(146.41, rel=1e-12)
    assert proj4.probability_at_target_year == pytest.approx(0.4758544, abs=1e-7)


def test_projection_shapes_and_start_row():
    proj = project(2025, 50e9, 0.08, 0.15, 100e9, 2030)
    assert list(proj.fan.columns) == ["year", "p10", "p25", "p50", "p75", "p90"]
    assert proj.fan["year"].tolist() == list(range(2025, 2051))
    assert (proj.fan.iloc[0, 1:] == 50e9).all()  # the band leaves from the last observation
    assert proj.curve["year"].tolist() == list(range(2026, 2051))
    at_2030 = proj.curve.set_index("year").loc[2030, "probability"]
    assert proj.probability_at_target_year == at_2030
    assert proj.method == "closed" and proj.volatility == 0.15 and proj.n_paths is None


@FAST
@given(
    g=st.floats(-0.3, 0.4),
    dg=st.floats(0.001, 0.2),
    sigma=st.floats(0.01, 0.6),
    target_multiple=st.floats(0.5, 5.0),
)
def test_probability_rises_with_growth(g, dg, sigma, target_multiple):
    low = project(2025, 1e9, g, sigma, target_multiple * 1e9, 2035)
    high = project(2025, 1e9, g + dg, sigma, target_multiple * 1e9, 2035)
    assert (high.curve["probability"].to_numpy() >= low.curve["probability"].to_numpy()).all()
    # strictly, wherever the probability is not saturated at 0 or 1
    free = (low.curve["probability"] > 1e-12) & (high.curve["probability"] < 1 - 1e-12)
    assert (high.curve["probability"][free] > low.curve["probability"][free]).all()


@FAST
@given(
    g=st.floats(-0.3, 0.4),
    sigma=st.floats(0.01, 0.6),
    target=st.floats(0.2, 5.0),
    bump=st.floats(1.01, 3.0),
)
def test_probability_falls_with_target(g, sigma, target, bump):
    easy = project(2025, 1.0, g, sigma, target, 2030)
    hard = project(2025, 1.0, g, sigma, target * bump, 2030)
    assert (hard.curve["probability"].to_numpy() <= easy.curve["probability"].to_numpy()).all()
    assert hard.probability_at_target_year <= easy.probability_at_target_year


@FAST
@given(
    g=st.floats(-0.5, 0.5),
    sigma=st.floats(0.0, 1.0),
    shock=st.floats(-0.9, 1.0),
    method=st.sampled_from(["closed", "bootstrap"]),
)
def test_percentiles_are_ordered(g, sigma, shock, method):
    history = np.random.default_rng(1).normal(0.0, 0.2, 12)
    proj = project(
        2025,
        10.0,
        g,
        sigma,
        20.0,
        2030,
        method=method,
        shock_year=2028,
        shock_size=shock,
        n_paths=500,
        historical_log_growth=history,
    )
    q = proj.fan[["p10", "p25", "p50", "p75", "p90"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-9 * q[:, 1:]).all()
    assert ((proj.curve["probability"] >= 0) & (proj.curve["probability"] <= 1)).all()


@FAST
@given(
    value0=st.floats(1e6, 1e12),
    multiple=st.floats(0.3, 6.0),
    years=st.integers(1, 25),
)
def test_required_growth_with_tiny_volatility_gives_even_odds(value0, multiple, years):
    """The median path hits the target exactly in the target year, so P = 1/2 there."""
    target = value0 * multiple
    g = required_cagr(value0, target, years)
    proj = project(2025, value0, g, 1e-9, target, 2025 + years)
    assert proj.probability_at_target_year == pytest.approx(0.5, abs=1e-3)


@FAST
@given(
    g=st.floats(-0.2, 0.3),
    shock_year=st.one_of(st.none(), st.integers(2026, 2050)),
    shock=st.floats(-0.6, 0.5),
    multiple=st.floats(0.5, 4.0),
)
def test_zero_volatility_fan_is_the_deterministic_path(g, shock_year, shock, multiple):
    """sigma = 0: every percentile equals scenario_path (times 1 + shock from the shock year)."""
    proj = project(
        2025, 40e9, g, 0.0, 40e9 * multiple, 2030, shock_year=shock_year, shock_size=shock
    )
    expected = scenario_path(2025, 40e9, g)
    if shock_year is not None:
        expected.loc[expected["year"] >= shock_year, "value_usd"] *= 1 + shock
    for col in ("p10", "p25", "p50", "p75", "p90"):
        np.testing.assert_allclose(proj.fan[col], expected["value_usd"], rtol=1e-12)
    np.testing.assert_allclose(
        median_path(2025, 40e9, g, shock_year=shock_year, shock_size=shock)["value_usd"],
        expected["value_usd"],
        rtol=1e-12,
    )
    # Probabilities are 0/1 and agree with the first year the path reaches the target.
    future = expected[expected["year"] > 2025]
    reached = future["value_usd"] >= 40e9 * multiple * (1 - 1e-9)
    np.testing.assert_array_equal(proj.curve["probability"], reached.astype(float))
    if shock_year is None:
        assert proj.year_50 == first_year_reached(future, 40e9 * multiple)


@pytest.mark.parametrize("method", ["closed", "bootstrap"])
def test_shock_lowers_the_median_by_exactly_its_size_from_the_shock_year(method):
    history = np.random.default_rng(3).normal(0.05, 0.2, 30)
    common = dict(
        latest_year=2024,
        latest_value=43.82e9,
        growth=0.08,
        volatility=0.2,
        target_value=87.64e9,
        target_year=2030,
        method=method,
        historical_log_growth=history,
        seed=11,
    )
    base = project(**common)
    hit = project(**common, shock_year=2027, shock_size=-0.30)
    before = base.fan["year"] < 2027
    for col in ("p10", "p50", "p90"):
        np.testing.assert_array_equal(hit.fan.loc[before, col], base.fan.loc[before, col])
        ratio = hit.fan.loc[~before, col] / base.fan.loc[~before, col]
        np.testing.assert_allclose(ratio, 0.70, rtol=1e-12)
    assert hit.probability_at_target_year < base.probability_at_target_year
    assert hit.shock_year == 2027 and hit.shock_size == -0.30
    # A zero-size shock, or no shock year, is no shock at all.
    same = project(**common, shock_year=2027, shock_size=0.0)
    pd.testing.assert_frame_equal(same.fan, base.fan)
    assert same.shock_year is None


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_bootstrap_agrees_with_closed_form_on_normal_history(data_seed):
    """40 normal annual log growths (sd 0.15). The standardized bootstrap resamples deviations
    whose variance is exactly the sample's sigma_hat^2, so against the closed form with that same
    sigma_hat the only differences after h = 10 years are:

    * Monte Carlo error: a quantile's SE is sqrt(p(1-p)/N) / phi(z_p) sd units (0.0171 for p10/p90,
      0.0125 for p50 at N = 10,000); a probability's SE is sqrt(P(1-P)/N) <= 0.005;
    * shape: the 40-point history's skewness g1 leaves g1/sqrt(h) in the 10-year sum, which moves
      quantiles by about g1/(6 sqrt h) |z^2 - 1| sd units (Cornish–Fisher) and P by about
      phi(x) g1/(6 sqrt h) |x^2 - 1| (Edgeworth).

    Tolerance = 4 SE + the shape term + 0.01 sd for kurtosis.
    """
    n_paths, h = 10_000, 10
    history = np.random.default_rng(data_seed).normal(0.05, 0.15, 40)
    sigma = float(np.std(history, ddof=1))
    dev = history - history.mean()
    skew = float(np.mean(dev**3) / np.mean(dev**2) ** 1.5)
    args = dict(
        latest_year=2025,
        latest_value=50e9,
        growth=0.07,
        volatility=sigma,
        target_value=90e9,
        target_year=2025 + h,
    )
    closed = project(**args)
    boot = project(
        **args, method="bootstrap", historical_log_growth=history, n_paths=n_paths, seed=123
    )
    assert boot.volatility == pytest.approx(sigma, rel=1e-12)
    sd_h = sigma * math.sqrt(h)
    c_row = closed.fan.set_index("year").loc[2025 + h]
    b_row = boot.fan.set_index("year").loc[2025 + h]
    for col, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        z = NormalDist().inv_cdf(p)
        se = math.sqrt(p * (1 - p) / n_paths) / NormalDist().pdf(z)
        shape = abs(skew) / (6 * math.sqrt(h)) * max(abs(z * z - 1), 1.0)
        tol = (4 * se + shape + 0.01) * sd_h
        assert abs(math.log(b_row[col] / c_row[col])) <= tol, col
    p_c = closed.probability_at_target_year
    x = NormalDist().inv_cdf(p_c)
    tol_p = (
        4 * math.sqrt(p_c * (1 - p_c) / n_paths)
        + NormalDist().pdf(x) * abs(skew) / (6 * math.sqrt(h)) * abs(x * x - 1)
        + 0.005
    )
    assert abs(boot.probability_at_target_year - p_c) <= tol_p


def test_bootstrap_is_reproducible_with_a_seed():
    history = np.random.default_rng(5).normal(0.05, 0.2, 25)
    args = dict(
        latest_year=2025,
        latest_value=48.7e9,
        growth=0.1,
        volatility=None,
        target_value=87.64e9,
        target_year=2030,
        method="bootstrap",
        historical_log_growth=history,
        n_paths=2_000,
    )
    a = project(**args, seed=42)
    b = project(**args, seed=42)
    c = project(**args, seed=43)
    pd.testing.assert_frame_equal(a.fan, b.fan)
    pd.testing.assert_frame_equal(a.curve, b.curve)
    assert a.seed == 42 and a.n_paths == 2_000
    assert not a.fan.equals(c.fan)


def test_bootstrap_deviations_on_the_worked_example():
    """Per-year rates .1, .05, -.1, .3 with lengths 1, 4, 1, 1; mu = 1/14.

    'length': deviations r - mu = 1/35, -3/140, -6/35, 8/35 with probabilities (1, 4, 1, 1)/7;
    their weighted mean is 0 and weighted variance (413/4900)/7 = 0.0120408, i.e. (n-1)/sum(L)
    = 3/7 of sigma_hat^2: the narrowing the default scheme avoids.
    'standardized': (r - mu) sqrt(L) = 1/35, -3/70, -6/35, 8/35, re-centred and scaled to mean 0
    and variance sigma_hat^2 = 413/14700, drawn uniformly.
    """
    est = estimate_volatility(worked_series())
    dev, p = bootstrap_deviations(est, scheme="length")
    np.testing.assert_allclose(dev, [1 / 35, -3 / 140, -6 / 35, 8 / 35], atol=1e-12)
    np.testing.assert_allclose(p, [1 / 7, 4 / 7, 1 / 7, 1 / 7], atol=1e-15)
    assert np.sum(p * dev) == pytest.approx(0.0, abs=1e-15)
    assert np.sum(p * dev**2) == pytest.approx(413 / 4900 / 7, rel=1e-12)

    dev, p = bootstrap_deviations(est)
    assert p is None
    raw = np.array([1 / 35, -3 / 70, -6 / 35, 8 / 35])
    centred = raw - raw.mean()
    np.testing.assert_allclose(dev / np.linalg.norm(dev), centred / np.linalg.norm(centred))
    assert dev.mean() == pytest.approx(0.0, abs=1e-15)
    assert np.mean(dev**2) == pytest.approx(413 / 14700, rel=1e-12)

    # The bootstrap's median follows the user's growth, not history's (mu = 7.1% a year).
    proj = project(
        2007,
        100.0,
        0.0,
        None,
        100.0,
        2030,
        method="bootstrap",
        historical_log_growth=est,
        n_paths=20_000,
    )
    medians = proj.fan.set_index("year")["p50"]
    assert abs(math.log(medians[2030] / 100.0)) < 0.05  # vs 23 * 1/14 = 1.64 if not re-centred


def test_bootstrap_two_point_history_by_hand():
    """History .3, -.1, .3, -.1 (consecutive years): mean .1, deviations +-.2, times
    sqrt(n/(n-1)) = sqrt(4/3) gives +-0.2309401 (variance = sample variance 0.0533333).
    With zero growth each year moves ln V by +-0.2309401 with probability 1/2, so one year ahead
    p10 = 100 exp(-0.2309401) = 79.380, p90 = 100 exp(0.2309401) = 125.978, and
    P(V1 >= 100) = share of up-moves = 0.5 +- 4 sqrt(.25/10000) = 0.5 +- 0.02. Two years ahead
    the outcomes are -.46188 (1/4), 0 (1/2), +.46188 (1/4), so P(V2 >= 100) is about 3/4.
    """
    proj = project(
        2025,
        100.0,
        0.0,
        None,
        100.0,
        2027,
        method="bootstrap",
        historical_log_growth=[0.3, -0.1, 0.3, -0.1],
        n_paths=10_000,
        seed=9,
    )
    one = proj.fan.set_index("year").loc[2026]
    assert one["p10"] == pytest.approx(100 * math.exp(-0.2309401), rel=1e-6)
    assert one["p90"] == pytest.approx(100 * math.exp(0.2309401), rel=1e-6)
    prob = proj.curve.set_index("year")["probability"]
    assert prob[2026] == pytest.approx(0.5, abs=0.02)
    assert prob[2027] == pytest.approx(0.75, abs=4 * math.sqrt(0.75 * 0.25 / 10_000))
    assert proj.volatility == pytest.approx(0.2309401, rel=1e-6)


def test_constant_history_gives_a_degenerate_bootstrap():
    """All history rates equal: no deviations, so every path is the scenario path; a target set
    exactly on the path (10 * 1.05^5 in 2030) counts as reached from 2030 on, never before."""
    target = 10.0 * 1.05**5
    proj = project(
        2025,
        10.0,
        0.05,
        None,
        target,
        2030,
        method="bootstrap",
        historical_log_growth=[0.1, 0.1, 0.1],
        n_paths=200,
    )
    expected = scenario_path(2025, 10.0, 0.05)["value_usd"]
    np.testing.assert_allclose(proj.fan["p10"], expected, rtol=1e-12)
    np.testing.assert_allclose(proj.fan["p90"], expected, rtol=1e-12)
    assert proj.volatility == 0.0
    prob = proj.curve.set_index("year")["probability"]
    assert prob.loc[2026:2032].tolist() == [0, 0, 0, 0, 1, 1, 1]


# --------------------------------------------------------------------------------------------
# Probability levels and input errors
# --------------------------------------------------------------------------------------------


def test_year_at_probability():
    curve = pd.DataFrame({"year": [2026, 2027, 2028, 2029], "probability": [0.2, 0.5, 0.4, 0.95]})
    assert year_at_probability(curve, 0.5) == 2027
    assert year_at_probability(curve, 0.9) == 2029
    assert year_at_probability(curve, 0.99) is None
    with pytest.raises(ValueError, match="probability level"):
        year_at_probability(curve, 0.0)


def test_year_50_and_90_from_project():
    """Closed form, g = 10%, sigma = 0.1, target 2 x value0: P(V_t >= 2) = Phi((t ln 1.1 - ln 2) /
    (0.1 sqrt t)). At t = 7: (0.667171 - 0.693147)/0.264575 = -0.098 -> 0.46; t = 8: (0.762480 -
    0.693147)/0.282843 = 0.245 -> 0.597, so year_50 = 2033. P >= 0.9 needs x >= 1.2816: t = 12
    gives (1.143721 - 0.693147)/0.346410 = 1.3007 -> 0.903 and t = 11 gives (1.048410 - 0.693147)
    / 0.331662 = 1.0712 -> 0.858, so year_90 = 2037.
    """
    proj = project(2025, 1.0, 0.10, 0.10, 2.0, 2030)
    assert proj.year_50 == 2033
    assert proj.year_90 == 2037


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"volatility": -0.1}, "volatility must be zero or positive"),
        ({"growth": -1.0}, "growth must be above -100%"),
        ({"growth": float("nan")}, "growth must be a number"),
        ({"shock_size": -1.0, "shock_year": 2027}, "size must be above -100%"),
        ({"shock_size": -0.3, "shock_year": 2025}, "shock year 2025 must be after"),
        ({"method": "bootstrap"}, "the bootstrap needs historical growth rates"),
        ({"method": "monte"}, "method must be 'closed' or 'bootstrap'"),
        ({"target_year": 2025}, "target year 2025 must be after"),
        ({"target_year": 2051}, "no later than 2050"),
        ({"target_value": 0.0}, "target value must be a positive"),
        ({"latest_value": -5.0}, "latest value must be a positive"),
        ({"volatility": None}, "closed-form method needs a volatility"),
        ({"method": "bootstrap", "historical_log_growth": [0.1, 0.2]}, "at least 3"),
        ({"method": "bootstrap", "historical_log_growth": [0.1] * 5, "n_paths": 10}, "100 paths"),
        (
            {"method": "bootstrap", "historical_log_growth": [0.1] * 5, "bootstrap_scheme": "wild"},
            "scheme must be",
        ),
    ],
)
def test_invalid_inputs_raise_clear_errors(change, message):
    args = dict(
        latest_year=2025,
        latest_value=48.7e9,
        growth=0.1,
        volatility=0.2,
        target_value=87.64e9,
        target_year=2030,
    )
    args.update(change)
    with pytest.raises(ValueError, match=message):
        project(**args)


def test_bootstrap_rejects_an_unusable_estimate_with_its_reason():
    est = estimate_volatility(worked_series(), start_year=2005)
    with pytest.raises(ValueError, match="at least 3 historical growth intervals, got 2"):
        project(2007, 1.0, 0.1, None, 2.0, 2030, method="bootstrap", historical_log_growth=est)
