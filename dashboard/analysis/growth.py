"""Growth arithmetic on annual series with gaps.

Series here are ``pd.Series`` of US-dollar values indexed by integer year, sorted, with missing
years simply absent (never filled in). Every rate uses the actual distance in years between the two
observations it compares, so a gap from 2013 to 2017 counts as four years of growth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Projections stop here: "not reached by 2050" is the answer beyond it.
HORIZON_YEAR = 2050
#: Window of the default historical CAGR: the last ten years of observations.
RECENT_WINDOW_YEARS = 10
#: Relative tolerance of "reached": a path built to hit the target exactly counts despite rounding.
REACH_TOLERANCE = 1e-9


#: Fewer observations than this and growth and volatility are not estimable: the tracker says so,
#: the trend presets are labelled as stand-ins and no target is called on or off track (three
#: intervals are the least a dispersion, or a trend worth the name, needs).
MIN_TREND_OBSERVATIONS = 4


@dataclass(frozen=True)
class CagrWindow:
    """A compound annual growth rate and the two observations it was measured between."""

    start_year: int
    end_year: int
    rate: float

    @property
    def years(self) -> int:
        return self.end_year - self.start_year

    def describe(self) -> str:
        span = "1 year" if self.years == 1 else f"{self.years} years"
        return f"CAGR {self.start_year}–{self.end_year} ({span})"


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate: ``(end / start) ** (1 / years) - 1``.

    >>> round(cagr(100.0, 121.0, 2), 10)
    0.1
    """
    if years <= 0:
        raise ValueError(f"years must be positive, got {years}")
    if start_value <= 0 or end_value <= 0:
        raise ValueError("CAGR needs positive start and end values")
    return (end_value / start_value) ** (1.0 / years) - 1.0


def cagr_between(series: pd.Series, start_year: int, end_year: int) -> CagrWindow:
    """CAGR between two observed years of ``series`` (a KeyError names a missing year)."""
    for y in (start_year, end_year):
        if y not in series.index:
            raise KeyError(f"no observation for {y}")
    rate = cagr(float(series[start_year]), float(series[end_year]), end_year - start_year)
    return CagrWindow(start_year, end_year, rate)


def yoy_growth(series: pd.Series) -> pd.Series:
    """Growth on the previous calendar year; missing where the previous year is not observed."""
    s = series.sort_index()
    prev = s.reindex(s.index - 1).to_numpy()
    return pd.Series(s.to_numpy() / prev - 1.0, index=s.index, name="yoy_growth")


def recent_cagr(series: pd.Series, window_years: int = RECENT_WINDOW_YEARS) -> CagrWindow:
    """CAGR over roughly the last ``window_years``: from the first observation inside the window
    (or the last one before it, when the window holds only the latest year) to the latest.
    """
    s = series.dropna().sort_index()
    if len(s) < 2:
        raise ValueError("need at least two observations for a growth rate")
    latest = int(s.index[-1])
    inside = [int(y) for y in s.index if y >= latest - window_years and y < latest]
    start = inside[0] if inside else int(s.index[-2])
    return cagr_between(s, start, latest)


def long_run_cagr(series: pd.Series) -> CagrWindow:
    """CAGR from the first to the latest observation."""
    s = series.dropna().sort_index()
    if len(s) < 2:
        raise ValueError("need at least two observations for a growth rate")
    return cagr_between(s, int(s.index[0]), int(s.index[-1]))


def required_cagr(latest_value: float, target_value: float, years: float) -> float:
    """Growth per year needed to go from ``latest_value`` to ``target_value`` in ``years``."""
    return cagr(latest_value, target_value, years)


def scenario_path(
    start_year: int, start_value: float, growth: float, end_year: int = HORIZON_YEAR
) -> pd.DataFrame:
    """Constant-growth path from an observation: ``value = start * (1 + g) ** (year - start)``.

    The first row is the observation itself, so the path visibly leaves from the last data point.
    """
    if growth <= -1:
        raise ValueError("growth must be above -100%")
    years = np.arange(start_year, end_year + 1)
    values = start_value * (1.0 + growth) ** (years - start_year)
    return pd.DataFrame({"year": years, "value_usd": values})


def first_year_reached(path: pd.DataFrame, target_value: float) -> int | None:
    """First year in ``path`` whose value is at or above the target, or None.

    A relative tolerance of 1e-9 absorbs floating-point error, so a path built to hit the target
    exactly in its target year counts as reaching it then.
    """
    hit = path.loc[path["value_usd"] >= target_value * (1 - REACH_TOLERANCE), "year"]
    return int(hit.iloc[0]) if len(hit) else None


def progress(latest_value: float, target_value: float) -> float:
    """Share of the target already reached (1.0 = met)."""
    if target_value <= 0:
        raise ValueError("target must be positive")
    return latest_value / target_value
