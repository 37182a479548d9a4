"""A page with only the live scenario component, on China–Kazakhstan (China's statistics).

Used by the component's browser tests and its benchmark: the component alone, without the
tracker's other elements, so a failure points at the component.
"""

import streamlit as st

from dashboard.analysis.outlook import assess
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.app.live.component import live_scenario
from dashboard.app.live.payload import (
    Control,
    LiveTarget,
    figure_payload,
    live_payload,
    model_payload,
)
from dashboard.app.live.vendor import PLOTLY_URL
from dashboard.charts.tracker import tracker_figure
from dashboard.formatting import format_usd
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair

pair = Pair.parse("CHN-KAZ")
obs = load_observations()
result = track(obs, TrackerInputs(pair=pair, reporter="CHN", base_year=2024, growth=0.05))
outlook = assess(result)
fig = tracker_figure(result, fan=outlook.projection.fan)
first_year = int(result.observations["year"].min())
controls = [
    Control("target_year", "Target year (assumption)", result.latest_year + 1, 2050, 1, "year"),
    Control("multiple", "Multiple of the base year", 1.0, 10.0, 0.1, "times"),
    Control("growth", "Scenario growth a year", -20.0, 30.0, 0.1, "pct"),
    Control("volatility", "Volatility", 0.0, 60.0, 0.5, "pct"),
]
payload = live_payload(
    revision=1,
    values={
        "target_year": 2030,
        "multiple": 2.0,
        "growth": 5.0,
        "volatility": outlook.volatility * 100,
        "shock_year": None,
        "shock_size": 0.0,
    },
    controls=controls,
    model=model_payload(
        latest_year=result.latest_year,
        latest_value=result.latest_value,
        first_year=first_year,
        horizon=2050,
        sigma=outlook.volatility,
        target=LiveTarget(None, result.base_value, None),
    ),
    figure=figure_payload(fig, 2030),
    view="trade",
    labels={
        "target": "Target ({year})",
        "targetHelp": "",
        "progress": "Progress",
        "required": "Required growth to {year}",
        "reached": "Scenario reaches target",
        "never": "not by {year}",
        "chance": "Chance of target by {year}",
        "chanceHelp": "",
        "year50": "50% likely by",
        "year90": "90% likely by",
        "after": "after {year}",
        "scenarioTrace": "Scenario: {growth} a year",
        "requiredTrace": "Required: {growth} a year",
        "targetTrace": "Target: {value}",
        "targetYearNote": "target year {year}",
        "chartLabel": "Trade and the target of {value} by {year}: a {chance} chance",
        "chanceLabel": "Chance of reaching {value}, by year: {chance} by {year}",
    },
    # Python's cards for the first values; the browser recomputes all but the latest.
    kpis=[
        {
            "id": "latest",
            "label": f"Latest ({result.latest_year})",
            "value": format_usd(result.latest_value),
            "help": "",
        },
        *(
            {"id": i, "label": i, "value": "", "help": ""}
            for i in ("target", "progress", "required", "reached", "chance", "year50", "year90")
        ),
    ],
    plotly_url=PLOTLY_URL,
)
res = live_scenario(payload, key="live")
st.write("committed", res.scenario if res is not None else None)
