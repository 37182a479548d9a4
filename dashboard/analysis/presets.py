"""Ready-made growth scenarios for the tracker: long-run, recent, required, custom.

A growth rate means little without its window ("8% a year" since when?), so every preset carries
a label that names the years it was measured over. The page offers these as one-click choices and
the CLI prints them; both get the same numbers from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analysis.growth import CagrWindow, long_run_cagr, recent_cagr, required_cagr

#: Preset keys, in the order they are offered.
PRESET_KEYS: tuple[str, ...] = ("long_run", "recent", "required", "custom")


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

    Raises ValueError with fewer than two observations, a non-positive target or a target year not
    after the latest observation.
    """
    s = series.dropna().sort_index()
    if len(s) < 2:
        raise ValueError("need at least two observations for growth presets")
    if target_value <= 0:
        raise ValueError(f"target value must be positive, got {target_value}")
    latest_year = int(s.index[-1])
    latest_value = float(s.iloc[-1])
    if target_year <= latest_year:
        raise ValueError(
            f"target year {target_year} must be after the latest observation ({latest_year})"
        )
    long_run = long_run_cagr(s)
    recent = recent_cagr(s)
    needed = CagrWindow(
        latest_year,
        int(target_year),
        required_cagr(latest_value, target_value, target_year - latest_year),
    )
    return {
        "long_run": Preset("long_run", long_run.rate, f"Long-run: {long_run.describe()}", long_run),
        "recent": Preset("recent", recent.rate, f"Recent: {recent.describe()}", recent),
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
