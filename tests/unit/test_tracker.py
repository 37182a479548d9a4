"""The tracker's numbers on the shipped China–Kazakhstan data, worked out by hand."""

import pytest

from dashboard.analysis.tracker import ScenarioError, TrackerInputs, track
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair

CK = Pair("CHN", "KAZ")


@pytest.fixture(scope="module")
def obs():
    return load_observations()


def test_defaults_on_china_customs(obs):
    """Latest 2025: $48.7 bn. Base 2024: $43.82 bn, x2 = $87.64 bn.
    Required: (87.64 / 48.7) ** (1/5) - 1; 87.64/48.7 = 1.799589, ln = 0.587559, /5 = 0.117512,
    exp = 1.124695 -> 12.47%.
    Historical (10-year window from 2015: first observation 2017, $18.0 bn):
    (48.7/18) ** (1/8) - 1; ln(2.705556) = 0.995305, /8 = 0.124413, exp -> 13.248%.
    At 13.248% the path passes 87.64 when 1.13248 ** n >= 1.799589, n >= 0.587559 / 0.124413
    = 4.72, so in 2030. Progress 48.7 / 87.64 = 55.57%."""
    r = track(obs, TrackerInputs(CK, "CHN"))
    assert (r.latest_year, r.latest_value) == (2025, 48.7e9)
    assert r.base_value == 43.82e9 and r.target_value == pytest.approx(87.64e9)
    assert r.required_cagr == pytest.approx(0.12470, abs=1e-5)
    assert (r.historical.start_year, r.historical.end_year) == (2017, 2025)
    assert r.historical.rate == pytest.approx(0.13248, abs=1e-5)
    assert r.growth == r.historical.rate
    assert r.year_reached == 2030
    assert r.progress == pytest.approx(0.5557, abs=1e-4)


def test_paths_start_at_latest_observation(obs):
    r = track(obs, TrackerInputs(CK, "CHN", growth=0.05))
    path = r.path()
    for kind in ("scenario", "required"):
        first = path[path.kind == kind].iloc[0]
        assert (first.year, first.value_usd) == (2025, 48.7e9)
    req = path[path.kind == "required"]
    assert req.year.max() == 2030
    assert req.value_usd.iloc[-1] == pytest.approx(87.64e9)
    # 5%: 1.05 ** n >= 1.799589 -> n >= 12.04 -> 2038
    assert r.year_reached == 2038


def test_kazakh_statistics_basis(obs):
    """KAZ basis: latest 2024 $30.1 bn; base 2024 -> target $60.2 bn; required to 2030:
    2 ** (1/6) - 1 = 12.246%. Window from 2014: first observation 2014 ($17.2 bn):
    (30.1/17.2) ** (1/10) - 1 = 1.75 ** 0.1 - 1 = exp(0.559616/10) - 1 = 5.7557%."""
    r = track(obs, TrackerInputs(CK, "KAZ"))
    assert (r.latest_year, r.latest_value, r.target_value) == (2024, 30.1e9, 60.2e9)
    assert r.required_cagr == pytest.approx(0.12246, abs=1e-5)
    assert r.historical.rate == pytest.approx(0.057557, abs=1e-5)
    assert r.basis_label == "Kazakhstan statistics (BNS)"


def test_zero_growth_never_reaches(obs):
    assert track(obs, TrackerInputs(CK, "CHN", growth=0.0)).year_reached is None


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (TrackerInputs(CK, "CHN", base_year=2020), "no CHN observation for base year 2020"),
        (TrackerInputs(CK, "CHN", target_year=2025), "must be after the latest observation"),
        (TrackerInputs(CK, "USA"), "not one of the pair"),
        (TrackerInputs(CK, "CHN", growth=-1.5), "above -100%"),
        (TrackerInputs(CK, "CHN", multiple=0), "multiple must be positive"),
    ],
)
def test_impossible_inputs(obs, inputs, message):
    with pytest.raises(ScenarioError, match=message):
        track(obs, inputs)
