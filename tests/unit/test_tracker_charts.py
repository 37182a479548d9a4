"""The tracker's two charts: valid Plotly figures, the right numbers, drawn in one pass.

They are built from plain dicts without Plotly's validation (for speed, on every slider move), so
these tests validate them: ``go.Figure(fig.to_dict())`` raises on any misspelt property.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from plotly.exceptions import PlotlyError

from dashboard.analysis.outlook import assess
from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.charts.outlook import probability_figure
from dashboard.charts.tracker import tracker_figure
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair


@pytest.fixture(scope="module")
def result():
    """China's statistics: 2024 $43.82 bn, 2025 $48.7 bn; doubling 2024 by 2030, 10% a year."""
    return track(
        load_observations(), TrackerInputs(Pair("CHN", "KAZ"), "CHN", 2024, 2.0, 2030, 0.10)
    )


def trace(fig: go.Figure, prefix: str):
    return next(t for t in fig.data if (t.name or "").startswith(prefix))


def test_tracker_figure_is_valid_and_holds_the_hand_worked_numbers(result):
    """48.7 x 1.1^n >= 87.64 needs n >= ln(1.79959)/ln(1.1) = 6.17, so the target is reached in
    2032 and the x axis ends 3 years later, 2035, where the scenario is 48.7 x 1.1^10 = 126.32.
    The target line is 2 x 43.82 = 87.64 from the first observation (1992) to 2035."""
    outlook = assess(result)
    fig = tracker_figure(result, fan=outlook.projection.fan)
    go.Figure(fig.to_dict())  # raises on an invalid property

    scenario = trace(fig, "Scenario")
    assert scenario.name == "Scenario: 10.0% a year"
    assert list(scenario.x)[-1] == 2035
    assert scenario.y[-1] == pytest.approx(126.315, abs=0.01)
    i2030 = list(scenario.x).index(2030)
    assert scenario.y[i2030] == pytest.approx(48.7 * 1.1**5, abs=1e-9)  # 78.43

    target = trace(fig, "Your own target (hypothetical)")
    assert list(target.x) == [1992, 2035]
    assert list(target.y) == pytest.approx([87.64, 87.64])
    assert target.name == "Your own target (hypothetical): $87.6 bn"

    observed = trace(fig, "Observed")
    assert dict(zip(observed.x, observed.y, strict=True))[2025] == pytest.approx(48.7)
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert [t.name for t in bands] == ["10–90% range", "25–75% range"]
    assert fig.layout.shapes[0].x0 == 2030  # the target-year line
    assert list(fig.layout.xaxis.range) == [1991, 2035.5]


def test_redrawn_charts_have_fixed_margins(result):
    """A chart redrawn on every slider move must not make Plotly measure and draw it twice on a
    desktop screen: margins already wide enough for the ticks and a two-row legend, tick labels
    not measured for margins. (Margins may still grow on a phone, where the legend wraps more.)"""
    outlook = assess(result)
    p = outlook.projection
    for fig in (
        tracker_figure(result, fan=p.fan),
        probability_figure(p.curve, 2030, p.year_50, p.year_90),
    ):
        layout = fig.layout
        assert layout.margin.l >= 60 and layout.margin.autoexpand is not False
        assert layout.xaxis.automargin is False and layout.yaxis.automargin is False
    tracker = tracker_figure(result, fan=p.fan)
    assert tracker.layout.margin.b >= 80, "room for a legend of two rows below the plot"
    single = probability_figure(p.curve, 2030, p.year_50, p.year_90)
    assert len(single.data) == 1 and single.layout.margin.b < 80  # no legend, no empty band


def test_probability_figure_is_valid_and_marks_the_years(result):
    """Probabilities are drawn in percent; the 50% and 90% lines and the target year are marked,
    and a comparison curve is added dashed when given."""
    outlook = assess(result, compare=True)
    p, other = outlook.projection, outlook.comparison
    fig = probability_figure(
        p.curve, 2030, p.year_50, p.year_90, comparison=other.curve, comparison_name="Bootstrap"
    )
    go.Figure(fig.to_dict())
    main = fig.data[0]
    assert list(main.y) == pytest.approx(list(p.curve["probability"] * 100))
    assert fig.data[1].name == "Bootstrap" and fig.data[1].line.dash == "dash"
    labels = [a.text for a in fig.layout.annotations]
    assert "target year 2030" in labels
    if p.year_50 is not None:
        assert f"50% by {p.year_50}" in labels
    assert [s.y0 for s in fig.layout.shapes if s.xref == "paper"] == [50, 90]
    assert list(fig.layout.yaxis.range) == [0, 100]


def test_the_validation_used_above_does_catch_a_misspelt_property():
    """The check the tests rely on is real: Plotly refuses an unknown trace property."""
    with pytest.raises((ValueError, PlotlyError)):
        go.Figure({"data": [{"type": "scatter", "x": [1], "y": [1], "colour": "red"}]})
