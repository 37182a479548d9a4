"""How long the uncertainty engine takes per page rerun: closed form vs bootstrap.

Run: ``python benchmarks/bench_uncertainty.py``. Prints a markdown table of median wall times over
repeated runs. Goals (issue #3): closed-form fan + probabilities for 25 future years under 5 ms,
bootstrap with 10,000 paths over 25 years under 50 ms. Synthetic inputs: no data files, no network.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.analysis.uncertainty import estimate_volatility, project

LATEST_YEAR = 2025
HORIZON = LATEST_YEAR + 25  # 25 future years


def _median_ms(fn: Callable[[], object], repeats: int, warmup: int = 3) -> tuple[float, float]:
    """Median and 90th-percentile wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def main() -> None:
    rng = np.random.default_rng(0)
    years = [1992, 2008, 2010, 2013, 2017, 2018, 2021, 2022, 2023, 2024, 2025]
    logs = np.cumsum(rng.normal(0.1, 0.2, len(years)))
    series = pd.Series(np.exp(logs) * 1e9, index=years)
    est = estimate_volatility(series)
    common = dict(
        latest_year=LATEST_YEAR,
        latest_value=48.7e9,
        growth=0.1,
        volatility=0.2,
        target_value=87.64e9,
        target_year=2030,
        horizon=HORIZON,
    )
    cases: list[tuple[str, Callable[[], object], float | None, int]] = [
        ("estimate_volatility (11 obs, gaps)", lambda: estimate_volatility(series), None, 300),
        ("closed form, 25 years", lambda: project(**common), 5.0, 300),
        (
            "closed form, 25 years, with shock",
            lambda: project(**common, shock_year=2027, shock_size=-0.3),
            5.0,
            300,
        ),
        (
            "bootstrap, 10,000 paths x 25 years",
            lambda: project(**common, method="bootstrap", historical_log_growth=est),
            50.0,
            50,
        ),
        (
            "bootstrap, 10,000 paths x 25 years, 'length' scheme",
            lambda: project(
                **common,
                method="bootstrap",
                historical_log_growth=est,
                bootstrap_scheme="length",
            ),
            50.0,
            50,
        ),
    ]
    # nproc counts the CPUs this process may use (affinity), which os.cpu_count() does not.
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("Command: `python benchmarks/bench_uncertainty.py`")
    print(
        f"Machine: nproc = {cpus}, {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    print()
    print("| case | runs | median ms | p90 ms | goal ms | within goal |")
    print("|---|---:|---:|---:|---:|:---:|")
    for name, fn, goal, repeats in cases:
        med, p90 = _median_ms(fn, repeats)
        ok = "" if goal is None else ("yes" if med < goal else "NO")
        goal_txt = "" if goal is None else f"{goal:g}"
        print(f"| {name} | {repeats} | {med:.3f} | {p90:.3f} | {goal_txt} | {ok} |")


if __name__ == "__main__":
    main()
