"""Server-side cost of each page: script run time per rerun, bytes per rerun, and the GC after it.

Run: ``python benchmarks/bench_rerun.py [--repeats 30]``. Uses Streamlit's AppTest, which runs the
page script in-process the way the server does (no browser, no websocket), so the numbers are the
script's own work: loading (cached), analysis, figure building and serialisation. A "move" sets
one widget to a new value and reruns; the median over many moves is reported with the p90.

AppTest skips one thing the real server does after every run: with ``runner.postScriptGC`` (on by
default) the server calls ``gc.collect(2)`` on the script thread, holding the GIL. Its cost grows
with every object alive in the process (pandas, plotly, pandera, pycountry...), so it is timed
here separately, as is the same collection after ``gc.freeze()`` (which moves the objects alive
after warm-up out of the collector's reach).
Goal (issue #3): the tracker's rerun after a slider move under 100 ms median.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import plotly.io as pio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.support import live_apptest as live  # noqa: E402
from tests.support.apptest import switch_screen  # noqa: E402

APP = ROOT / "dashboard" / "app" / "main.py"
REFERENCE = ROOT / "benchmarks" / "reference_app.py"
# Page name -> (screen URL path or None for the reference app, widget kind, key, values to cycle).
PAGES: dict[str, tuple[str | None, str, str, list]] = {
    "reference (bare slider + Plotly line)": (None, "slider", "growth", [5.0, 8.0, 11.0, 14.0]),
    # The tracker's sliders are the live component: a move is its commit (after a release).
    "tracker (growth slider released)": ("tracker", "live", "growth", [5.0, 8.0, 11.0, 14.0]),
    "mirror (CIF/FOB toggle)": ("mirror", "toggle", "cif_fob", [True, False]),
    "targets (all-pairs toggle)": ("targets", "toggle", "all_pairs", [True, False]),
    "data (preference radio)": (
        "data", "radio", "prefer", ["snapshot", "comtrade", "auto"],
    ),
}  # fmt: skip


def _payload_bytes(at: AppTest) -> tuple[int, int]:
    """Bytes of Plotly figure JSON and of table messages (Arrow inside) the run produced."""
    figures = sum(len(el.proto.spec) for el in at.get("plotly_chart"))
    if live.mounted(at):
        figures += len(json.dumps(live.payload(at)["figure"]))
    tables = sum(el.proto.ByteSize() for el in at.dataframe)
    return figures, tables


def _gc_ms(repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        gc.collect(2)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_page(page: str | None, kind: str, key: str, values: list, repeats: int) -> dict:
    at = AppTest.from_file(str(APP if page else REFERENCE), default_timeout=60)
    t0 = time.perf_counter()
    at.run()
    if page not in (None, "tracker"):
        switch_screen(at, page).run()
    cold = (time.perf_counter() - t0) * 1e3
    assert not at.exception, at.exception
    times = []
    for i in range(repeats):
        if kind == "live":
            live.release(at, **{key: values[i % len(values)]})
        else:
            getattr(at, kind)(key=key).set_value(values[i % len(values)])
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1e3)
        assert not at.exception, at.exception
    times.sort()
    figure, table = _payload_bytes(at)
    gc_ms = _gc_ms()
    gc.freeze()
    try:
        frozen_ms = _gc_ms()
    finally:
        gc.unfreeze()
    return {
        "cold_ms": cold,
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "figure_kb": figure / 1024,
        "table_kb": table / 1024,
        "gc_ms": gc_ms,
        "frozen_gc_ms": frozen_ms,
        "objects": len(gc.get_objects()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    # Same isolation as the browser benchmarks: an empty local store, not the developer's.
    os.environ.setdefault("TRADE_DASHBOARD_DATA_DIR", tempfile.mkdtemp(prefix="bench-store-"))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Command: `python benchmarks/bench_rerun.py --repeats {args.repeats}`  ")
    print(
        f"Machine: nproc = {cpus}, {platform.machine()}, Python {platform.python_version()}, "
        f"plotly JSON engine {pio.json.config.default_engine}\n"
    )
    print(
        "| page (widget moved) | first run (ms) | rerun median (ms) | p90 (ms) "
        "| figure JSON per rerun (KiB) | table messages per rerun (KiB) "
        "| + gc.collect(2) after the run (ms) | same after gc.freeze() (ms) "
        "| objects tracked by gc |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (page, kind, key, values) in PAGES.items():
        r = bench_page(page, kind, key, values, args.repeats)
        print(
            f"| {name} | {r['cold_ms']:.0f} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} "
            f"| {r['figure_kb']:.1f} | {r['table_kb']:.1f} | {r['gc_ms']:.0f} "
            f"| {r['frozen_gc_ms']:.1f} | {r['objects']:,} |"
        )
    print(
        "\nThe real server adds the gc.collect(2) column to every rerun while "
        "`runner.postScriptGC` is true (the default); the AppTest columns leave it out."
    )


if __name__ == "__main__":
    main()
