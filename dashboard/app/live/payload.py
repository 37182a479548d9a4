"""What the live scenario component receives: the model's numbers, the controls, the figure.

Pure Python (no Streamlit), so it is tested like the analysis. Python stays the reference for
every number: the browser recomputes only the closed form from the constants sent here
(``FAN_Z``, the reach tolerances), and the figure is the one ``dashboard/charts`` builds, whose
traces tagged with a ``meta`` role the browser replaces on each move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from dashboard.analysis.growth import REACH_TOLERANCE
from dashboard.analysis.uncertainty import FAN_Z, LOG_REACH_TOLERANCE


@dataclass(frozen=True)
class Control:
    """One range input: its name (the value's key), label, bounds and unit.

    ``unit`` is ``"year"``, ``"pct"`` (values in percent, 5.0 = 5%) or ``"times"`` (a multiple).
    """

    name: str
    label: str
    min: float
    max: float
    step: float
    unit: str
    help: str = ""
    disabled: bool = False
    digits: int = 1  # decimals shown for a "pct" value

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "min": self.min, "max": self.max,
            "step": self.step, "unit": self.unit, "help": self.help,
            "disabled": self.disabled, "digits": self.digits,
        }  # fmt: skip


@dataclass(frozen=True)
class LiveTarget:
    """The target as the browser computes it: a fixed amount, or a multiple of a base value.

    ``year`` None: the target year is an assumption, read from the target-year slider.
    """

    value: float | None
    base_value: float | None
    year: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "fixed": self.value is not None,
            "value": self.value,
            "baseValue": self.base_value,
            "year": self.year,
        }


def figure_payload(fig: go.Figure, target_year: int) -> dict[str, Any]:
    """A figure as plain JSON, with the indexes of the target-year line and its label.

    Those two are found by value (the vertical line at ``target_year`` and the note naming it),
    so the browser can move them with the target-year slider.
    """
    plain = json.loads(fig.to_json())
    layout = plain.get("layout", {})
    out: dict[str, Any] = {"data": plain.get("data", []), "layout": layout}
    for i, shape in enumerate(layout.get("shapes", [])):
        if shape.get("x0") == target_year and shape.get("x1") == target_year:
            out["targetShape"] = i
    for i, note in enumerate(layout.get("annotations", [])):
        if note.get("x") == target_year and "target year" in str(note.get("text", "")):
            out["targetNote"] = i
    return out


def model_payload(
    *,
    latest_year: int,
    latest_value: float,
    first_year: int,
    horizon: int,
    sigma: float,
    target: LiveTarget,
    growth: float | None = None,
    vol_manual: bool = True,
) -> dict[str, Any]:
    """The numbers the browser's closed form starts from, and Python's constants.

    ``growth`` is the rate Python used (a fraction): a preset's exact rate, where the slider
    shows it rounded to 0.1 point; the browser uses it until the growth slider moves.
    ``vol_manual`` False: the volatility is ``sigma`` (estimated), not the disabled slider's.
    """
    return {
        "latestYear": int(latest_year),
        "latestValue": float(latest_value),
        "firstYear": int(first_year),
        "horizon": int(horizon),
        "sigma": float(sigma),
        "growth": None if growth is None else float(growth),
        "volManual": bool(vol_manual),
        "z": list(FAN_Z),
        "logRelTol": LOG_REACH_TOLERANCE,
        "reachRelTol": REACH_TOLERANCE,
        "target": target.as_dict(),
    }


def live_payload(
    *,
    revision: int,
    values: dict[str, float | int | None],
    controls: list[Control],
    model: dict[str, Any],
    figure: dict[str, Any],
    view: str,
    labels: dict[str, str],
    kpis: list[dict[str, str]],
    plotly_url: str,
    live: bool = True,
    note: str | None = None,
) -> dict[str, Any]:
    """Everything the component draws from; see the contract at the top of live_scenario.js.

    ``live`` False: the browser does not recompute (the bootstrap, both methods, no
    projection); it shows ``kpis`` and the figure as sent, with ``note`` saying so, and Python
    redraws them when a slider is released.
    """
    missing = {c.name for c in controls} - set(values)
    if missing:
        raise ValueError(f"no value for control(s): {', '.join(sorted(missing))}")
    return {
        "revision": int(revision),
        "values": values,
        "controls": [c.as_dict() for c in controls],
        "model": model,
        "figure": figure,
        "view": view,
        "labels": labels,
        "kpis": kpis,
        "plotlyUrl": plotly_url,
        "live": bool(live),
        "note": note,
        "controlsKey": "|".join(c.name for c in controls),
        "config": {"displaylogo": False, "responsive": True},
    }
