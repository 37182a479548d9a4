"""Where a slider move's time goes in the browser: a Chrome trace of one move, summarised.

Run: ``python benchmarks/trace_move.py [--app dashboard|reference] [--warmup 3]``.

Starts the app like the other benchmarks, makes ``--warmup`` growth-slider moves, then records a
Chrome performance trace (Playwright's ``browser.start_tracing``) of one more move and prints,
in ms from the keypress: when the rerun request left, when each WebSocket message was received
(the renderer receives them only between tasks, so a late receipt means a busy main thread),
every main-thread task over 1.5 ms with what it did (React render, Plotly in microtasks, layout,
paint), and when the chart's numbers changed. This is how BENCHMARKS.md explains the gap between
the dashboard and the reference app.
"""

from __future__ import annotations

import argparse
import collections
import json

from common import (  # the benchmarks folder is on sys.path when run as a script
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD,
    LAST_Y_JS,
    REFERENCE,
    SCRIPT_IDLE,
    Y_CHANGED_JS,
    AppSpec,
    add_run_options,
    open_for_moves,
    require_chromium,
    running_app,
    watchdog,
)
from playwright.sync_api import Page, sync_playwright

CATEGORIES = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline"]
MIN_TASK_MS = 1.5


def move(page: Page, app: AppSpec) -> float:
    """One ArrowRight on the growth slider; returns the page clock when the chart changed."""
    before = page.evaluate(LAST_Y_JS, [app.chart_selector, app.trace_prefix])
    app.slider(page).focus()
    page.keyboard.press("ArrowRight")
    drawn = page.wait_for_function(
        Y_CHANGED_JS, arg=[app.chart_selector, app.trace_prefix, before], polling="raf"
    ).json_value()
    if app.settle_ms:  # a component commits a released value after its debounce
        page.wait_for_timeout(app.settle_ms)
    page.locator(SCRIPT_IDLE).wait_for(state="attached")
    return drawn


def _label(event: dict) -> str:
    name, data = event["name"], event.get("args", {}).get("data", {})
    if name == "EventDispatch":
        return f"event:{data.get('type', '')}"
    if name == "FunctionCall":
        return "js:" + data.get("url", "").rsplit("/", 1)[-1].split(".")[0]
    return name


def summarise(trace: dict, drawn_after_key_ms: float) -> None:
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    keydowns = [e for e in events if _label(e) == "event:keydown"]
    key = keydowns[-1]
    main = (key["pid"], key["tid"])
    t0 = key["ts"]

    def ms(ts: float) -> float:
        return (ts - t0) / 1000

    on_main = [e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X"]
    sends = [ms(e["ts"]) for e in events if e["name"] == "WebSocketSend" and e["ts"] >= t0]
    recvs = sorted(ms(e["ts"]) for e in events if e["name"] == "WebSocketReceive" and e["ts"] >= t0)
    print(f"rerun request sent at {sends[0]:.1f} ms" if sends else "no rerun request seen")
    print(f"{len(recvs)} messages received, at: " + ", ".join(f"{t:.0f}" for t in recvs))
    print(f"chart's numbers changed at {drawn_after_key_ms:.0f} ms\n")
    print("main-thread tasks over 1.5 ms (start +duration: what ran inside)")
    tasks = sorted(
        (e for e in on_main if e["name"] == "RunTask" and e["ts"] >= t0 - 1000),
        key=lambda e: e["ts"],
    )
    for task in tasks:
        dur = task.get("dur", 0) / 1000
        if dur < MIN_TASK_MS or ms(task["ts"]) > drawn_after_key_ms + 100:
            continue
        end = task["ts"] + task.get("dur", 0)
        inside: collections.Counter[str] = collections.Counter()
        for e in on_main:
            if e is not task and task["ts"] <= e["ts"] and e["ts"] + e.get("dur", 0) <= end:
                label = _label(e)
                if label.startswith(("js:", "event:")) or label in (
                    "RunMicrotasks", "Layout", "UpdateLayoutTree", "Paint", "MinorGC",
                ):  # fmt: skip
                    inside[label] += e.get("dur", 0) / 1000
        what = ", ".join(f"{k} {v:.1f}" for k, v in inside.most_common(5))
        print(f"{ms(task['ts']):7.1f} +{dur:5.1f}  {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("dashboard", "reference"), default="dashboard")
    parser.add_argument("--warmup", type=int, default=3, help="moves before the traced one")
    add_run_options(parser, timeout=300)
    args = parser.parse_args()
    require_chromium()
    watchdog(args.timeout)
    app = DASHBOARD if args.app == "dashboard" else REFERENCE
    with sync_playwright() as p, running_app(app) as (_, url):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = open_for_moves(browser, app, url)
        for _ in range(args.warmup):
            move(page, app)
        browser.start_tracing(page=page, categories=CATEGORIES)
        drawn = move(page, app)
        key = page.evaluate("window.__bench.keys.at(-1)")
        trace = json.loads(browser.stop_tracing())
        print(f"## One slider move in the browser: {app.name}\n")
        summarise(trace, drawn - key)
        browser.close()


if __name__ == "__main__":
    main()
