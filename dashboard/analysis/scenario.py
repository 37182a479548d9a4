"""Growth scenarios and the tracker's controls, resolved to the scenario they ask for.

One home for the scenario vocabulary (the growth presets with their windows and order, the
uncertainty methods, the controls' defaults and slider ranges: the page's widgets and the CLI's
options read them here) and for :func:`resolve_request`, which the page (through :func:`resolve`)
and ``trade-dashboard scenario`` both call, so a number on screen and on the command line come
from the same rule.

A growth rate means little without its window ("8% a year" since when?), so every preset carries
a label that names the years it was measured over.

After a slider move the session already holds every control's new value, so the page resolves
the scenario and computes the chart before it draws anything; then the widgets, KPIs and chart
leave back to back, in fewer batches for the browser to render. The widgets' own values are
resolved too, and if they ask for another scenario (a value a widget corrected, or a first
visit, when the session holds nothing yet) the chart is computed from those instead.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from dashboard.analysis.growth import (
    MIN_TREND_OBSERVATIONS,
    CagrWindow,
    long_run_cagr,
    recent_cagr,
    required_cagr,
)
from dashboard.analysis.outlook import METHOD_LABELS
from dashboard.analysis.targets import TrackedTarget
from dashboard.analysis.tracker import ScenarioError, TrackerInputs
from dashboard.model import Pair

__all__ = ["MIN_TREND_OBSERVATIONS"]  # re-exported: the tracker reads it with the presets


#: Preset keys, in the order they are offered (the page's selector, ``scenario --preset``); the
#: first, the recent trend, is the default: the tracker's "historical CAGR".
PRESET_KEYS: tuple[str, ...] = ("recent", "long_run", "required", "custom")
DEFAULT_PRESET = PRESET_KEYS[0]
#: Uncertainty methods, in the order offered; the first is the default.
METHODS: tuple[str, ...] = tuple(METHOD_LABELS)
DEFAULT_METHOD = METHODS[0]
#: The pledge of July 2024 is to double trade: target = base-year value x 2.
DEFAULT_MULTIPLE = 2.0
#: No official year was given for doubling; 2030 is this dashboard's assumption.
DEFAULT_TARGET_YEAR = 2030
#: Slider ranges, in the sliders' units: the multiple, and percentages (growth a year, std dev
#: of annual log growth, one-year level shift).
MULTIPLE_RANGE = (1.0, 10.0)
GROWTH_RANGE = (-10.0, 30.0)
VOLATILITY_RANGE = (0.0, 60.0)
SHOCK_RANGE = (-60.0, 30.0)


class MissingBaseYearError(ScenarioError, KeyError):
    """The base year has no observation. A KeyError too, as the lookup that found it missing."""

    __str__ = ScenarioError.__str__  # KeyError would quote the message


@dataclass(frozen=True)
class Preset:
    """A named growth scenario. ``growth`` is a fraction a year (0.08 = 8%)."""

    key: str
    growth: float
    label: str
    window: CagrWindow | None = None


def scenario_presets(series: pd.Series, target_value: float, target_year: int) -> dict[str, Preset]:
    """The four presets for ``series`` (US dollars by year) and a target, keyed as PRESET_KEYS.

    * ``long_run``: CAGR from the first to the latest observation;
    * ``recent``: CAGR over about the last ten years (:func:`growth.recent_cagr`);
    * ``required``: the CAGR that reaches ``target_value`` exactly in ``target_year``;
    * ``custom``: the user's own rate; it starts at the recent CAGR so the slider opens there.

    Raises ScenarioError (a ValueError) with fewer than two observations, a non-positive target or
    a target year not after the latest observation.
    """
    s = series.dropna().sort_index()
    if len(s) < 2:
        raise ScenarioError("need at least two observations for growth presets")
    if target_value <= 0:
        raise ScenarioError(f"target value must be positive, got {target_value}")
    latest_year = int(s.index[-1])
    latest_value = float(s.iloc[-1])
    if target_year <= latest_year:
        raise ScenarioError(
            f"target year {target_year} must be after the latest observation ({latest_year})"
        )
    long_run = long_run_cagr(s)
    recent = recent_cagr(s)
    # Too few figures for a trend: the rates are still the figures' own change, said to be one.
    few = (
        f" (only {len(s)} figures: no trend can be estimated, so this is a stand-in)"
        if len(s) < MIN_TREND_OBSERVATIONS
        else ""
    )
    needed = CagrWindow(
        latest_year,
        int(target_year),
        required_cagr(latest_value, target_value, target_year - latest_year),
    )
    presets = {
        "recent": Preset("recent", recent.rate, f"Recent: {recent.describe()}{few}", recent),
        "long_run": Preset(
            "long_run", long_run.rate, f"Long-run: {long_run.describe()}{few}", long_run
        ),
        "required": Preset(
            "required",
            needed.rate,
            f"Required: {needed.describe()} to reach ${target_value / 1e9:,.1f} bn",
            needed,
        ),
        "custom": Preset(
            "custom",
            recent.rate,
            f"Custom: your own rate (starts at the recent {recent.describe()})",
            None,
        ),
    }
    return {key: presets[key] for key in PRESET_KEYS}


#: The base year the tracker opens with: 2024, the record year ($43.8 bn on China's figures) the
#: dashboard's question starts from; a basis without a 2024 figure opens on its latest year.
DEFAULT_BASE_YEAR = 2024


def default_base_year(years: list[int]) -> int:
    """The base year the tracker opens with, among a basis's observed ``years``."""
    return DEFAULT_BASE_YEAR if DEFAULT_BASE_YEAR in years else years[-1]


@dataclass(frozen=True)
class Controls:
    """The tracker's controls as its widgets hold them. Field names are the widgets' keys;
    percentages are as shown on the sliders (12.5 means 12.5%)."""

    basis: str  # reporter code, or "upload"
    base_year: int
    multiple: float
    target_year: int
    preset: str  # "recent", "long_run", "required" or "custom"
    growth: float  # the growth slider (used when preset is "custom")
    vol_manual: bool
    volatility: float  # the volatility slider (used when vol_manual)
    method: str  # "closed" or "bootstrap"
    compare: bool
    shock_year: int
    shock_size: float  # 0 means no shock
    target: str = "own"  # a declared target's registry id, or "own" (base year × multiple)

    @classmethod
    def widget_keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def request(self) -> ScenarioRequest:
        """The same choice in domain units. A shock year without a size, the volatility slider
        when it is not in use and the growth slider under a preset do not count."""
        shock = self.shock_size != 0
        return ScenarioRequest(
            base_year=int(self.base_year),
            multiple=float(self.multiple),
            target_year=int(self.target_year),
            preset=self.preset,
            growth=self.growth / 100 if self.preset == "custom" else None,
            volatility=self.volatility / 100 if self.vol_manual else None,
            method=self.method,
            compare=bool(self.compare),
            shock_year=int(self.shock_year) if shock else None,
            shock_size=self.shock_size / 100 if shock else 0.0,
        )


@dataclass(frozen=True)
class ScenarioRequest:
    """What a scenario asks for, in domain units (fractions, not the sliders' percentages): what
    ``trade-dashboard scenario`` builds from its options and :meth:`Controls.request` from the
    page's widgets."""

    base_year: int = DEFAULT_BASE_YEAR
    multiple: float = DEFAULT_MULTIPLE
    target_year: int = DEFAULT_TARGET_YEAR
    preset: str = DEFAULT_PRESET
    growth: float | None = None  # a fraction a year, for "custom" (None: where custom starts)
    volatility: float | None = None  # None: estimate it from the history
    method: str = DEFAULT_METHOD
    compare: bool = False
    shock_year: int | None = None
    shock_size: float = 0.0  # a fraction; 0 means no shock


@dataclass(frozen=True)
class GrowthChoice:
    rate: float  # exact rate used (a fraction)
    preset: str
    label: str


@dataclass(frozen=True)
class Scenario:
    """What the controls ask for: tracker inputs, the growth used and its label, volatility
    (None: estimate it from the history), method and whether to compare both methods."""

    inputs: TrackerInputs
    growth: GrowthChoice
    volatility: float | None
    method: str
    compare: bool


def resolve(
    pair: Pair,
    reporter: str,
    series: pd.Series,
    controls: Controls,
    basis_name: str | None = None,
    declared: TrackedTarget | None = None,
) -> Scenario:
    """The scenario the page's ``controls`` describe (see :func:`resolve_request`); ``declared``
    is the registry target ``controls.target`` names, if any."""
    return resolve_request(pair, reporter, series, controls.request(), basis_name, declared)


def resolve_request(
    pair: Pair,
    reporter: str,
    series: pd.Series,
    request: ScenarioRequest,
    basis_name: str | None = None,
    declared: TrackedTarget | None = None,
) -> Scenario:
    """The scenario ``request`` describes, for ``series`` (US dollars by year) of ``reporter``.

    The one rule for the page and ``trade-dashboard scenario``: a preset uses its exact rate (so
    the page matches the command line to the digit); "custom" takes the request's rate, or where
    the page's custom slider starts (the recent trend) when it names none. Raises
    MissingBaseYearError (a KeyError) when the base year has no observation and ScenarioError
    when no growth can be derived (both are the project's ScenarioError, which callers catch).

    With ``declared`` (a registry target) the target is its dollar value, the same on every
    basis, and its base is the one the declaration named; otherwise it is the user's own: the
    base year's value on this basis × the multiple.
    """
    r = request
    if r.preset not in PRESET_KEYS:
        raise ScenarioError(f"unknown growth preset {r.preset!r}; one of {', '.join(PRESET_KEYS)}")
    if declared is not None and declared.declared:
        target_value = declared.value_usd
        base_year = declared.base_year if declared.base_year is not None else int(r.base_year)
        multiple = declared.multiple if declared.multiple is not None else float("nan")
        fixed = {
            "target_value": target_value,
            "target_name": declared.label,
            "target_id": declared.id,
            "declared_base_value": declared.base_value_usd,
        }
    else:
        if r.base_year not in series.index:
            years = ", ".join(str(y) for y in series.index)
            raise MissingBaseYearError(
                f"no {reporter} observation for base year {r.base_year} (observed years: {years})"
            )
        target_value = float(series[r.base_year]) * r.multiple
        base_year, multiple = int(r.base_year), float(r.multiple)
        fixed = {"target_name": f"Your own target (hypothetical): {r.multiple:g}× {r.base_year}"}
    if r.preset == "custom" and r.growth is not None:
        growth = GrowthChoice(float(r.growth), "custom", "Custom: set by hand")
    else:
        preset = scenario_presets(series, target_value, r.target_year)[r.preset]
        growth = GrowthChoice(preset.growth, r.preset, preset.label)
    shock = r.shock_size != 0
    inputs = TrackerInputs(
        pair,
        reporter,
        int(base_year),
        float(multiple),
        int(r.target_year),
        growth.rate,
        r.shock_year if shock else None,
        float(r.shock_size) if shock else 0.0,
        basis_name=basis_name,
        growth_source=growth.label,
        **fixed,
    )
    return Scenario(inputs, growth, r.volatility, r.method, bool(r.compare))
