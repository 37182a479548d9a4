"""Speed in a real browser, the dashboard side by side with the bare reference app.

Run: ``python benchmarks/browser_bench.py [--cold 10] [--restarts 3] [--moves 30]``.

Both apps run under ``streamlit run`` (headless, loopback, free port) at the same time and are
measured in one run with the same system Chromium, samples interleaved (dashboard, reference,
dashboard, ...) so machine noise hits both alike. Printed: markdown tables with medians, p95 and
the dashboard/reference ratio (goal: at most 1.3 for both).

1. Cold first render: ``goto`` to the chart drawn (the keyed ``.js-plotly-plot`` exists and its
   ``_fullData`` holds the scenario trace), in a new browser context each sample (empty cache).
   Taken twice: the first visit after a server start (``--restarts`` fresh servers: the page
   modules are imported then), and ``--cold`` visits to a warm server.
2. Interaction: ArrowRight on the growth slider to the chart's numbers changed in the browser
   (the scenario trace's last y, polled every animation frame), ``--moves`` moves. The time is
   split with in-page stamps: keydown -> rerun request sent on the WebSocket (the widget's
   debounce) -> first message back (server picks up the rerun) -> last message before the chart
   changed (script progress up to the chart) -> chart changed (browser: protobuf, React, Plotly).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

from common import (  # the benchmarks folder is on sys.path when run as a script
    APPS_BY_NAME,
    CHART_DRAWN_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    INSTRUMENT_JS,
    LAST_Y_JS,
    MOVE_LOG_JS,
    REFERENCE,
    SCRIPT_IDLE,
    TIMEOUT_MS,
    VIEWPORT,
    Y_CHANGED_JS,
    AppSpec,
    add_run_options,
    open_for_moves,
    print_header,
    require_chromium,
    running_app,
    summary,
    watchdog,
)
from playwright.sync_api import Browser, Page, sync_playwright


def cold_sample(browser: Browser, app: AppSpec, url: str) -> dict[str, float]:
    """One first render in a fresh context: page clock (ms since navigation start) at milestones."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(INSTRUMENT_JS)
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        drawn = page.wait_for_function(
            CHART_DRAWN_JS, arg=[app.chart_selector, app.trace_prefix], polling="raf",
            timeout=TIMEOUT_MS,
        ).json_value()  # fmt: skip
        wall = (time.perf_counter() - t0) * 1e3
        marks = page.evaluate(
            """() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const log = window.__bench;
                return {dcl: nav.domContentLoadedEventEnd, ws: log.wsOpen,
                        first: log.recvs.length ? log.recvs[0] : null};
            }"""
        )
        return {"drawn": drawn, "wall": wall, **marks}
    finally:
        context.close()


def move_sample(page: Page, app: AppSpec, arrow: str) -> dict[str, float]:
    """One keypress on the growth slider until the chart's numbers change; in-page stamps."""
    page.bring_to_front()
    page.locator(SCRIPT_IDLE).wait_for(state="attached")
    before = page.evaluate(LAST_Y_JS, [app.chart_selector, app.trace_prefix])
    k = page.evaluate("window.__bench.keys.length")
    app.slider(page).focus()
    page.keyboard.press(arrow)
    drawn = page.wait_for_function(
        Y_CHANGED_JS, arg=[app.chart_selector, app.trace_prefix, before], polling="raf",
        timeout=TIMEOUT_MS,
    ).json_value()  # fmt: skip
    # Let the rest of the script finish before the next move, then read the stamps. The chart's
    # delta comes after the run's start message, so the state shown now is this run's. (A fast
    # run may never show "running": React can batch start and finish into one render.)
    if app.settle_ms:
        page.wait_for_timeout(app.settle_ms)
    page.locator(SCRIPT_IDLE).wait_for(state="attached")
    log = page.evaluate(MOVE_LOG_JS, [k, drawn])
    return {"drawn": drawn, **log}


def _ms(x: float) -> str:
    return "–" if x != x else f"{x:,.0f}"  # NaN -> dash


def _p50(rows: list[dict], fn) -> float:
    vals = []
    for r in rows:
        with contextlib.suppress(TypeError):
            vals.append(fn(r))
    return statistics.median(vals) if vals else float("nan")


def _verdict(ratio: float, goal: float) -> str:
    return "yes" if ratio <= goal else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=10, help="warm-server first renders per app")
    parser.add_argument("--restarts", type=int, default=3, help="fresh-server first renders")
    parser.add_argument("--moves", type=int, default=30, help="slider moves per app")
    parser.add_argument(
        "--apps", default="dashboard,reference",
        help=f"apps to measure, comma-separated, among {', '.join(APPS_BY_NAME)} "
        "(the reference is always added: every ratio is against it)",
    )  # fmt: skip
    add_run_options(parser, timeout=900, server_args="--runner.fastReruns=0")
    args = parser.parse_args()
    names = [n.strip() for n in args.apps.split(",") if n.strip()]
    unknown = [n for n in names if n not in APPS_BY_NAME]
    if unknown:
        parser.error(
            f"unknown app(s): {', '.join(unknown)}; choose among {', '.join(APPS_BY_NAME)}"
        )
    apps = [APPS_BY_NAME[n] for n in dict.fromkeys([*names, "reference"])]
    require_chromium()
    watchdog(args.timeout)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        print_header("Browser benchmark: dashboard vs reference app", browser.version)
        print(f"Server flags: {' '.join(args.server_arg) or 'none beyond the repo config'}.\n")

        # 1a. First visit after a server start.
        fresh: dict[str, list[dict]] = {a.name: [] for a in apps}
        for _ in range(args.restarts):
            for app in apps:
                with running_app(app, args.server_arg) as (_, url):
                    fresh[app.name].append(cold_sample(browser, app, url))

        with contextlib.ExitStack() as stack:
            urls = {a.name: stack.enter_context(running_app(a, args.server_arg))[1] for a in apps}
            # 1b. New context, warm server (one warm-up visit each, not counted).
            warm: dict[str, list[dict]] = {a.name: [] for a in apps}
            for app in apps:
                cold_sample(browser, app, urls[app.name])
            for _ in range(args.cold):
                for app in apps:
                    warm[app.name].append(cold_sample(browser, app, urls[app.name]))

            # 2. Slider moves, interleaved; direction flips every 20 moves to stay in range.
            pages = {a.name: open_for_moves(browser, a, urls[a.name]) for a in apps}
            moves: dict[str, list[dict]] = {a.name: [] for a in apps}
            for i in range(args.moves):
                arrow = "ArrowRight" if (i // 20) % 2 == 0 else "ArrowLeft"
                for app in apps:
                    try:
                        moves[app.name].append(move_sample(pages[app.name], app, arrow))
                    except Exception:
                        page = pages[app.name]
                        print(
                            f"move {i} on {app.name} failed; url {page.url}; log "
                            + page.evaluate("JSON.stringify(window.__bench)")[-600:]
                        )
                        raise
            for page in pages.values():
                page.context.close()
        browser.close()

    ref = REFERENCE.name
    others = [a.name for a in apps if a.name != ref]
    print("### 1. Cold first render (ms from navigation start to the chart drawn)\n")
    print(
        "| app | first visit after server start, median of "
        f"{args.restarts} | warm server, new context: n | p50 | p95 | min | max "
        "| p50 DOMContentLoaded | p50 WebSocket open | p50 first message |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for app in apps:
        f = summary([s["drawn"] for s in fresh[app.name]])
        w = summary([s["drawn"] for s in warm[app.name]])
        rows = warm[app.name]
        print(
            f"| {app.name} | {_ms(f.p50)} | {w.n} | {_ms(w.p50)} | {_ms(w.p95)} | {_ms(w.lo)} "
            f"| {_ms(w.hi)} | {_ms(_p50(rows, lambda r: r['dcl']))} "
            f"| {_ms(_p50(rows, lambda r: r['ws']))} | {_ms(_p50(rows, lambda r: r['first']))} |"
        )
    for name in others:
        fresh_ratio = (
            summary([s["drawn"] for s in fresh[name]]).p50
            / summary([s["drawn"] for s in fresh[ref]]).p50
        )
        warm_ratio = (
            summary([s["drawn"] for s in warm[name]]).p50
            / summary([s["drawn"] for s in warm[ref]]).p50
        )
        print(
            f"\nRatio {name} / reference (p50): first visit after server start "
            f"**{fresh_ratio:.2f}**, warm server **{warm_ratio:.2f}** (goal ≤ 1.3: "
            f"{_verdict(fresh_ratio, 1.3)} / {_verdict(warm_ratio, 1.3)})."
        )
    print()
    print("Python-side wall time of the same visits, p50 (goto call to chart seen): "
          + ", ".join(f"{a.name} {_ms(summary([s['wall'] for s in warm[a.name]]).p50)} ms"
                      for a in apps) + ".\n")  # fmt: skip

    print("### 2. Slider keypress to chart redrawn (ms)\n")
    print(
        "| app | moves | p50 | p95 | max | keydown → rerun sent | sent → first message "
        "| first → last message before redraw | last message → redrawn "
        "| script run seen by browser (running → notRunning) | messages before redraw |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for app in apps:
        rows = moves[app.name]
        total = summary([r["drawn"] - r["key"] for r in rows])
        print(
            f"| {app.name} | {total.n} | {_ms(total.p50)} | {_ms(total.p95)} | {_ms(total.hi)} "
            f"| {_ms(_p50(rows, lambda r: r['send'] - r['key']))} "
            f"| {_ms(_p50(rows, lambda r: r['firstRecv'] - r['send']))} "
            f"| {_ms(_p50(rows, lambda r: r['lastRecvBeforeDrawn'] - r['firstRecv']))} "
            f"| {_ms(_p50(rows, lambda r: r['drawn'] - r['lastRecvBeforeDrawn']))} "
            f"| {_ms(_p50(rows, lambda r: r['notRunning'] - r['running']))} "
            f"| {_p50(rows, lambda r: r['messages']):.0f} |"
        )
    r = summary([m["drawn"] - m["key"] for m in moves[ref]])
    for name in others:
        d = summary([m["drawn"] - m["key"] for m in moves[name]])
        print(
            f"\nRatio {name} / reference: p50 **{d.p50 / r.p50:.2f}**, p95 {d.p95 / r.p95:.2f} "
            f"(goals: p50 ≤ 1.3 for Streamlit widgets: {_verdict(d.p50 / r.p50, 1.3)}; "
            f"p50 ≤ 0.5 and p95 ≤ 0.7 for the live scenario: "
            f"{_verdict(d.p50 / r.p50, 0.5)} / {_verdict(d.p95 / r.p95, 0.7)})."
        )
    print(
        "\nStage columns are medians of each stage, so they need not add up to the p50 total; "
        "the live scenario sends nothing during a move (its stage columns are empty). Redraw is "
        "detected at the next animation frame (≤ 17 ms granularity)."
    )


if __name__ == "__main__":
    main()
