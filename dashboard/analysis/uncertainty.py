"""How uncertain is a scenario? Volatility from gappy history, fan charts and target odds.

A scenario path says what happens if trade grows at exactly ``g`` a year. Real trade does not: it
jumps with commodity prices, sanctions and border closures. This module puts a band around the
user's path and turns it into a probability of meeting the target, in two ways:

* ``closed``: annual log growth is normal with mean ``ln(1 + g)`` and standard deviation
  ``sigma`` (a random walk with drift in log value), so every percentile is a formula;
* ``bootstrap``: the same random walk, but each year's deviation from ``ln(1 + g)`` is resampled
  from the deviations actually seen in the history (fat tails and skew kept, no normality assumed).

In both, the user's path is the centre of the band: exactly the median in the closed form (half
the futures end above it, half below); in the bootstrap the resampled deviations have mean zero, so
its median follows the path up to sampling error and the history's skew.

"Probability of reaching the target by year T" means ``P(value in year T >= target)``: the chance
the target year's value meets it, NOT the chance the path touches the target at some point before
T (first passage, which is always at least as large).

Everything is pure numpy/pandas: no sampling in the closed form, one vectorised draw for the
bootstrap, no I/O. The tracker page and ``trade-dashboard scenario`` both call :func:`project`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from dashboard.analysis.growth import HORIZON_YEAR, REACH_TOLERANCE

#: Below this many intervals the estimate is too noisy to show; callers use a user-set volatility.
MIN_INTERVALS = 3
#: Percentiles of the fan, as column names and as probabilities.
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
)
FAN_COLUMNS: tuple[str, ...] = ("year", *(name for name, _ in PERCENTILES))
INTERVAL_COLUMNS: tuple[str, ...] = (
    "start_year",
    "end_year",
    "years",
    "log_change",
    "annual_log_growth",
)
Method = Literal["closed", "bootstrap"]
BootstrapScheme = Literal["standardized", "length"]

_NORMAL = NormalDist()
_Z = np.array([_NORMAL.inv_cdf(q) for _, q in PERCENTILES])
#: The fan's z-values in PERCENTILES order; the browser's copy of the closed form receives these.
FAN_Z: tuple[float, ...] = tuple(float(z) for z in _Z)
# Same relative tolerance as growth.first_year_reached: a path built to hit the target exactly
# counts as reaching it, despite floating-point error.
_LOG_REL_TOL = math.log1p(-REACH_TOLERANCE)
#: ``ln(1 - REACH_TOLERANCE)``: with zero volatility, a log gap at least this counts as reached.
LOG_REACH_TOLERANCE = _LOG_REL_TOL


# --------------------------------------------------------------------------------------------
# Volatility from observations with gaps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolatilityEstimate:
    """Dispersion of annual log growth, estimated from a series with gaps.

    ``sigma`` is None when the estimate is not usable (``usable`` False, ``reason`` says why); the
    caller then falls back to a volatility the user sets. ``mean_log_growth`` is the window's
    average log growth per year (``exp(mean_log_growth) - 1`` is its CAGR), None without intervals.
    """

    sigma: float | None
    mean_log_growth: float | None
    n_intervals: int
    years_covered: int
    usable: bool
    reason: str
    intervals: pd.DataFrame = field(repr=False, compare=False)

    @property
    def first_year(self) -> int | None:
        return int(self.intervals["start_year"].iloc[0]) if self.n_intervals else None

    @property
    def last_year(self) -> int | None:
        return int(self.intervals["end_year"].iloc[-1]) if self.n_intervals else None

    def describe(self) -> str:
        """One line for a caption, e.g. ``σ = 18.2% a year, from 10 intervals over 1992–2025``."""
        if not self.usable or self.sigma is None:
            return f"volatility not estimated: {self.reason}"
        return (
            f"σ = {self.sigma:.1%} a year (std dev of annual log growth), from "
            f"{self.n_intervals} intervals over {self.first_year}–{self.last_year} "
            f"({self.years_covered} years)"
        )


def estimate_volatility(series: pd.Series, start_year: int | None = None) -> VolatilityEstimate:
    """Estimate the standard deviation of annual log growth from observations with gaps.

    ``series``: US-dollar values indexed by integer year, missing years absent (NaN is dropped).
    ``start_year``: ignore observations before it (to measure a recent window only).

    The model: log value is a random walk with drift, annual log growth ``g_t ~ N(mu, sigma^2)``,
    independent across years. Between consecutive observations ``i`` (``L_i`` years apart, log
    change ``d_i``), ``d_i ~ N(L_i mu, L_i sigma^2)``, so the per-year rate ``r_i = d_i / L_i`` has
    variance ``sigma^2 / L_i``: a 4-year gap's average rate is half as dispersed as one year's.
    The estimator weights each interval by its length (inverse variance) to undo exactly that:

        mu_hat     = sum(d_i) / sum(L_i)                       (the window's log CAGR)
        sigma_hat2 = sum(L_i * (r_i - mu_hat)^2) / (n - 1)      (n = number of intervals)

    Under the model ``sum(L_i (r_i - mu_hat)^2) / sigma^2`` is chi-square with ``n - 1`` degrees of
    freedom, so ``sigma_hat2`` is unbiased for any pattern of gaps; with no gaps it is the ordinary
    sample variance. (The "reliability weights" formula with denominator
    ``sum(L_i) - sum(L_i^2)/sum(L_i)`` assumes every ``r_i`` has the same variance; here it would
    be biased low, by a factor of about 0.4 on the China–Kazakhstan gaps.)

    Worked example (the one the tests check): logs 0, .1, .3, .2, .5 (plus ln 100) in 2000, 2001,
    2005, 2006, 2007 give intervals (L, d) = (1, .1), (4, .2), (1, -.1), (1, .3); mu_hat = .5/7 =
    1/14; residuals r - mu_hat = 1/35, -3/140, -6/35, 8/35; sum L (r - mu_hat)^2 = 413/4900;
    sigma_hat2 = 413/14700 = 0.0280952; sigma_hat = 0.167616.

    Limits, to keep in mind when reading the number:

    * Each interval is one degree of freedom however long it is: a 16-year gap says almost nothing
      about year-to-year swings. With ``n`` intervals the relative standard error of sigma_hat is
      roughly ``1 / sqrt(2 (n - 1))`` (about 24% with 10 intervals).
    * Independence is assumed: booms followed by busts (mean reversion) make long gaps look calmer
      than single years, and the pooled estimate then mixes two different dispersions.
    * Rounded figures ("about $25 bn") and floors ("exceeded $20 bn") are taken as exact, and a
      change of statistical basis inside the series shows up as a genuine jump.
    * ``sigma_hat`` (a square root) is slightly biased low even though ``sigma_hat2`` is unbiased.

    With fewer than :data:`MIN_INTERVALS` intervals the result is flagged unusable (``sigma``
    None) with a reason; ``mean_log_growth`` is still given when there is at least one interval.
    """
    s = series.dropna()
    if s.index.has_duplicates:
        dupes = sorted({int(y) for y in s.index[s.index.duplicated()]})
        raise ValueError(f"duplicate years in series: {', '.join(map(str, dupes))}")
    s = s.copy()
    s.index = s.index.astype(int)
    s = s.sort_index()
    if start_year is not None:
        s = s[s.index >= int(start_year)]
    values = s.to_numpy(dtype=float)
    years = s.index.to_numpy(dtype=int)
    bad = years[values <= 0]
    if len(bad):
        return _unusable(
            f"non-positive value in {', '.join(map(str, bad))}: log growth undefined",
        )
    lengths = np.diff(years)
    log_change = np.diff(np.log(values))
    rates = log_change / lengths if len(lengths) else log_change
    intervals = pd.DataFrame(
        {
            "start_year": years[:-1],
            "end_year": years[1:],
            "years": lengths,
            "log_change": log_change,
            "annual_log_growth": rates,
        },
        columns=list(INTERVAL_COLUMNS),
    )
    n = len(intervals)
    total_years = int(lengths.sum()) if n else 0
    mu = float(log_change.sum() / total_years) if n else None
    window = f" from {start_year}" if start_year is not None else ""
    if n < MIN_INTERVALS:
        return VolatilityEstimate(
            sigma=None,
            mean_log_growth=mu,
            n_intervals=n,
            years_covered=total_years,
            usable=False,
            reason=(
                f"only {n} interval{'s' if n != 1 else ''} between {len(s)} observations{window}; "
                f"at least {MIN_INTERVALS} are needed, so set the volatility yourself"
            ),
            intervals=intervals,
        )
    sum_sq = float(np.sum(lengths * (rates - mu) ** 2))
    sigma = math.sqrt(sum_sq / (n - 1))
    return VolatilityEstimate(
        sigma=sigma,
        mean_log_growth=mu,
        n_intervals=n,
        years_covered=total_years,
        usable=True,
        reason=f"{n} intervals over {total_years} years{window}",
        intervals=intervals,
    )


def _unusable(reason: str) -> VolatilityEstimate:
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in INTERVAL_COLUMNS})
    return VolatilityEstimate(None, None, 0, 0, False, reason, empty)


# --------------------------------------------------------------------------------------------
# Paths, fans and probabilities
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """A fan of outcomes around a scenario and the odds of meeting a target.

    ``fan``: year, p10, p25, p50, p75, p90 in US dollars; its first row is the latest observation
    (zero width), so the band visibly leaves from the last data point. ``curve``: year,
    probability = ``P(value in that year >= target)`` for every year after the latest observation
    up to the horizon. ``volatility`` is the std dev of annual log growth actually used (for the
    bootstrap: of the resampled deviations).
    """

    method: Method
    growth: float
    volatility: float
    target_value: float
    target_year: int
    probability_at_target_year: float
    year_50: int | None
    year_90: int | None
    start_year: int
    start_value: float
    shock_year: int | None
    shock_size: float
    n_paths: int | None
    seed: int | None
    fan: pd.DataFrame = field(repr=False, compare=False)
    curve: pd.DataFrame = field(repr=False, compare=False)


def median_path(
    start_year: int,
    start_value: float,
    growth: float,
    end_year: int = HORIZON_YEAR,
    shock_year: int | None = None,
    shock_size: float = 0.0,
) -> pd.DataFrame:
    """The deterministic scenario with an optional one-year shock: year, value_usd.

    ``start_value * (1 + growth) ** (year - start_year)``, multiplied by ``1 + shock_size`` from
    ``shock_year`` on (a level shift: growth resumes from the lower level). This is the closed
    form's median and the centre of the bootstrap's fan.
    """
    _check_growth(growth)
    _check_shock(start_year, shock_year, shock_size)
    years, log_median = _log_median(
        start_year, start_value, growth, end_year, shock_year, shock_size
    )
    values = np.exp(log_median)
    values[0] = start_value  # exactly the observation, not exp(log(value))
    return pd.DataFrame({"year": years, "value_usd": values})


def project(
    latest_year: int,
    latest_value: float,
    growth: float,
    volatility: float | None,
    target_value: float,
    target_year: int,
    method: Method = "closed",
    shock_year: int | None = None,
    shock_size: float = 0.0,
    seed: int = 0,
    n_paths: int = 10_000,
    horizon: int = HORIZON_YEAR,
    historical_log_growth: VolatilityEstimate | pd.DataFrame | Sequence[float] | None = None,
    bootstrap_scheme: BootstrapScheme = "standardized",
) -> Projection:
    """Fan chart and target probabilities from the latest observation to ``horizon``.

    ``growth``: the scenario's growth a year (0.1 = 10%), the MEDIAN path. ``volatility``: std dev
    of annual log growth (0.2 = 20%), used by ``method="closed"``; the bootstrap takes its
    dispersion from ``historical_log_growth`` instead (``volatility`` is then only checked).
    ``historical_log_growth``: a :class:`VolatilityEstimate` (its intervals), an intervals frame
    (``annual_log_growth`` and ``years`` columns), or plain annual log growth rates (one year each).
    See :func:`bootstrap_deviations` for how gaps enter the bootstrap.

    Raises ValueError with a readable message for impossible inputs.
    """
    if method not in ("closed", "bootstrap"):
        raise ValueError(f"method must be 'closed' or 'bootstrap', got {method!r}")
    _check_growth(growth)
    if latest_value is None or not math.isfinite(latest_value) or latest_value <= 0:
        raise ValueError(f"latest value must be a positive number, got {latest_value}")
    if target_value is None or not math.isfinite(target_value) or target_value <= 0:
        raise ValueError(f"target value must be a positive number, got {target_value}")
    if horizon <= latest_year:
        raise ValueError(f"horizon {horizon} must be after the latest observation ({latest_year})")
    if not latest_year < target_year <= horizon:
        raise ValueError(
            f"target year {target_year} must be after the latest observation ({latest_year}) "
            f"and no later than {horizon}"
        )
    if volatility is not None and (not math.isfinite(volatility) or volatility < 0):
        raise ValueError(f"volatility must be zero or positive, got {volatility}")
    _check_shock(latest_year, shock_year, shock_size)
    years, log_median = _log_median(
        latest_year, latest_value, growth, horizon, shock_year, shock_size
    )
    log_target = math.log(target_value)

    if method == "closed":
        if volatility is None:
            raise ValueError("the closed-form method needs a volatility (std dev of log growth)")
        log_q, prob = _closed_form(log_median, volatility, log_target)
        used_sigma, paths, used_seed = float(volatility), None, None
    else:
        if historical_log_growth is None:
            raise ValueError(
                "the bootstrap needs historical growth rates (historical_log_growth); "
                "use the closed-form method or give the history"
            )
        if n_paths < 100:
            raise ValueError(f"the bootstrap needs at least 100 paths, got {n_paths}")
        deviations, weights = bootstrap_deviations(historical_log_growth, bootstrap_scheme)
        log_q, prob = _bootstrap(log_median, deviations, weights, log_target, n_paths, seed)
        p = np.full(len(deviations), 1 / len(deviations)) if weights is None else weights
        used_sigma = float(math.sqrt(np.sum(p * deviations**2)))
        paths, used_seed = int(n_paths), int(seed)

    values = np.exp(log_q)
    values[0, :] = latest_value  # exactly the observation, not exp(log(value))
    fan = pd.DataFrame(values, columns=[name for name, _ in PERCENTILES])
    fan.insert(0, "year", years)
    curve = pd.DataFrame({"year": years[1:], "probability": prob})
    return Projection(
        method=method,
        growth=float(growth),
        volatility=used_sigma,
        target_value=float(target_value),
        target_year=int(target_year),
        probability_at_target_year=float(prob[target_year - latest_year - 1]),
        year_50=year_at_probability(curve, 0.5),
        year_90=year_at_probability(curve, 0.9),
        start_year=int(latest_year),
        start_value=float(latest_value),
        shock_year=shock_year if _shock_active(shock_year, shock_size) else None,
        shock_size=float(shock_size) if _shock_active(shock_year, shock_size) else 0.0,
        n_paths=paths,
        seed=used_seed,
        fan=fan,
        curve=curve,
    )


def year_at_probability(curve: pd.DataFrame, level: float) -> int | None:
    """First year whose probability is at least ``level`` (e.g. 0.5, 0.9), or None."""
    if not 0 < level <= 1:
        raise ValueError(f"probability level must be in (0, 1], got {level}")
    hit = curve.loc[curve["probability"] >= level, "year"]
    return int(hit.iloc[0]) if len(hit) else None


def bootstrap_deviations(
    history: VolatilityEstimate | pd.DataFrame | Sequence[float],
    scheme: BootstrapScheme = "standardized",
) -> tuple[np.ndarray, np.ndarray | None]:
    """The annual deviations the bootstrap resamples, and their probabilities (None = uniform).

    Each simulated year grows by ``ln(1 + g) + e`` with ``e`` drawn from these deviations. They
    always have (weighted) mean zero, so the user's growth, not history's, sets the drift: the
    history supplies only the shape and size of the swings around it.

    ``scheme="standardized"`` (default): interval ``i`` gives ``(r_i - mu_hat) * sqrt(L_i)``, the
    one-year-equivalent shock (a ``L_i``-year average is ``sqrt(L_i)`` times too calm); these are
    re-centred to mean zero, scaled so their variance equals the estimator's ``sigma_hat^2`` and
    drawn uniformly, one interval = one draw. The bootstrap and the closed form then share the
    same sigma and differ only in shape. With no gaps this is the usual residual bootstrap with the
    ``sqrt(n / (n - 1))`` correction.

    ``scheme="length"``: the literal rule of issue #3: deviations ``r_i - mu_hat`` of the per-year
    rates, drawn with probability ``L_i / sum(L)``. Simple, but a long gap's smoothed average then
    fills many draws and the band comes out too narrow (on China–Kazakhstan the resampled sigma is
    about half the estimate). Kept for comparison.
    """
    rates, lengths = _history_arrays(history)
    n = len(rates)
    if n < MIN_INTERVALS:
        raise ValueError(
            f"the bootstrap needs at least {MIN_INTERVALS} historical growth intervals, got {n}"
        )
    mu = float(np.sum(rates * lengths) / np.sum(lengths))
    if scheme == "length":
        return rates - mu, lengths / lengths.sum()
    if scheme != "standardized":
        raise ValueError(f"bootstrap scheme must be 'standardized' or 'length', got {scheme!r}")
    sigma2 = float(np.sum(lengths * (rates - mu) ** 2)) / (n - 1)
    shocks = (rates - mu) * np.sqrt(lengths)
    shocks = shocks - shocks.mean()
    spread = float(np.sqrt(np.mean(shocks**2)))
    if spread == 0.0:
        return np.zeros(n), None
    return shocks * (math.sqrt(sigma2) / spread), None


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


def _shock_active(shock_year: int | None, shock_size: float) -> bool:
    return shock_year is not None and shock_size != 0.0


def _check_growth(growth: float) -> None:
    if growth is None or not math.isfinite(growth):
        raise ValueError(f"growth must be a number, got {growth}")
    if growth <= -1:
        raise ValueError(f"growth must be above -100% a year, got {growth:.1%}")


def _check_shock(start_year: int, shock_year: int | None, shock_size: float) -> None:
    if shock_size is None or not math.isfinite(shock_size):
        raise ValueError(f"shock size must be a number, got {shock_size}")
    if shock_size <= -1:
        raise ValueError(
            f"a shock must leave something: size must be above -100%, got {shock_size}"
        )
    if _shock_active(shock_year, shock_size) and int(shock_year) <= start_year:  # type: ignore[arg-type]
        raise ValueError(
            f"shock year {shock_year} must be after the latest observation ({start_year})"
        )


def _log_median(
    start_year: int,
    start_value: float,
    growth: float,
    end_year: int,
    shock_year: int | None,
    shock_size: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Years from ``start_year`` to ``end_year`` and the log of the (shocked) scenario path."""
    if start_value <= 0:
        raise ValueError(f"start value must be positive, got {start_value}")
    years = np.arange(start_year, end_year + 1)
    log_path = math.log(start_value) + (years - start_year) * math.log1p(growth)
    if _shock_active(shock_year, shock_size):
        log_path = log_path + np.where(years >= shock_year, math.log1p(shock_size), 0.0)
    return years, log_path


def _closed_form(
    log_median: np.ndarray, sigma: float, log_target: float
) -> tuple[np.ndarray, np.ndarray]:
    """Log percentiles (rows = years incl. the start) and P(V_t >= target) for t >= start + 1."""
    spread = sigma * np.sqrt(np.arange(len(log_median)))  # sd of ln V_t; zero at the start
    log_q = log_median[:, None] + spread[:, None] * _Z[None, :]
    future_gap = log_median[1:] - log_target
    if sigma == 0.0:
        prob = (future_gap >= _LOG_REL_TOL).astype(float)
    else:
        # A vanishing sigma makes |z| overflow to inf, whose probability (0 or 1) is the limit.
        with np.errstate(over="ignore"):
            z = future_gap / spread[1:]
        # Phi(z) = erfc(-z / sqrt 2) / 2; at most ~100 years, so a Python loop is cheap and keeps
        # scipy out of the dependencies.
        prob = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z])
    return log_q, prob


def _bootstrap(
    log_median: np.ndarray,
    deviations: np.ndarray,
    weights: np.ndarray | None,
    log_target: float,
    n_paths: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical log percentiles and probabilities from ``n_paths`` resampled paths."""
    rng = np.random.default_rng(seed)
    n_years = len(log_median) - 1
    if weights is None:
        idx = rng.integers(0, len(deviations), size=(n_paths, n_years))
    else:
        idx = rng.choice(len(deviations), size=(n_paths, n_years), p=weights)
    log_paths = np.cumsum(deviations[idx], axis=1)
    log_paths += log_median[1:]
    q = np.quantile(log_paths, [p for _, p in PERCENTILES], axis=0).T
    log_q = np.vstack([np.full(len(PERCENTILES), log_median[0]), q])
    prob = np.mean(log_paths >= log_target + _LOG_REL_TOL, axis=0)
    return log_q, prob


def _history_arrays(
    history: VolatilityEstimate | pd.DataFrame | Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Per-year log growth rates and interval lengths from any accepted history form."""
    if isinstance(history, VolatilityEstimate):
        if history.n_intervals == 0:
            raise ValueError(f"no historical growth intervals: {history.reason}")
        history = history.intervals
    if isinstance(history, pd.DataFrame):
        missing = {"annual_log_growth", "years"} - set(history.columns)
        if missing:
            raise ValueError(f"history frame lacks column(s): {', '.join(sorted(missing))}")
        rates = history["annual_log_growth"].to_numpy(dtype=float)
        lengths = history["years"].to_numpy(dtype=float)
    else:
        rates = np.asarray(history, dtype=float).ravel()
        lengths = np.ones_like(rates)
    if not (np.all(np.isfinite(rates)) and np.all(lengths > 0)):
        raise ValueError("historical growth rates must be finite with positive interval lengths")
    return rates, lengths
