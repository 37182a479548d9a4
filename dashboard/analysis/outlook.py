"""How likely is the target, and by when: the tracker's result plus its uncertainty.

Joins :mod:`tracker` (the deterministic scenario) and :mod:`uncertainty` (volatility, fan,
probabilities) with the page's rules: volatility is estimated from the chosen basis's history
unless the user sets it; with too little history a stated fallback is used and said to be one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analysis.growth import recent_cagr
from dashboard.analysis.tracker import ScenarioError, TrackerResult
from dashboard.analysis.uncertainty import (
    Method,
    Projection,
    VolatilityEstimate,
    estimate_volatility,
    project,
)

#: Used when the history has fewer than MIN_INTERVALS intervals and the user set nothing: about
#: the dispersion of annual log growth of this pair's trade since 2008 (16%), rounded up.
FALLBACK_VOLATILITY = 0.20
METHOD_LABELS: dict[str, str] = {
    "closed": "Closed form (log-normal)",
    "bootstrap": "Bootstrap of past growth",
}


@dataclass(frozen=True)
class Outlook:
    """The projection with where its volatility came from."""

    estimate: VolatilityEstimate
    volatility: float
    volatility_source: str  # "estimated", "user" or "fallback"
    projection: Projection
    comparison: Projection | None = None  # the other method, when asked for

    @property
    def chances_backed(self) -> bool:
        """Whether the chances rest on a volatility estimated from the history or set by hand.

        With the stated fallback (too few figures to estimate one) they are a stand-in's
        numbers: the pages draw the band as such, with a warning, but do not state them as
        chances (the verdict's rule: no chance without a trend, MIN_TREND_OBSERVATIONS).
        """
        return self.volatility_source != "fallback"

    def describe_volatility(self) -> str:
        pct = f"{self.volatility * 100:.1f}%"
        if self.volatility_source == "estimated":
            e = self.estimate
            return (
                f"{pct}, estimated from {e.n_intervals} intervals between observations, "
                f"{e.first_year}–{e.last_year}"
            )
        if self.volatility_source == "user":
            return f"{pct}, set by hand"
        return f"{pct}, an assumption: {self.estimate.reason}"


def assess(
    result: TrackerResult,
    volatility: float | None = None,
    method: Method = "closed",
    seed: int = 0,
    n_paths: int = 10_000,
    compare: bool = False,
    estimate: VolatilityEstimate | None = None,
) -> Outlook:
    """Fan and probabilities around ``result``'s scenario; ScenarioError if it cannot be done.

    ``estimate``: the volatility estimate of ``result``'s observations, when the caller already
    has it (the tracker page computes it for the volatility control); otherwise made here.
    """
    if estimate is None:
        estimate = estimate_volatility(result.observations.set_index("year")["value_usd"])
    if volatility is not None:
        sigma, source = float(volatility), "user"
    elif estimate.usable and estimate.sigma is not None:
        sigma, source = float(estimate.sigma), "estimated"
    else:
        sigma, source = FALLBACK_VOLATILITY, "fallback"
    if method == "bootstrap" and not estimate.usable:
        raise ScenarioError(
            f"the bootstrap needs at least 3 intervals of history ({estimate.reason}); "
            "use the closed form with a volatility set by hand"
        )

    def run(m: Method) -> Projection:
        return project(
            result.latest_year, result.latest_value, result.growth, sigma, result.target_value,
            result.inputs.target_year, method=m, shock_year=result.inputs.shock_year,
            shock_size=result.inputs.shock_size, seed=seed, n_paths=n_paths,
            horizon=result.inputs.horizon_year,
            historical_log_growth=estimate if estimate.usable else None,
        )  # fmt: skip

    try:
        main = run(method)
        other = None
        if compare and estimate.usable:
            other = run("bootstrap" if method == "closed" else "closed")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    return Outlook(estimate, main.volatility, source, main, other)


def trend_chance(
    series: pd.Series, target_value: float, target_year: int, volatility: float | None = None
) -> float | None:
    """P(trade in ``target_year`` ≥ ``target_value``) if the recent trend continues.

    The verdict's chance: the closed form around the recent CAGR of ``series`` (US dollars by
    year), with the volatility estimated from it (``volatility`` overrides; the stated fallback
    when it cannot be estimated). None when it cannot be computed (fewer than two observations,
    or a target year not after the latest observation).
    """
    s = series.dropna().sort_index()
    if len(s) < 2 or target_year <= int(s.index[-1]) or target_value <= 0:
        return None
    if volatility is None:
        estimate = estimate_volatility(s)
        usable = estimate.usable and estimate.sigma is not None
        volatility = float(estimate.sigma) if usable else FALLBACK_VOLATILITY
    try:
        p = project(
            int(s.index[-1]), float(s.iloc[-1]), recent_cagr(s).rate, volatility, target_value,
            target_year, horizon=max(target_year, int(s.index[-1]) + 1),
        )  # fmt: skip
    except ValueError:
        return None
    return p.probability_at_target_year
