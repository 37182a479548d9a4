"""Load test: N browser sessions at once on one dashboard server, each moving the growth slider.

Run: ``python benchmarks/load_test.py [--sessions 1 5 10 20] [--moves 10] [--think-ms 1000]``.

For each N a fresh ``streamlit run`` server (headless, loopback, free port, empty temporary store)
gets one warm-up visit (imports, caches). Then N sessions open the tracker, ``--open-parallel``
at a time (see StartLine for why), and once all are open they move the growth slider together:
``--moves`` keyboard moves each, waiting for the chart's numbers to change after each press, then
``--think-ms`` (±50% jitter, seeded) like a user reading the chart. Reported per N: errors
(timeouts, JavaScript errors, exception elements, lost connections), open time and
keypress-to-redrawn latency (p50/p95, in-page clock as in browser_bench.py), the server's peak
RSS (psutil, the process and its children, every 0.2 s) and CPU seconds of server and browser.

Why one Chromium with N contexts driven by asyncio: on a 2-core machine every extra browser
process takes CPU from the server under test. One browser, one event loop and N contexts (each a
separate cookie jar and Streamlit session, one renderer process each) is the cheapest load
generator that still runs the real frontend; ``--tabs`` makes it cheaper still (N tabs of one
context share the HTTP cache; each tab still has its own WebSocket and Streamlit session). It
still shares the two cores with the server, so the latencies include client-side contention;
the CPU columns show how much. Streamlit's own load-test harness uses one process per browser
instead, on 64-core CI runners.

Bounded everywhere: per-step timeouts, a per-level timeout, a global watchdog that kills the
server and exits; the server is always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import threading
import time
from dataclasses import dataclass, field

import psutil
from common import (
    CHART_DRAWN_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD,
    INSTRUMENT_JS,
    LAST_Y_JS,
    MOVE_LOG_JS,
    SCRIPT_IDLE,
    Y_CHANGED_JS,
    RssSampler,
    add_run_options,
    print_header,
    require_chromium,
    running_app,
    summary,
    watchdog,
)
from playwright.async_api import Browser, BrowserContext, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.asyncio.client import connect

STEP_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class SessionResult:
    open_ms: float | None = None
    moves_ms: list[float] = field(default_factory=list)
    script_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class StartLine:
    """Sessions open at most ``parallel`` at a time, then all start moving together.

    Opening costs the browser far more CPU than a slider move (parsing the frontend's and
    Plotly's JavaScript): N simultaneous opens on 2 cores starve each other past any timeout
    and measure the load generator, not the server. So the N sessions are opened in small
    batches, and the moves, which are what the goal is about, run truly concurrently.
    """

    def __init__(self, n: int, parallel: int):
        self.opening = asyncio.Semaphore(parallel)
        self.left = n
        self.go = asyncio.Event()

    def arrived(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.go.set()


async def one_session(
    browser: Browser,
    url: str,
    moves: int,
    think_ms: float,
    rng: random.Random,
    line: StartLine,
    shared: BrowserContext | None = None,
) -> SessionResult:
    """One user. In its own context (own cache and cookies), or a tab of ``shared``: each tab
    has its own WebSocket, hence its own Streamlit session, either way."""
    app = DASHBOARD
    out = SessionResult()
    page = None
    arrived = False
    try:
        async with line.opening:
            context = shared or await browser.new_context(viewport=VIEWPORT)
            if shared is None:
                await context.add_init_script(INSTRUMENT_JS)
            page = await context.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.on("pageerror", lambda exc: out.errors.append(f"JavaScript error: {exc}"))
            await page.goto(url, wait_until="commit")
            handle = await page.wait_for_function(
                CHART_DRAWN_JS, arg=[app.chart_selector, app.trace_prefix], polling="raf"
            )
            out.open_ms = await handle.json_value()
            await page.locator(SCRIPT_IDLE).wait_for(state="attached")
        line.arrived()
        arrived = True
        await line.go.wait()
        slider = app.slider(page)
        for i in range(moves):
            await page.locator(SCRIPT_IDLE).wait_for(state="attached")
            before = await page.evaluate(LAST_Y_JS, [app.chart_selector, app.trace_prefix])
            k = await page.evaluate("window.__bench.keys.length")
            await slider.focus()
            await page.keyboard.press("ArrowRight" if (i // 20) % 2 == 0 else "ArrowLeft")
            handle = await page.wait_for_function(
                Y_CHANGED_JS, arg=[app.chart_selector, app.trace_prefix, before], polling="raf"
            )
            drawn = await handle.json_value()
            if app.settle_ms:
                # The live tracker redraws in the browser; the server's run is the released
                # value's commit, sent after the component's debounce: wait for it to finish.
                await page.wait_for_timeout(app.settle_ms)
            await page.locator(SCRIPT_IDLE).wait_for(state="attached")
            log = await page.evaluate(MOVE_LOG_JS, [k, drawn])
            out.moves_ms.append(drawn - log["key"])
            if log["running"] is not None and log["notRunning"] is not None:
                out.script_ms.append(log["notRunning"] - log["running"])
            if think_ms:
                await asyncio.sleep(think_ms * rng.uniform(0.5, 1.5) / 1000)
        if await page.get_by_test_id("stException").count():
            out.errors.append("exception shown on the page")
        if not await page.locator("[data-test-connection-state='CONNECTED']").count():
            out.errors.append("WebSocket not connected at the end")
    except PlaywrightTimeout as exc:
        out.errors.append(f"timeout: {str(exc).splitlines()[0]}")
    except Exception as exc:  # a load test reports every failure instead of stopping
        out.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    finally:
        if not arrived:
            line.arrived()  # a session that failed to open must not hold the others back
        with contextlib.suppress(Exception):
            if shared is None and page is not None:
                await page.context.close()
            elif page is not None:
                await page.close()
    return out


# --- protocol client: Streamlit's own WebSocket messages, no browser ----------------------------


@dataclass
class RunTimes:
    chart_ms: float | None  # request sent -> the tracker chart's delta received
    finished_ms: float  # request sent -> script_finished received
    slider_id: str | None = None
    fragment_id: str = ""  # the st.fragment holding the slider ("" if none)
    pair: tuple[str, str] | None = None  # the sidebar pair selectbox: (widget id, label shown)
    page_hash: str = ""
    exception: str = ""  # message of an exception element, if any
    live: dict | None = None  # the live scenario component's data (values, revision), if any


async def _rerun(ws, widget_states=None, fragment_id: str = "", page_hash: str = "") -> RunTimes:
    """Ask for a rerun the way the frontend does (a BackMsg) and read the ForwardMsgs to the end.

    A widget inside an ``st.fragment`` makes the frontend rerun only that fragment (it sends the
    fragment's id); this client does the same once the first run told it the id. A callback may
    end the run early and ask for another (the tracker's first hand move of the growth slider
    reruns both of its fragments): the times are to the end of the last run.
    """
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = page_hash
    msg.rerun_script.fragment_id = fragment_id
    if widget_states is not None:
        msg.rerun_script.widget_states.CopyFrom(widget_states)
    t0 = time.perf_counter()
    await ws.send(msg.SerializeToString())
    out = RunTimes(None, 0.0, fragment_id=fragment_id, page_hash=page_hash)
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await ws.recv())
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            out.page_hash = fm.new_session.page_script_hash or out.page_hash
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            which = el.WhichOneof("type")
            if which == "bidi_component" and el.bidi_component.id.endswith("-live_scenario"):
                # The tracker's sliders, cards and chart: one component, whose state a
                # released slider sets (its values as JSON, as setStateValue sends them).
                comp = el.bidi_component
                out.chart_ms = (time.perf_counter() - t0) * 1e3
                out.slider_id = comp.id
                out.fragment_id = fm.delta.fragment_id
                out.live = json.loads(comp.json if comp.WhichOneof("data") == "json"
                                      else comp.mixed.json)  # fmt: skip
            elif (
                which == "plotly_chart"
                and DASHBOARD.chart_key
                and el.plotly_chart.id.endswith(DASHBOARD.chart_key)
            ):
                out.chart_ms = (time.perf_counter() - t0) * 1e3
            elif which == "slider" and el.slider.id.endswith("-" + DASHBOARD.slider_key):
                out.slider_id = el.slider.id
                out.fragment_id = fm.delta.fragment_id
            elif which == "selectbox" and el.selectbox.id.endswith("-pair"):
                box = el.selectbox
                shown = box.raw_value if box.set_value else box.options[box.default]
                out.pair = (box.id, shown)
            elif which == "exception":
                out.exception = el.exception.message or el.exception.type or "exception"
        elif kind == "script_finished":
            if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # a callback asked for another run (a keyed st.rerun): read it too
            out.finished_ms = (time.perf_counter() - t0) * 1e3
            return out


async def protocol_session(
    url: str, moves: int, think_ms: float, rng: random.Random, line: StartLine
) -> SessionResult:
    """One user without a browser: a WebSocket session that asks for the same reruns a slider
    move causes (the growth slider's new value in the widget states) and times the replies."""
    out = SessionResult()
    arrived = False
    ws = None
    try:
        async with line.opening:
            ws = await connect(
                url.replace("http://", "ws://") + "/_stcore/stream",
                subprotocols=["streamlit"], max_size=2**24, open_timeout=STEP_TIMEOUT_MS / 1000,
            )  # fmt: skip
            first = await asyncio.wait_for(_rerun(ws), STEP_TIMEOUT_MS / 1000)
            out.open_ms = first.finished_ms
            if first.slider_id is None:
                raise RuntimeError("no growth slider in the first run")
        line.arrived()
        arrived = True
        await line.go.wait()
        value = 13.2
        live = first.live
        for i in range(moves):
            value += 0.1 if (i // 20) % 2 == 0 else -0.1
            # The frontend sends every widget's state with each rerun; a widget left out loses
            # its value. The pair (outside the fragment, read inside it) and the slider suffice;
            # the fragment's other widgets fall back to their defaults, as on a first visit.
            states = WidgetStates()
            if first.pair is not None:
                pair = states.widgets.add()
                pair.id, pair.string_value = first.pair
            widget = states.widgets.add()
            widget.id = first.slider_id
            if live is not None:
                scenario = {**live["values"], "growth": round(value, 1),
                            "revision": live["revision"]}  # fmt: skip
                widget.json_value = json.dumps({"scenario": scenario})
            else:
                widget.double_array_value.data.append(round(value, 1))
            run = await asyncio.wait_for(
                _rerun(ws, states, first.fragment_id, first.page_hash), STEP_TIMEOUT_MS / 1000
            )
            if run.exception:
                out.errors.append(f"exception element: {run.exception[:120]}")
            if run.live is not None:
                live = run.live
            if run.chart_ms is None:
                out.errors.append("run without the tracker chart")
            else:
                out.moves_ms.append(run.chart_ms)
            out.script_ms.append(run.finished_ms)
            if think_ms:
                await asyncio.sleep(think_ms * rng.uniform(0.5, 1.5) / 1000)
    except TimeoutError:
        out.errors.append(f"timeout: no reply within {STEP_TIMEOUT_MS / 1000:g} s")
    except Exception as exc:  # a load test reports every failure instead of stopping
        out.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    finally:
        if not arrived:
            line.arrived()
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
    return out


class BrowserCpu:
    """CPU seconds used by the load generator: this process and every process under it (the
    browser) except the server.

    Renderer processes exit when their context closes, taking their counters with them, so a
    thread remembers each process's last reading every 0.2 s.
    """

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.last: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> None:
        for p in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if p.pid == self.server_pid or self.server_pid in {a.pid for a in p.parents()}:
                    continue
                t = p.cpu_times()
                self.last[(p.pid, p.create_time())] = t.user + t.system

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._read()

    def __enter__(self) -> BrowserCpu:
        self._read()
        self.start = sum(self.last.values()) + self._own()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._read()
        self.used = sum(self.last.values()) + self._own() - self.start

    @staticmethod
    def _own() -> float:
        """This process: the Playwright driver side, or the protocol clients themselves."""
        t = psutil.Process().cpu_times()
        return t.user + t.system


async def run_level(browser: Browser | None, n: int, args: argparse.Namespace) -> dict:
    """One server, one warm-up visit, then N sessions; ``browser`` None means protocol clients."""
    with running_app(DASHBOARD, args.server_arg) as (proc, url):
        idle_rss = RssSampler(proc.pid).rss()
        # One visit first: module imports and caches, which only the first user pays.
        if browser is None:
            warm = await protocol_session(url, 1, 0, random.Random(0), StartLine(1, 1))
        else:
            warm = await one_session(browser, url, 1, 0, random.Random(0), StartLine(1, 1))
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.errors}")
        rngs = [random.Random(1000 * n + i) for i in range(n)]
        line = StartLine(n, args.open_parallel)
        shared = None
        if browser is not None and args.tabs:
            shared = await browser.new_context(viewport=VIEWPORT)
            await shared.add_init_script(INSTRUMENT_JS)
        if browser is None:
            sessions = [protocol_session(url, args.moves, args.think_ms, r, line) for r in rngs]
        else:
            sessions = [
                one_session(browser, url, args.moves, args.think_ms, r, line, shared) for r in rngs
            ]
        with RssSampler(proc.pid, interval=0.2) as sampler, BrowserCpu(proc.pid) as client:
            t0 = time.monotonic()
            try:
                results = await asyncio.wait_for(
                    asyncio.gather(*sessions), timeout=args.level_timeout
                )
            finally:
                if shared is not None:
                    await shared.close()
            wall = time.monotonic() - t0
    return {
        "n": n,
        "errors": [e for r in results for e in r.errors],
        "open": summary([r.open_ms for r in results if r.open_ms is not None]),
        "moves": summary([m for r in results for m in r.moves_ms]),
        "script": summary([m for r in results for m in r.script_ms]),
        "expected_moves": n * args.moves,
        "idle_rss": idle_rss,
        "peak_rss": sampler.peak_rss,
        "server_cpu": sampler.cpu_used,
        "client_cpu": client.used,
        "wall": wall,
    }


async def main_async(args: argparse.Namespace) -> list[dict]:
    if args.client == "protocol":
        print_header("Load test: N concurrent WebSocket sessions (no browser) on one server")
        return [await run_level(None, n, args) for n in args.sessions]
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            print_header("Load test: N concurrent browser sessions on one server", browser.version)
            return [await run_level(browser, n, args) for n in args.sessions]
        finally:
            await browser.close()


def _ms(x: float) -> str:
    return "–" if x != x else f"{x:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--moves", type=int, default=10, help="slider moves per session")
    parser.add_argument("--think-ms", type=float, default=1000, help="pause after each move")
    parser.add_argument(
        "--client", choices=["browser", "protocol"], default="browser",
        help="real browser sessions, or WebSocket sessions speaking Streamlit's protocol",
    )  # fmt: skip
    parser.add_argument(
        "--tabs", action="store_true",
        help="sessions as tabs of one context (shared HTTP cache) instead of one context each",
    )  # fmt: skip
    parser.add_argument(
        "--open-parallel", type=int, default=2, help="sessions opening at the same time"
    )
    parser.add_argument("--level-timeout", type=float, default=300, help="seconds per N")
    add_run_options(parser, timeout=1200, server_args="--runner.postScriptGC=false")
    args = parser.parse_args()
    if args.client == "browser":
        require_chromium()
    if max(args.sessions) > 50:
        raise SystemExit("at most 50 sessions: this is a 2-core load generator")
    watchdog(args.timeout)
    levels = asyncio.run(main_async(args))

    browser = args.client == "browser"
    how = (
        f"{'tabs of one browser context' if args.tabs else 'one browser context each'}"
        if browser
        else "WebSocket clients speaking Streamlit's protobuf messages, no browser"
    )
    print(
        f"Each session: open the tracker, then {args.moves} growth-slider moves with "
        f"{args.think_ms:g} ms ± 50% think time after each; {how}; opened "
        f"{args.open_parallel} at a time, then all move together. Server flags: "
        f"{' '.join(args.server_arg) or 'none beyond the repo config'}."
    )
    if browser:
        print(
            "Open: navigation start to chart drawn. Move: keypress to the chart's numbers "
            "redrawn. Script run: running → notRunning as the page saw it.\n"
        )
    else:
        print(
            "Open: first rerun request to script finished. Move: rerun request sent to the "
            "tracker chart's message received (a browser draws after that). Script run: request "
            "to script_finished received.\n"
        )
    print(
        "| sessions | moves done | errors | open p50 (ms) | open p95 | move p50 (ms) | move p95 "
        "| move max | script run p50 (ms) | server RSS idle → peak (MB) "
        f"| server CPU s / wall s | {'browser' if browser else 'client'} CPU s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lv in levels:
        o, m, s = lv["open"], lv["moves"], lv["script"]
        print(
            f"| {lv['n']} | {m.n}/{lv['expected_moves']} | {len(lv['errors'])} | {_ms(o.p50)} "
            f"| {_ms(o.p95)} | {_ms(m.p50)} | {_ms(m.p95)} | {_ms(m.hi)} | {_ms(s.p50)} "
            f"| {lv['idle_rss'] / 2**20:,.0f} → {lv['peak_rss'] / 2**20:,.0f} "
            f"| {lv['server_cpu']:.1f} / {lv['wall']:.1f} | {lv['client_cpu']:.1f} |"
        )
    top = levels[-1]
    ok = (
        not top["errors"]
        and top["moves"].p95 < 1500
        and top["peak_rss"] < 600 * 2**20
        and top["moves"].n == top["expected_moves"]
    )
    print(
        f"\nGoal at N = {top['n']}: zero errors, move p95 < 1,500 ms, peak RSS < 600 MB: "
        f"**{'met' if ok else 'NOT met'}**."
    )
    for lv in levels:
        for e in sorted(set(lv["errors"]))[:5]:
            print(f"- N = {lv['n']}: {e} (x{lv['errors'].count(e)})")


if __name__ == "__main__":
    main()
