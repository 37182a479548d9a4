"""Server-side cost of each page: script run time per rerun and figure bytes per rerun.

Run: ``python benchmarks/bench_rerun.py [--repeats 30]``. Uses Streamlit's AppTest, which runs the
page script in-process the way the server does (no browser, no websocket), so the numbers are the
script's own work: loading (cached), analysis, figure building and serialisation. A "move" sets
one slider to a new value and reruns; the median over many moves is reported with the p90.
Goal (issue #3): the tracker's rerun after a slider move under 100 ms median.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import plotly.io as pio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

APP = ROOT / "dashboard" / "streamlit_app.py"
# Pages and one slider each to move: (page file, slider key, values to cycle through).
PAGES = {
    "reference (bare slider + Plotly line)": (None, "growth", [5.0, 8.0, 11.0, 14.0, 17.0]),
    "tracker": ("app_pages/tracker.py", "growth", [5.0, 8.0, 11.0, 14.0, 17.0]),
}
REFERENCE = ROOT / "benchmarks" / "reference_app.py"


def _figure_bytes(at: AppTest) -> int:
    """Bytes of every Plotly figure the run produced, as Streamlit ships them (JSON)."""
    return sum(len(el.proto.spec) for el in at.get("plotly_chart"))


def bench_page(page: str | None, key: str, values: list[float], repeats: int) -> dict[str, float]:
    at = AppTest.from_file(str(APP if page else REFERENCE), default_timeout=60)
    t0 = time.perf_counter()
    at.run()
    if page not in (None, "app_pages/tracker.py"):
        at.switch_page(page).run()
    cold = (time.perf_counter() - t0) * 1e3
    assert not at.exception, at.exception
    times = []
    for i in range(repeats):
        at.slider(key=key).set_value(values[i % len(values)])
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1e3)
        assert not at.exception, at.exception
    times.sort()
    return {
        "cold_ms": cold,
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "figure_kb": _figure_bytes(at) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"command: python benchmarks/bench_rerun.py --repeats {args.repeats}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, plotly JSON engine {pio.json.config.default_engine}"
    )
    print()
    print(
        "| page | first run (ms) | rerun after slider move, median (ms) | p90 (ms) "
        "| figure JSON per rerun (KiB) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, (page, key, values) in PAGES.items():
        r = bench_page(page, key, values, args.repeats)
        print(
            f"| {name} | {r['cold_ms']:.0f} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} "
            f"| {r['figure_kb']:.1f} |"
        )


if __name__ == "__main__":
    main()
