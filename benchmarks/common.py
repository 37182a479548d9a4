"""Shared pieces of the browser benchmarks: servers, the browser, in-page timers, statistics.

Both apps (the dashboard and ``reference_app.py``) are started by the same function the e2e
tests use (``tests.e2e.conftest.start_streamlit``: ``streamlit run``, headless, loopback, free
port), each with an empty temporary local store so a developer's fetched data does not change the
numbers. Times are taken inside the page with ``performance.now()`` so Playwright's own round
trips do not count: a keypress is stamped by a capture-phase ``keydown`` listener and "drawn" is
the first animation frame at which Plotly's ``_fullData`` holds the new numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import shlex
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_streamlit, stop  # noqa: E402

__all__ = [
    "APPS",
    "APPS_BY_NAME",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DASHBOARD",
    "INSTRUMENT_JS",
    "LIVE_DEMO",
    "REFERENCE",
    "ROOT",
    "TIMEOUT_MS",
    "VIEWPORT",
    "AppSpec",
    "RssSampler",
    "add_run_options",
    "command_line",
    "machine_facts",
    "open_for_moves",
    "percentile",
    "require_chromium",
    "running_app",
    "summary",
    "watchdog",
]


@dataclass(frozen=True)
class AppSpec:
    """An app to measure: its script, and the chart, trace and slider the measurement uses."""

    name: str
    script: Path
    chart_key: str  # st.plotly_chart(key=...)
    trace_prefix: str  # the line whose numbers a growth move changes
    slider_key: str = "growth"
    env: tuple[tuple[str, str], ...] = ()  # extra environment for its server
    #: For a chart and slider drawn by a custom component (no Streamlit key): CSS selectors.
    chart_css: str = ""
    slider_css: str = ""
    #: After a move, wait this long before waiting for the script to be idle: a component
    #: commits a released value after its debounce, and the next move should not overlap the
    #: run that commit starts.
    settle_ms: int = 0

    @property
    def chart_selector(self) -> str:
        return self.chart_css or f".st-key-{self.chart_key} .js-plotly-plot"

    def slider(self, page: Page) -> Locator:
        """The growth slider: a component's range input, or Streamlit's keyed slider."""
        if self.slider_css:
            return page.locator(self.slider_css)
        return page.locator(f".st-key-{self.slider_key}").get_by_role("slider")


#: The tracker: its sliders, cards and chart are the live scenario component (issue #15).
DASHBOARD = AppSpec(
    "dashboard (tracker)", ROOT / "dashboard" / "app" / "server.py", "", "Scenario",
    chart_css=".st-key-live_scenario .tdl-chart.js-plotly-plot",
    slider_css=".tdl-control input[data-name=growth]", settle_ms=400,
)  # fmt: skip
REFERENCE = AppSpec("reference app", ROOT / "benchmarks" / "reference_app.py", "chart", "scenario")
#: The live scenario component alone (tests/support/live_demo): sliders and chart in the browser.
LIVE_DEMO = AppSpec(
    "live component (alone)", ROOT / "tests" / "support" / "live_demo" / "server.py", "",
    "Scenario", chart_css=".tdl-chart.js-plotly-plot", slider_css="input[data-name=growth]",
    settle_ms=400,
)  # fmt: skip
APPS = (DASHBOARD, REFERENCE)
#: Every app a benchmark can be asked for by short name (``--apps``).
APPS_BY_NAME = {"dashboard": DASHBOARD, "reference": REFERENCE, "live-demo": LIVE_DEMO}

#: Runs before any page script: stamps keypresses, WebSocket traffic and script-state changes.
INSTRUMENT_JS = """
(() => {
  const log = (window.__bench = { keys: [], sends: [], recvs: [], states: [], wsOpen: null });
  document.addEventListener('keydown', () => log.keys.push(performance.now()), true);
  const Native = window.WebSocket;
  class Timed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { log.wsOpen = log.wsOpen ?? performance.now(); });
      this.addEventListener('message', () => log.recvs.push(performance.now()));
    }
    send(data) { log.sends.push(performance.now()); return super.send(data); }
  }
  window.WebSocket = Timed;
  const watch = () => new MutationObserver((records) => {
    for (const r of records) {
      if (r.attributeName === 'data-test-script-state') {
        log.states.push([r.target.getAttribute('data-test-script-state'), performance.now()]);
      }
    }
  }).observe(document.documentElement, {
    subtree: true, attributes: true, attributeFilter: ['data-test-script-state'],
  });
  if (document.documentElement) watch(); else addEventListener('DOMContentLoaded', watch);
})();
"""

#: Predicate for page.wait_for_function: the chart has a trace ``prefix*`` with numbers in it.
#: Returns the page's clock (ms since navigation start) when true.
CHART_DRAWN_JS = """([sel, prefix]) => {
    const gd = document.querySelector(sel);
    if (!gd || !gd._fullData) return false;
    const t = gd._fullData.find(d => (d.name || '').startsWith(prefix));
    return (t && t.y && t.y.length) ? performance.now() : false;
}"""

#: The last y of trace ``prefix*`` (null if not drawn).
LAST_Y_JS = """([sel, prefix]) => {
    const gd = document.querySelector(sel);
    const t = gd && gd._fullData && gd._fullData.find(d => (d.name || '').startsWith(prefix));
    return (t && t.y && t.y.length) ? t.y[t.y.length - 1] : null;
}"""

#: Predicate: the last y of trace ``prefix*`` is no longer ``before``; returns the page's clock.
Y_CHANGED_JS = """([sel, prefix, before]) => {
    const gd = document.querySelector(sel);
    const t = gd && gd._fullData && gd._fullData.find(d => (d.name || '').startsWith(prefix));
    if (!t || !t.y || !t.y.length) return false;
    return t.y[t.y.length - 1] !== before ? performance.now() : false;
}"""

#: Everything the instrumentation logged since the keypress at index ``k``.
MOVE_LOG_JS = """([k, drawn]) => {
    const log = window.__bench;
    const key = log.keys[k];
    const after = (xs) => xs.filter(t => t >= key);
    const recvs = after(log.recvs);
    const before = recvs.filter(t => t <= drawn);
    const states = log.states.filter(([, t]) => t >= key);
    const first = (s) => { const x = states.find(([n]) => n === s); return x ? x[1] : null; };
    return {
        key,
        send: after(log.sends)[0] ?? null,
        firstRecv: recvs[0] ?? null,
        lastRecvBeforeDrawn: before.length ? before[before.length - 1] : null,
        running: first('running'),
        notRunning: first('notRunning'),
        messages: before.length,
    };
}"""

SCRIPT_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


#: Servers started by ``running_app`` and not yet stopped: the watchdog kills them on timeout.
_LIVE: set = set()


#: The desktop window every single-page browser benchmark uses.
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 60_000


def open_for_moves(browser: Browser, app: AppSpec, url: str) -> Page:
    """A new context on ``url`` with the page instrumentation, once the chart is drawn and the
    script is idle: ready for slider moves."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INSTRUMENT_JS)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_function(CHART_DRAWN_JS, arg=[app.chart_selector, app.trace_prefix])
    page.locator(SCRIPT_IDLE).wait_for(state="attached")
    return page


def add_run_options(
    parser: argparse.ArgumentParser, timeout: float, server_args: str | None = None
) -> None:
    """``--timeout`` (the watchdog's, in seconds) and, given an example flag for its help,
    ``--server-arg`` (extra ``streamlit run`` flags, repeatable)."""
    parser.add_argument("--timeout", type=float, default=timeout, help="global timeout, seconds")
    if server_args is not None:
        parser.add_argument(
            "--server-arg", action="append", default=[],
            help=f"extra `streamlit run` flag, e.g. --server-arg={server_args}",
        )  # fmt: skip


def require_chromium() -> str:
    """The system Chromium's path, or exit saying how to install it."""
    if CHROMIUM is None:
        raise SystemExit("system Chromium not found: sudo apt-get install chromium")
    return CHROMIUM


def watchdog(seconds: float) -> threading.Timer:
    """Hard stop after ``seconds``: kill every server still running, then exit with status 3.

    A benchmark that hangs (a browser waiting on a chart that never comes) must not leave a
    server behind or run forever.
    """

    def fire() -> None:
        print(f"\nwatchdog: global timeout of {seconds:g} s reached; stopping", file=sys.stderr)
        for proc in list(_LIVE):
            with contextlib.suppress(Exception):
                proc.kill()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


@contextlib.contextmanager
def running_app(app: AppSpec, extra: Sequence[str] = ()) -> Iterator[tuple[object, str]]:
    """``streamlit run`` the app on a free loopback port; always stops it. Yields (proc, url)."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as store:
        proc, url, log = start_streamlit(
            app.script,
            env={"TRADE_DASHBOARD_DATA_DIR": store, **dict(app.env)},
            extra=list(extra),
        )
        _LIVE.add(proc)
        try:
            yield proc, url
        finally:
            stop(proc)
            _LIVE.discard(proc)
            log.unlink(missing_ok=True)


class RssSampler:
    """Samples a process and its children every ``interval`` s in a thread: peak RSS and CPU."""

    def __init__(self, pid: int, interval: float = 0.2):
        import psutil

        self._psutil = psutil
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list:
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except self._psutil.Error:
            return []

    def rss(self) -> int:
        total = 0
        for p in self._tree():
            with contextlib.suppress(self._psutil.Error):
                total += p.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self._tree():
            with contextlib.suppress(self._psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self.rss())
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self.start_rss = self.rss()
        self.start_cpu = self.cpu_seconds()
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak_rss = max(self.peak_rss, self.rss())
        self.cpu_used = self.cpu_seconds() - self.start_cpu
        self.wall = time.monotonic() - self._t0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return math.nan
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class Stats:
    n: int
    p50: float
    p95: float
    lo: float
    hi: float
    values: list[float] = field(repr=False, default_factory=list)


def summary(values: Sequence[float]) -> Stats:
    xs = [v for v in values if v is not None and not math.isnan(v)]
    return Stats(len(xs), percentile(xs, 50), percentile(xs, 95), min(xs, default=math.nan),
                 max(xs, default=math.nan), list(xs))  # fmt: skip


def command_line() -> str:
    """How this script was started, as a command to paste."""
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(ROOT)
    return shlex.join(["python", str(script), *sys.argv[1:]])


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return math.nan


def streamlit_settings() -> str:
    """The runner/server settings in the repo's .streamlit/config.toml that affect latency."""
    path = ROOT / ".streamlit" / "config.toml"
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return "no .streamlit/config.toml"
    runner = config.get("runner", {})
    server = config.get("server", {})
    keys = [f"runner.{k} = {v}" for k, v in runner.items()]
    keys += [f"server.{k} = {v}" for k, v in server.items() if k in ("enableWebsocketCompression",)]
    return ", ".join(keys) or "runner defaults"


def machine_facts(browser_version: str | None = None) -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [
        f"nproc = {cpus} ({_cpu_model()})",
        f"RAM {_ram_gb():.0f} GB",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}",
        f"streamlit {_version('streamlit')}",
        f"plotly {_version('plotly')}",
        f"orjson {_version('orjson')}",
        f"playwright {_version('playwright')}",
    ]
    if browser_version:
        parts.append(f"Chromium {browser_version}")
    return ", ".join(parts) + f". Repo settings: {streamlit_settings()}."


def print_header(title: str, browser_version: str | None = None) -> None:
    print(f"## {title}\n")
    print(f"Command: `{command_line()}`  ")
    print(f"Machine: {machine_facts(browser_version)}\n")
