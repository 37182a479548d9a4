"""The browser's copy of the scenario math agrees with ``dashboard.analysis`` (the reference).

``dashboard/app/live/scenario_math.js`` repeats the closed form so the tracker's chart can follow
a dragged slider without a server round trip. It runs here in the system Chromium (the engine
visitors use) on 50,000 random combinations of latest value, growth, years, target, volatility
and shock; every path value, fan percentile, probability and derived year must agree with Python
to a relative 1e-9. A further sample goes through the public ``project()``/``median_path()``/
``first_year_reached()``/``required_cagr()`` end to end, so the fast reference below cannot drift
from them either.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dashboard.analysis import uncertainty as unc
from dashboard.analysis.growth import (
    HORIZON_YEAR,
    REACH_TOLERANCE,
    first_year_reached,
    required_cagr,
)
from tests.support.paths import ROOT

JS = ROOT / "dashboard" / "app" / "live" / "scenario_math.js"
REL_TOL = 1e-9
N_FAST = 50_000
N_PUBLIC = 1_500


def _combos(n: int, seed: int) -> list[dict]:
    """Random inputs over the ranges the sliders allow and beyond (zero volatility included)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        latest_year = int(rng.integers(1995, 2026))
        latest_value = float(10 ** rng.uniform(6, 12))
        shock = rng.random() < 0.4
        shock_year = int(rng.integers(latest_year + 1, HORIZON_YEAR + 1))
        out.append(
            {
                "latestYear": latest_year,
                "latestValue": latest_value,
                "growth": float(rng.uniform(-0.6, 0.6)),
                "sigma": 0.0 if rng.random() < 0.05 else float(rng.uniform(1e-4, 0.8)),
                "targetValue": latest_value * float(10 ** rng.uniform(-0.7, 0.9)),
                "targetYear": int(rng.integers(latest_year + 1, HORIZON_YEAR + 1)),
                "horizon": HORIZON_YEAR,
                "shockYear": shock_year if shock else None,
                "shockSize": float(rng.uniform(-0.8, 0.6)) if shock else 0.0,
            }
        )
    return out


def _fast_reference(c: dict) -> dict:
    """The closed form through the module's own numpy core (what ``project`` wraps)."""
    years, log_median = unc._log_median(
        c["latestYear"], c["latestValue"], c["growth"], c["horizon"], c["shockYear"], c["shockSize"]
    )
    log_q, prob = unc._closed_form(log_median, c["sigma"], math.log(c["targetValue"]))
    fan = np.exp(log_q)
    fan[0, :] = c["latestValue"]
    median = np.exp(log_median)
    median[0] = c["latestValue"]

    def first(level: float) -> int | None:
        hit = np.nonzero(prob >= level)[0]
        return int(years[hit[0] + 1]) if len(hit) else None

    reached = np.nonzero(median >= c["targetValue"] * (1 - REACH_TOLERANCE))[0]
    span = c["targetYear"] - c["latestYear"]
    return {
        "median": median.tolist(),
        "fan": fan.T.tolist(),
        "probability": prob.tolist(),
        "probabilityAtTarget": float(prob[span - 1]),
        "year50": first(0.5),
        "year90": first(0.9),
        "yearReached": int(years[reached[0]]) if len(reached) else None,
        "requiredGrowth": required_cagr(c["latestValue"], c["targetValue"], span),
    }


def _public_reference(c: dict) -> dict:
    """The same numbers through the public functions the tracker and the CLI call."""
    projection = unc.project(
        c["latestYear"], c["latestValue"], c["growth"], c["sigma"], c["targetValue"],
        c["targetYear"], shock_year=c["shockYear"], shock_size=c["shockSize"],
    )  # fmt: skip
    path = unc.median_path(
        c["latestYear"], c["latestValue"], c["growth"], c["horizon"], c["shockYear"], c["shockSize"]
    )
    span = c["targetYear"] - c["latestYear"]
    return {
        "median": path["value_usd"].tolist(),
        "fan": [projection.fan[name].tolist() for name, _ in unc.PERCENTILES],
        "probability": projection.curve["probability"].tolist(),
        "probabilityAtTarget": projection.probability_at_target_year,
        "year50": projection.year_50,
        "year90": projection.year_90,
        "yearReached": first_year_reached(path, c["targetValue"]),
        "requiredGrowth": required_cagr(c["latestValue"], c["targetValue"], span),
    }


def _run_in_browser(browser, combos: list[dict]) -> list[dict]:
    """Evaluate scenario() for every combination inside Chromium; constants come from Python."""
    source = JS.read_text(encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto("about:blank")
        page.add_script_tag(
            content=source + "\nwindow.__scenario = scenario; window.__ready = true;",
            type="module",
        )
        page.wait_for_function("window.__ready === true")
        constants = {
            "z": list(unc.FAN_Z),
            "logRelTol": unc.LOG_REACH_TOLERANCE,
            "reachRelTol": REACH_TOLERANCE,
        }
        out: list[dict] = []
        for start in range(0, len(combos), 5_000):  # chunks keep each message small
            chunk = [{**c, **constants} for c in combos[start : start + 5_000]]
            result = page.evaluate(
                "(cs) => JSON.stringify(cs.map((c) => window.__scenario(c)))", chunk
            )
            out.extend(json.loads(result))
        return out
    finally:
        page.close()


def _rel_diff(a: float, b: float) -> float:
    """Relative difference; below 1e-300 (subnormal doubles, whose relative precision is gone:
    a chance that small is zero for every reader) the difference counts absolutely."""
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _max_rel_diff(expected: dict, got: dict) -> float:
    worst = 0.0
    arrays = [("median", None), ("probability", None)] + [("fan", i) for i in range(5)]
    for key, i in arrays:
        e = expected[key] if i is None else expected[key][i]
        g = got[key] if i is None else got[key][i]
        assert len(e) == len(g), key
        worst = max([worst, *(_rel_diff(x, y) for x, y in zip(e, g, strict=True))])
    for key in ("probabilityAtTarget", "requiredGrowth"):
        worst = max(worst, _rel_diff(expected[key], got[key]))
    return worst


def _assert_parity(expected: list[dict], got: list[dict], combos: list[dict]) -> float:
    worst = 0.0
    for c, e, g in zip(combos, expected, got, strict=True):
        diff = _max_rel_diff(e, g)
        assert diff < REL_TOL, (diff, c)
        for key in ("year50", "year90", "yearReached"):
            assert e[key] == g[key], (key, e[key], g[key], c)
        worst = max(worst, diff)
    return worst


def test_hand_checked_case_in_the_browser(browser) -> None:
    """One case worked out by hand, so both sides are also checked against arithmetic.

    Latest 2024: $100; growth 10%; sigma 0; target $121 in 2026. Median: 100, 110, 121 (2024-26).
    Zero volatility: the fan collapses onto the median; P(2025) = 0 (110 < 121), P(2026) = 1
    (121 >= 121 within the reach tolerance). Reached in 2026, 50% and 90% years 2026, required
    growth (121/100)^(1/2) - 1 = 10%.
    """
    c = {
        "latestYear": 2024, "latestValue": 100.0, "growth": 0.1, "sigma": 0.0,
        "targetValue": 121.0, "targetYear": 2026, "horizon": 2026,
        "shockYear": None, "shockSize": 0.0,
    }  # fmt: skip
    (got,) = _run_in_browser(browser, [c])
    assert got["median"] == pytest.approx([100.0, 110.0, 121.0], rel=1e-12)
    assert got["probability"] == [0, 1]
    assert got["fan"][0] == pytest.approx([100.0, 110.0, 121.0], rel=1e-12)
    assert (got["yearReached"], got["year50"], got["year90"]) == (2026, 2026, 2026)
    assert got["requiredGrowth"] == pytest.approx(0.1, rel=1e-12)


def test_erfc_tail_matches_python(browser) -> None:
    """The tail, where 1 - erf(x) loses every digit: erfc(5) ~ 1.5e-12, erfc(20) ~ 5e-176."""
    page = browser.new_page()
    try:
        page.goto("about:blank")
        page.add_script_tag(
            content=JS.read_text(encoding="utf-8") + "\nwindow.__erfc = erfc;", type="module"
        )
        page.wait_for_function("typeof window.__erfc === 'function'")
        xs = [-6.0, -1.0, -0.2, 0.0, 0.3, 1.0, 2.9, 3.0, 3.1, 5.0, 10.0, 20.0, 26.0]
        got = page.evaluate("(xs) => xs.map((x) => window.__erfc(x))", xs)
    finally:
        page.close()
    for x, g in zip(xs, got, strict=True):
        assert _rel_diff(math.erfc(x), g) < 1e-14, (x, math.erfc(x), g)


def test_browser_math_matches_python_on_50000_combinations(browser) -> None:
    combos = _combos(N_FAST, seed=20261202)
    expected = [_fast_reference(c) for c in combos]
    worst = _assert_parity(expected, _run_in_browser(browser, combos), combos)
    print(f"max relative difference over {N_FAST} combinations: {worst:.2e}")


def test_browser_math_matches_the_public_functions(browser) -> None:
    combos = _combos(N_PUBLIC, seed=7)
    expected = [_public_reference(c) for c in combos]
    _assert_parity(expected, _run_in_browser(browser, combos), combos)


def test_number_formats_match_dashboard_formatting(browser) -> None:
    """One number format (issue #14): the component's formatUsd/formatPct write what
    ``dashboard.formatting`` writes, on 5,000 random values across every unit, sign and
    rounding edge (x.x5 halves included), so a card, a slider's value and the chart's labels
    drawn in the browser read exactly as Python's sentences and tables."""
    from dashboard.formatting import format_pct, format_usd

    rng = np.random.default_rng(14)
    usd = [float(v) for v in 10 ** rng.uniform(0, 13.5, 2500) * rng.choice([-1, 1], 2500)]
    usd += [0.0, 999_999.0, 1e6, 43.82e9, 87.64e9, 131.46e9, 1.25e12, 48.75e9, 999.95e9]
    pct = [float(v) for v in rng.uniform(-0.8, 2.0, 2500)]
    pct += [0.0, 0.125, 0.1325, -0.05, 0.0005, 0.585, 0.53, 1.0]
    live_js = (ROOT / "dashboard" / "app" / "live" / "live_scenario.js").read_text("utf-8")
    page = browser.new_page()
    try:
        page.goto("about:blank")
        page.add_script_tag(
            content=JS.read_text(encoding="utf-8") + "\n" + live_js
            + "\nwindow.__fmt = {formatUsd, formatPct};",
            type="module",
        )  # fmt: skip
        page.wait_for_function("window.__fmt !== undefined")
        got = page.evaluate(
            """([usd, pct]) => ({
                usd: usd.map((v) => window.__fmt.formatUsd(v)),
                pct0: pct.map((v) => window.__fmt.formatPct(v, 0)),
                pct1: pct.map((v) => window.__fmt.formatPct(v)),
                signed: pct.map((v) => window.__fmt.formatPct(v, 1, true)),
            })""",
            [usd, pct],
        )
    finally:
        page.close()
    mismatches = [(v, format_usd(v), g) for v, g in zip(usd, got["usd"], strict=True)
                  if format_usd(v) != g]  # fmt: skip
    for key, kwargs in (("pct0", {"digits": 0}), ("pct1", {}), ("signed", {"signed": True})):
        mismatches += [(v, format_pct(v, **kwargs), g)
                       for v, g in zip(pct, got[key], strict=True)
                       if format_pct(v, **kwargs) != g]  # fmt: skip
    assert not mismatches, mismatches[:10]
