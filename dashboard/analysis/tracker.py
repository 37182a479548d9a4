"""The target tracker's numbers in one place, shared by the page and `trade-dashboard scenario`.

Given the observations and the user's choices (pair, statistics basis, base year, multiple, target
year, scenario growth) it returns every KPI and the three paths the chart draws. The page and the
CLI both call :func:`track`, so a number on screen can always be reproduced on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.analysis.growth import (
    HORIZON_YEAR,
    CagrWindow,
    first_year_reached,
    progress,
    recent_cagr,
    required_cagr,
    scenario_path,
)
from dashboard.analysis.series import basis_rows
from dashboard.analysis.uncertainty import median_path
from dashboard.model import Pair, basis_label


class ScenarioError(ValueError):
    """The chosen inputs cannot produce a projection; the message says which and why."""


@dataclass(frozen=True)
class TrackerInputs:
    """What the user chose. ``growth=None`` means: use the historical CAGR.

    ``shock_size`` (e.g. -0.3) multiplies the scenario path from ``shock_year`` on: a one-year
    level shift, as when this pair's trade fell by about half from 2013 to 2015-16.
    """

    pair: Pair
    reporter: str
    base_year: int = 2024
    multiple: float = 2.0
    target_year: int = 2030
    growth: float | None = None
    shock_year: int | None = None
    shock_size: float = 0.0
    horizon_year: int = HORIZON_YEAR
    #: Shown instead of the reporter's statistics name (e.g. "Your data: ministry series").
    basis_name: str | None = None
    #: A target fixed in US dollars (a declared target: the same on every basis). None: the
    #: user's own target, the base year's value on this basis × ``multiple``.
    target_value: float | None = None
    #: The target in words, for cards, legend and downloads; and its registry id ("own": yours).
    target_name: str | None = None
    target_id: str = "own"
    #: What the growth is, in words ("Recent: CAGR 2017–2025 (8 years)", "Custom: set by hand").
    growth_source: str | None = None
    #: The base value the declaration named (a declared target's base year need not be observed).
    declared_base_value: float | None = None

    @property
    def partner(self) -> str:
        return self.pair.other(self.reporter)


@dataclass(frozen=True)
class TrackerResult:
    """Everything the tracker shows. Values in US dollars, rates as fractions (0.1 = 10%)."""

    inputs: TrackerInputs
    observations: pd.DataFrame  # the basis's total rows, with provenance
    latest_year: int
    latest_value: float
    base_value: float | None  # None: a declared dollar target without a stated base
    target_value: float
    required_cagr: float
    historical: CagrWindow
    growth: float
    year_reached: int | None
    progress: float
    scenario: pd.DataFrame = field(repr=False)  # year, value_usd
    required: pd.DataFrame = field(repr=False)  # year, value_usd

    @property
    def basis_label(self) -> str:
        return self.inputs.basis_name or basis_label(self.inputs.reporter)

    def path(self) -> pd.DataFrame:
        """Observed, scenario and required paths in one long frame: year, value_usd, kind."""
        obs = self.observations[["year", "value_usd"]].assign(kind="observed")
        return pd.concat(
            [
                obs,
                self.scenario.assign(kind="scenario"),
                self.required.assign(kind="required"),
            ],
            ignore_index=True,
        )


def track(observations: pd.DataFrame, inputs: TrackerInputs) -> TrackerResult:
    """Compute the tracker for ``inputs``; raises ScenarioError with a one-line reason."""
    if inputs.reporter not in (inputs.pair.a, inputs.pair.b):
        raise ScenarioError(
            f"statistics basis {inputs.reporter} is not one of the pair {inputs.pair.code}"
        )
    rows = basis_rows(observations, inputs.reporter, inputs.partner)
    if rows.empty:
        raise ScenarioError(
            f"no total-trade observations for {inputs.reporter} reporting on {inputs.partner}"
        )
    series = rows.set_index("year")["value_usd"]
    fixed = inputs.target_value is not None
    if not fixed and inputs.base_year not in series.index:
        years = ", ".join(str(y) for y in series.index)
        raise ScenarioError(
            f"no {inputs.reporter} observation for base year {inputs.base_year} "
            f"(observed years: {years})"
        )
    if inputs.multiple <= 0:
        raise ScenarioError("multiple must be positive")
    latest_year = int(series.index.max())
    latest_value = float(series[latest_year])
    if inputs.target_year <= latest_year:
        raise ScenarioError(
            f"target year {inputs.target_year} must be after the latest observation ({latest_year})"
        )
    if inputs.target_year > inputs.horizon_year:
        raise ScenarioError(f"target year must be {inputs.horizon_year} or earlier")
    if len(series) < 2:
        raise ScenarioError("need at least two observations for a historical growth rate")
    historical = recent_cagr(series)
    growth = historical.rate if inputs.growth is None else float(inputs.growth)
    if growth <= -1:
        raise ScenarioError("growth must be above -100% a year")
    if fixed:
        target_value = float(inputs.target_value)
        base_value = inputs.declared_base_value
        if base_value is None and inputs.base_year in series.index:
            base_value = float(series[inputs.base_year])
        if target_value <= 0:
            raise ScenarioError("the target must be a positive amount")
    else:
        base_value = float(series[inputs.base_year])
        target_value = base_value * inputs.multiple
    needed = required_cagr(latest_value, target_value, inputs.target_year - latest_year)
    try:
        scenario = median_path(
            latest_year, latest_value, growth, inputs.horizon_year,
            inputs.shock_year, inputs.shock_size,
        )  # fmt: skip
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    required = scenario_path(latest_year, latest_value, needed, inputs.target_year)
    return TrackerResult(
        inputs=inputs,
        observations=rows,
        latest_year=latest_year,
        latest_value=latest_value,
        base_value=base_value,
        target_value=target_value,
        required_cagr=needed,
        historical=historical,
        growth=growth,
        year_reached=first_year_reached(scenario, target_value),
        progress=progress(latest_value, target_value),
        scenario=scenario,
        required=required,
    )
