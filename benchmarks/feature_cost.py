"""What each part of the tracker page costs a slider move, measured in the browser.

Run: ``python benchmarks/feature_cost.py [--moves 30]``.

Starts the reference app, ``feature_app.py`` with a growing set of the tracker's parts (each
row adds one group to the row above; with none it is the reference app), and the dashboard
itself, all at once, then moves each
one's growth slider ``--moves`` times, interleaved, and prints keypress -> chart redrawn p50
and p95, the ratio to the reference and each row's increment. Measured the same way as
``browser_bench.py`` (same page instrumentation, same move function).
"""

from __future__ import annotations

import argparse
import contextlib

from browser_bench import move_sample
from common import (  # the benchmarks folder is on sys.path when run as a script
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD,
    REFERENCE,
    ROOT,
    AppSpec,
    add_run_options,
    open_for_moves,
    print_header,
    require_chromium,
    running_app,
    summary,
    watchdog,
)
from playwright.sync_api import sync_playwright

LADDER = (
    ("+ the dashboard's scenario and tracker chart", "chart"),
    ("+ 4 pages in a top navigation, title, caption, explainer", "pages"),
    ("+ the pair selector in a sidebar", "sidebar"),
    ("+ choices: 3 selectboxes, target-year and multiple sliders", "choices"),
    ("+ uncertainty expander: 6 widgets", "expander"),
    ("+ 9 KPI cards", "kpis"),
    ("+ chart selector, 3 notes, 2 popovers", "notes"),
    ("+ choices and output as two fragments", "fragments"),
    ("+ every widget bound to the URL", "bind"),
)


def ladder_apps() -> list[AppSpec]:
    apps, features = [], []
    for label, feature in LADDER:
        features += [feature] if feature else []
        env = (("FEATURES", ",".join(features)),)
        script = ROOT / "benchmarks" / "feature_app.py"
        apps.append(AppSpec(label, script, "chart", "scenario", env=env))
    return apps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30, help="slider moves per app")
    add_run_options(parser, timeout=900)
    args = parser.parse_args()
    require_chromium()
    watchdog(args.timeout)
    apps = [REFERENCE, *ladder_apps(), DASHBOARD]
    with sync_playwright() as p, contextlib.ExitStack() as stack:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        print_header("What each part of the tracker costs a slider move", browser.version)
        urls = [stack.enter_context(running_app(app))[1] for app in apps]
        pages = [open_for_moves(browser, app, url) for app, url in zip(apps, urls, strict=True)]
        times: list[list[float]] = [[] for _ in apps]
        for i in range(args.moves):
            arrow = "ArrowRight" if (i // 20) % 2 == 0 else "ArrowLeft"
            for app, page, out in zip(apps, pages, times, strict=True):
                sample = move_sample(page, app, arrow)
                out.append(sample["drawn"] - sample["key"])
        browser.close()

    ref = summary(times[0]).p50
    print("| page | moves | keypress → redrawn p50 (ms) | p95 | ratio to reference | "
          "added by this row (ms) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    previous = None
    for app, samples in zip(apps, times, strict=True):
        s = summary(samples)
        step = "" if previous is None or app is DASHBOARD else f"{s.p50 - previous:+.0f}"
        print(f"| {app.name} | {s.n} | {s.p50:.0f} | {s.p95:.0f} | {s.p50 / ref:.2f} | {step} |")
        previous = s.p50
    print("\nLast ladder row = the tracker's structure with stand-in widgets; the dashboard row is "
          "the real page. Rows are medians of interleaved samples from one run.")  # fmt: skip


if __name__ == "__main__":
    main()
