"""Scale-out benchmark: `trade-dashboard proxy` (workers behind nginx) against one server.

Run: ``python benchmarks/proxy_bench.py [--part load far] [--sessions 20 50 100] [--repeats 2]
[--workers 2] [--visits 5]``.

Two measurements, each with its baseline (one ``streamlit run`` of the dashboard, as
``load_test.py`` and ``browser_bench.py`` start it) in the same run, interleaved:

- **load**: N concurrent protocol sessions (``load_test.py``'s client: WebSocket sessions
  speaking Streamlit's protobuf, no browser, each opening the tracker and then moving the growth
  slider ``--moves`` times, ``--think-ms`` ± 50% apart), once against one server directly and
  once through the proxy. Each repeat starts a fresh server (or proxy), warms it with one
  session, then runs every N in ascending order. Reported: errors, moves done, move p50/p95
  (request sent to the tracker chart's message), the median of each over the repeats, the ratio
  proxy / direct, RSS and CPU of the whole process tree.
- **far**: the first visit of a far visitor. Chromium with DevTools network emulation
  (``Network.emulateNetworkConditions``: 10 Mbit/s down and up, 100 ms latency; cache disabled),
  a new context per visit: bytes on the wire (every response's ``encodedDataLength``, headers
  included, plus WebSocket frames received) and navigation start to the tracker chart drawn.

The proxy is started as a user starts it (``python -m dashboard proxy``) and stopped with
SIGTERM. Every server is always stopped; a global watchdog ends a run that hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from statistics import median

import requests
from common import (
    _LIVE,
    CHART_DRAWN_JS,
    CHROMIUM_ARGS,
    DASHBOARD,
    ROOT,
    RssSampler,
    add_run_options,
    print_header,
    require_chromium,
    running_app,
    summary,
    watchdog,
)
from load_test import StartLine, protocol_session

from dashboard.cli.proxy import free_port

EMULATION = {
    "offline": False,
    "latency": 100,  # ms added to every request: the round trip
    "downloadThroughput": 10_000_000 / 8,  # bytes/s
    "uploadThroughput": 10_000_000 / 8,
}


class _Stopper:
    """What the watchdog kills: the proxy command, by SIGTERM so it stops its own children."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)


@contextlib.contextmanager
def running_proxy(workers: int) -> Iterator[tuple[subprocess.Popen, str]]:
    """``python -m dashboard proxy --workers N`` on a free port with an empty store."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as store:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "proxy", "--workers", str(workers),
             "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL,
            env={**os.environ, "TRADE_DASHBOARD_DATA_DIR": store},
        )  # fmt: skip
        stopper = _Stopper(proc)
        _LIVE.add(stopper)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"proxy exited with status {proc.returncode}")
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"{url}/_proxy/health", timeout=1).ok:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("proxy did not start")
                time.sleep(0.3)
            yield proc, url
        finally:
            stopper.kill()
            _LIVE.discard(stopper)


@contextlib.contextmanager
def target(kind: str, workers: int) -> Iterator[tuple[subprocess.Popen, str]]:
    if kind == "direct":
        with running_app(DASHBOARD) as (proc, url):
            yield proc, url
    else:
        with running_proxy(workers) as (proc, url):
            yield proc, url


# --- load ----------------------------------------------------------------------------------


async def load_level(url: str, pid: int, n: int, args: argparse.Namespace) -> dict:
    rngs = [random.Random(1000 * n + i) for i in range(n)]
    line = StartLine(n, args.open_parallel)
    sessions = [protocol_session(url, args.moves, args.think_ms, r, line) for r in rngs]
    with RssSampler(pid, interval=0.2) as sampler:
        results = await asyncio.wait_for(asyncio.gather(*sessions), timeout=args.level_timeout)
    moves = summary([m for r in results for m in r.moves_ms])
    return {
        "errors": [e for r in results for e in r.errors],
        "moves": moves,
        "expected": n * args.moves,
        "peak_rss": sampler.peak_rss,
        "cpu": sampler.cpu_used,
        "wall": sampler.wall,
    }


async def load_part(args: argparse.Namespace) -> None:
    runs: dict[tuple[str, int], list[dict]] = {}
    for rep in range(args.repeats):
        for kind in ("direct", "proxy") if rep % 2 == 0 else ("proxy", "direct"):
            with target(kind, args.workers) as (proc, url):
                warm = await protocol_session(url, 1, 0, random.Random(0), StartLine(1, 1))
                if warm.errors:
                    raise RuntimeError(f"warm-up failed on {kind}: {warm.errors}")
                for n in args.sessions:
                    level = await load_level(url, proc.pid, n, args)
                    runs.setdefault((kind, n), []).append(level)
                    print(
                        f"<!-- repeat {rep + 1}, {kind}, N={n}: {len(level['errors'])} errors, "
                        f"move p50 {level['moves'].p50:,.0f} p95 {level['moves'].p95:,.0f} ms -->",
                        flush=True,
                    )
    print(
        f"\nEach session: open the tracker, then {args.moves} growth-slider moves with "
        f"{args.think_ms:g} ms ± 50% think time; opened {args.open_parallel} at a time, then all "
        f"move together. {args.repeats} repeats, direct and proxy alternating; medians over the "
        f"repeats. Proxy: {args.workers} workers. RSS and CPU: the whole process tree (the proxy's "
        "includes nginx and the idle `serve` wrapper of each worker).\n"
    )
    print(
        "| N | setup | errors (all repeats) | moves done | move p50 (ms) | move p95 (ms) "
        "| p95 per repeat | peak RSS (MB) | CPU s / wall s |"
    )
    print("|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for n in args.sessions:
        p95 = {}
        for kind in ("direct", "proxy"):
            levels = runs[(kind, n)]
            p50s = [lv["moves"].p50 for lv in levels]
            p95s = [lv["moves"].p95 for lv in levels]
            p95[kind] = median(p95s)
            errors = sum(len(lv["errors"]) for lv in levels)
            done = sum(lv["moves"].n for lv in levels)
            expected = sum(lv["expected"] for lv in levels)
            label = "one server" if kind == "direct" else f"proxy, {args.workers} workers"
            print(
                f"| {n} | {label} | {errors} | {done}/{expected} | {median(p50s):,.0f} "
                f"| {median(p95s):,.0f} | {', '.join(f'{x:,.0f}' for x in p95s)} "
                f"| {median(lv['peak_rss'] for lv in levels) / 2**20:,.0f} "
                f"| {median(lv['cpu'] for lv in levels):.1f} / "
                f"{median(lv['wall'] for lv in levels):.1f} |"
            )
        ratio = p95["proxy"] / p95["direct"]
        print(f"| {n} | ratio proxy / direct (p95) | | | | {ratio:.2f} | | | |")
    for (kind, n), levels in runs.items():
        errors = [e for lv in levels for e in lv["errors"]]
        for e in sorted(set(errors))[:3]:
            print(f"- {kind}, N = {n}: {e} (x{errors.count(e)})")


# --- far visitor -----------------------------------------------------------------------------


#: Resource timing of plotly.js (the live scenario's /vendor/ copy): when it had fully arrived
#: (ms from navigation start).
PLOTLY_ARRIVED_JS = """() => {
    const e = performance.getEntriesByType('resource').find(r => r.name.includes('/vendor/plotly'));
    return e ? e.responseEnd : null;
}"""


def far_visit(browser, url: str, emulate: bool) -> tuple[float, float, float | None]:
    """One first visit (cache disabled), emulated far away or not: (bytes on the wire, ms to
    the chart drawn, ms to the Plotly bundle received)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if emulate:
            cdp.send("Network.emulateNetworkConditions", EMULATION)
        wire = {"http": 0.0, "ws": 0.0}

        def finished(event: dict) -> None:
            wire["http"] += event.get("encodedDataLength", 0)

        def frame(event: dict) -> None:
            wire["ws"] += len(event["response"].get("payloadData", "")) * 3 / 4  # base64

        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.webSocketFrameReceived", frame)
        page.goto(url)
        handle = page.wait_for_function(
            CHART_DRAWN_JS, arg=[DASHBOARD.chart_selector, DASHBOARD.trace_prefix], polling="raf"
        )
        drawn = handle.json_value()
        plotly = page.evaluate(PLOTLY_ARRIVED_JS)
        page.wait_for_timeout(500)  # responses still finishing are part of the visit
        return wire["http"] + wire["ws"], drawn, plotly
    finally:
        context.close()


def far_part(args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    cases = [(k, e) for k in ("direct", "proxy") for e in (True, False)]
    samples: dict[tuple[str, bool], list] = {c: [] for c in cases}
    with (
        target("direct", args.workers) as (_, direct_url),
        target("proxy", args.workers) as (_, proxy_url),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            urls = {"direct": direct_url, "proxy": proxy_url}
            for kind in urls:  # one unmeasured visit each: server caches, nginx's cache
                far_visit(browser, urls[kind], emulate=False)
            for i in range(args.visits):
                for kind, emulate in cases if i % 2 == 0 else cases[::-1]:
                    samples[(kind, emulate)].append(far_visit(browser, urls[kind], emulate))
            version = browser.version
        finally:
            browser.close()
    print(
        f"\nChromium {version}, a new browser context per visit, cache disabled; far: DevTools "
        f"network emulation, {EMULATION['downloadThroughput'] * 8 / 1e6:g} Mbit/s down, "
        f"{EMULATION['uploadThroughput'] * 8 / 1e6:g} Mbit/s up, {EMULATION['latency']} ms "
        f"latency; near: no emulation (loopback), the same visit in the same run, to show the "
        f"CPU part. {args.visits} visits per row, all rows interleaved, after one unmeasured "
        "visit per setup. Bytes: every response's encoded length (headers included) plus "
        "WebSocket frames received. Times from navigation start.\n"
    )
    print(
        "| setup | network | visits | MB on the wire (median) | Plotly bundle received p50 (ms) "
        "| first chart p50 (ms) | min | max |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    med = {}
    for (kind, emulate), rows in samples.items():
        mb = median(r[0] for r in rows) / 1e6
        t = summary([r[1] for r in rows])
        plotly = summary([r[2] for r in rows if r[2] is not None])
        med[(kind, emulate)] = (mb, t.p50)
        label = "one server" if kind == "direct" else f"proxy, {args.workers} workers"
        print(
            f"| {label} | {'far' if emulate else 'near'} | {len(rows)} | {mb:.2f} "
            f"| {plotly.p50:,.0f} | {t.p50:,.0f} | {t.lo:,.0f} | {t.hi:,.0f} |"
        )
    far_d, far_p = med[("direct", True)], med[("proxy", True)]
    print(
        f"\nFar visitor, proxy / direct: bytes {far_p[0] / far_d[0]:.2f}, first chart "
        f"{far_p[1] / far_d[1]:.2f}. Goal through the proxy: under 3 MB "
        f"({'met' if far_p[0] < 3 else 'NOT met'}: {far_p[0]:.2f} MB), first chart within "
        f"6 s ({'met' if far_p[1] < 6000 else 'NOT met'}: {far_p[1] / 1000:.1f} s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", choices=["load", "far"], default=["load", "far"])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--repeats", type=int, default=2, help="load: runs of each setup")
    parser.add_argument("--workers", type=int, default=2, help="serve processes behind nginx")
    parser.add_argument("--moves", type=int, default=10, help="slider moves per session")
    parser.add_argument("--think-ms", type=float, default=1000, help="pause after each move")
    parser.add_argument("--open-parallel", type=int, default=2, help="sessions opening at once")
    parser.add_argument("--level-timeout", type=float, default=600, help="seconds per N")
    parser.add_argument("--visits", type=int, default=5, help="far: first visits per setup")
    add_run_options(parser, timeout=3600)
    args = parser.parse_args()
    watchdog(args.timeout)
    print_header("Scale-out: protocol sessions and a far visitor, proxy against one server")
    if "load" in args.part:
        asyncio.run(load_part(args))
    if "far" in args.part:
        far_part(args)


if __name__ == "__main__":
    main()
