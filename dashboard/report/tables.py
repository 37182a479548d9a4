"""The tracker's result as JSON and CSV: one serialisation for the CLI and the page's downloads.

Both carry the parameters that produced the numbers, so a downloaded file can be reproduced with
``trade-dashboard scenario``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from dashboard.analysis.outlook import Outlook
from dashboard.analysis.tracker import TrackerResult


def parameters(result: TrackerResult) -> dict[str, Any]:
    """The inputs and headline numbers behind a result, in JSON-friendly types."""
    i = result.inputs
    return {
        "reporter": i.reporter,
        "partner": i.partner,
        "basis": result.basis_label,
        "base_year": i.base_year,
        "multiple": i.multiple,
        "target_year": i.target_year,
        "target_id": i.target_id,
        "target": i.target_name or "",
        "target_value_usd": result.target_value,
        "growth": result.growth,
        "growth_source": i.growth_source
        or ("given by hand" if i.growth is not None else f"Recent: {result.historical.describe()}"),
        "shock_year": i.shock_year,
        "shock_size": i.shock_size,
    }


def outlook_summary(outlook: Outlook) -> dict[str, Any]:
    """The headline uncertainty numbers (method, volatility, probability, 50%/90% years)."""
    p = outlook.projection
    return {
        "method": p.method,
        "volatility": outlook.volatility,
        "volatility_source": outlook.volatility_source,
        "seed": p.seed,
        "probability": p.probability_at_target_year,
        "year_50": p.year_50,
        "year_90": p.year_90,
        # False: the volatility is the stated fallback, so these chances are a stand-in's.
        "chances_backed": outlook.chances_backed,
    }


def outlook_fields(outlook: Outlook) -> dict[str, Any]:
    """The uncertainty numbers added to the scenario JSON: the summary, the fan and the
    probability by year."""
    p = outlook.projection
    return {
        **outlook_summary(outlook),
        "fan": [
            {k: (int(v) if k == "year" else float(v)) for k, v in row.items()}
            for row in p.fan.to_dict("records")
        ],
        "probability_by_year": [
            {"year": int(r.year), "probability": float(r.probability)} for r in p.curve.itertuples()
        ],
    }


def probability_table(outlook: Outlook) -> pd.DataFrame:
    """The probability chart's data: year, probability (and the other method's, if computed)."""
    p = outlook.projection
    table = p.curve.rename(columns={"probability": f"probability_{p.method}"})
    if outlook.comparison is not None:
        c = outlook.comparison
        table = table.merge(
            c.curve.rename(columns={"probability": f"probability_{c.method}"}), on="year"
        )
    table["target_value_usd"] = p.target_value
    table["target_year"] = p.target_year
    table["growth"] = p.growth
    table["volatility"] = outlook.volatility
    table["volatility_source"] = outlook.volatility_source
    return table


def scenario_dict(result: TrackerResult, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every number the tracker shows, keyed as in ``trade-dashboard scenario --format json``."""
    i = result.inputs
    path = result.path()
    out: dict[str, Any] = {
        "reporter": i.reporter,
        "partner": i.partner,
        "basis": result.basis_label,
        "latest_year": result.latest_year,
        "latest_value_usd": result.latest_value,
        "base_year": i.base_year,
        "base_value_usd": result.base_value,
        "multiple": i.multiple,
        "target_id": i.target_id,
        "target": i.target_name or "",
        "target_value_usd": result.target_value,
        "target_year": i.target_year,
        "progress": result.progress,
        "required_cagr": result.required_cagr,
        "historical_cagr": result.historical.rate,
        "historical_window": [result.historical.start_year, result.historical.end_year],
        "growth": result.growth,
        "year_reached": result.year_reached,
        "path": [
            {"year": int(r.year), "value_usd": float(r.value_usd), "kind": r.kind}
            for r in path.itertuples()
        ],
    }
    if extra:
        out.update(extra)
    return out


def scenario_json(result: TrackerResult, extra: dict[str, Any] | None = None) -> str:
    return json.dumps(_clean(scenario_dict(result, extra)), indent=2, ensure_ascii=False) + "\n"


def scenario_table(result: TrackerResult, fan: pd.DataFrame | None = None) -> pd.DataFrame:
    """The chart's data with the parameters as constant columns (the CSV download)."""
    table = chart_data(result, fan)
    for key, value in parameters(result).items():
        table[f"param_{key}"] = value
    return table


def scenario_csv(result: TrackerResult, fan: pd.DataFrame | None = None) -> str:
    return scenario_table(result, fan).to_csv(index=False, lineterminator="\n")


def _clean(obj: Any) -> Any:
    """NaN/inf are not JSON: turn them into null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def chart_data(result: TrackerResult, fan: pd.DataFrame | None = None) -> pd.DataFrame:
    """The chart's data as one tidy table (what the download button offers).

    Columns: year, kind (observed/scenario/required/target), value_usd, plus provenance columns for
    observed rows and, when a fan is given, the percentiles on scenario rows.
    """
    obs = result.observations[
        ["year", "value_usd", "qualifier", "source", "source_url", "published", "confidence"]
    ].assign(kind="observed")
    scen = result.scenario.assign(kind="scenario")
    if fan is not None and len(fan):
        scen = scen.merge(fan, on="year", how="left")
    req = result.required.assign(kind="required")
    tgt = pd.DataFrame(
        {
            "year": [result.inputs.target_year],
            "value_usd": [result.target_value],
            "kind": ["target"],
        }
    )
    out = pd.concat([obs, scen, req, tgt], ignore_index=True)
    first = ["year", "kind", "value_usd"]
    return out[first + [c for c in out.columns if c not in first]]
