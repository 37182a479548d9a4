"""`trade-dashboard proxy` for real: two serve processes behind nginx, hit over HTTP and WebSocket.

No browser: the checks are what a browser relies on (its session's uploads reach the worker that
holds the session, the JavaScript comes compressed and cached) plus the project's own load client
(`benchmarks/load_test.py`'s protocol sessions). Skipped without nginx on a developer's machine;
CI installs nginx (`.ci/run`), and there a missing nginx fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gzip
import importlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
import streamlit
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from dashboard.charts.plotly_js import PLOTLY_JS, PLOTLY_URL
from dashboard.cli.proxy import ProxyError, find_nginx
from tests.e2e.conftest import IN_CI, free_port
from tests.support.paths import ROOT

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
WORKER_HEADER = "X-Trade-Dashboard-Worker"


@dataclass
class Running:
    url: str
    proc: subprocess.Popen
    log: Path


def _nginx_or_skip() -> None:
    try:
        find_nginx()
    except ProxyError as exc:
        if IN_CI:
            pytest.fail(f"the proxy tests must run in CI, but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """`python -m dashboard proxy --workers 2` on a free port; stopped with SIGTERM, after which
    nginx and both workers must be gone and the exit status 0."""
    _nginx_or_skip()
    store = tmp_path_factory.mktemp("proxy-store")
    log = tmp_path_factory.mktemp("proxy-log") / "proxy.log"
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "proxy", "--workers", "2", "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "TRADE_DASHBOARD_DATA_DIR": str(store)},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, f"proxy exited early:\n{log.read_text(errors='replace')}"
        try:
            if requests.get(f"{url}/_proxy/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"proxy did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.3)
    children = psutil.Process(proc.pid).children(recursive=True)
    yield Running(url, proc, log)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running after SIGTERM: {[c.cmdline() for c in alive]}"


def _worker(response: requests.Response) -> str:
    worker = response.headers.get(WORKER_HEADER)
    assert worker, f"no {WORKER_HEADER} header on {response.url}"
    # An opaque label: the workers' loopback addresses and ports stay private.
    assert re.fullmatch(r"w\d+", worker), worker
    return worker


def test_a_browser_stays_on_its_worker_and_new_browsers_are_spread(proxy: Running) -> None:
    """The first answer sets the route cookie; the next 10 requests with it reach the same
    worker. 40 cookie-less requests get 40 random routes: with 2 workers, all 40 on one would
    happen with probability 2 x 0.5^40 if the hash spreads them, so both workers must show up."""
    browser = requests.Session()
    first = browser.get(proxy.url + "/", timeout=10)
    assert first.status_code == 200
    assert "td_route" in browser.cookies
    home = _worker(first)
    again = {_worker(browser.get(proxy.url + "/", timeout=10)) for _ in range(10)}
    assert again == {home}
    spread = {_worker(requests.get(proxy.url + "/", timeout=10)) for _ in range(40)}
    assert len(spread) == 2, spread


@contextlib.contextmanager
def _session(url: str, cookies: dict[str, str]) -> Iterator[str]:
    """A Streamlit session over the proxy's WebSocket, as a browser with ``cookies`` opens it:
    yields the session id its worker gave it, and closes the socket after."""
    with connect(
        url.replace("http://", "ws://") + "/_stcore/stream",
        subprotocols=["streamlit"],
        additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        max_size=2**24,
        open_timeout=30,
    ) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fm = ForwardMsg()
            fm.ParseFromString(ws.recv(timeout=60))
            if fm.WhichOneof("type") == "new_session":
                yield fm.new_session.initialize.session_id
                return
        raise AssertionError("no new_session message")


def _upload(url: str, cookies: dict[str, str], session_id: str, n: int) -> int:
    """PUT a small CSV into ``session_id``'s uploads, as st.file_uploader does."""
    answer = requests.put(
        f"{url}/_stcore/upload_file/{session_id}/file-{n}",
        files={"file": ("series.csv", b"year,value\n2024,1\n", "text/csv")},
        headers={"X-Xsrftoken": cookies["_streamlit_xsrf"]},
        cookies=cookies,
        timeout=10,
    )
    return answer.status_code


def test_uploads_reach_the_worker_that_holds_the_session(proxy: Running) -> None:
    """Streamlit keeps a session's uploads in the process that holds its WebSocket and answers
    400 ("...without sticky sessions...") anywhere else. With the browser's cookies, 10 uploads
    of 10 succeed; with a route cookie that hashes to the other worker, the same upload fails,
    which shows the route cookie is what keeps it on the right process."""
    browser = requests.Session()
    first = browser.get(proxy.url + "/", timeout=10)
    browser.get(proxy.url + "/_stcore/health", timeout=10)  # sets the XSRF cookie, as in a browser
    cookies = dict(browser.cookies)
    assert {"td_route", "_streamlit_xsrf"} <= set(cookies), cookies
    home = _worker(first)
    with _session(proxy.url, cookies) as session_id:
        codes = [_upload(proxy.url, cookies, session_id, i) for i in range(10)]
        assert all(200 <= c < 300 for c in codes), codes
        other = next(
            route
            for route in (f"route-{i}" for i in range(200))
            if _worker(requests.get(proxy.url + "/", cookies={"td_route": route}, timeout=10))
            != home
        )
        assert _upload(proxy.url, {**cookies, "td_route": other}, session_id, 99) == 400


def _gzipped_then_cached(url: str, file: Path, accepts: tuple[str, str]) -> None:
    """Ask the proxy for ``url`` twice, with these Accept-Encoding lines: both answers are
    gzip-encoded, under half of ``file``, decompress to exactly it, and the second comes from
    the proxy's cache."""
    statuses = []
    for accept in accepts:
        answer = requests.get(url, headers={"Accept-Encoding": accept}, stream=True, timeout=30)
        wire = answer.raw.read(decode_content=False)
        assert answer.headers.get("Content-Encoding") == "gzip"
        assert len(wire) < file.stat().st_size / 2
        assert gzip.decompress(wire) == file.read_bytes()
        statuses.append(answer.headers.get("X-Cache-Status"))
    assert statuses[1] == "HIT", statuses


def test_static_javascript_comes_gzipped_then_from_the_cache(proxy: Running) -> None:
    """Plotly's bundle (4.7 MB, minified JavaScript) gzips to about 30% of its size (1.42 MB
    measured with zlib level 6), so the bytes on the wire must be under half of the file and
    decompress to exactly the file. The first request fills the cache; the second, from a browser
    with another Accept-Encoding line, is a HIT."""
    bundle = next(STATIC_JS.glob("PlotlyChart.*.js"))
    url = f"{proxy.url}/static/js/{bundle.name}"
    # Two browsers that both accept gzip but say so differently share the compressed copy.
    _gzipped_then_cached(url, bundle, ("gzip", "gzip, deflate, br, zstd"))
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, stream=True, timeout=30)
    assert "Content-Encoding" not in plain.headers
    assert plain.raw.read(decode_content=False) == bundle.read_bytes()


def test_the_tracker_page_asks_for_the_plotly_bundle_at_once(proxy: Running) -> None:
    """The tracker's HTML names the plotly.js it draws with (the live scenario's versioned copy,
    not Streamlit's bundle, which only other pages load) in a `Link: rel=preload; as=script`
    header, so a far visitor's browser fetches it with the rest; through the proxy it comes
    gzipped (under half of the file) and, asked again, from the cache."""
    page = requests.get(proxy.url + "/", timeout=10)
    link = page.headers.get("Link", "")
    assert link == f"<{PLOTLY_URL}>; rel=preload; as=script"
    _gzipped_then_cached(proxy.url + PLOTLY_URL, PLOTLY_JS, ("gzip", "gzip"))
    health = requests.get(proxy.url + "/_stcore/health", timeout=10)
    assert "Link" not in health.headers  # only the tracker's page preloads
    other = requests.get(proxy.url + "/mirror", timeout=10)
    assert other.headers["Content-Type"].startswith("text/html") and "Link" not in other.headers


def test_load_client_sessions_through_the_proxy_have_no_errors(proxy: Running) -> None:
    """Six protocol sessions (the load test's client: open the tracker, then 3 growth-slider
    moves each, 0.2 s ± 50% apart) through nginx: 6 x 3 = 18 moves, each answered with the
    tracker chart, and no errors."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        load_test = importlib.import_module("load_test")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

    async def run() -> list:
        line = load_test.StartLine(6, 2)
        return await asyncio.gather(*(
            load_test.protocol_session(proxy.url, 3, 200, random.Random(i), line)
            for i in range(6)
        ))  # fmt: skip

    # In its own thread: when the session's sync Playwright browser is up, this thread already
    # runs an event loop, and asyncio.run refuses to start a second one in it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(asyncio.run, run()).result()
    assert [e for r in results for e in r.errors] == []
    assert sum(len(r.moves_ms) for r in results) == 18


def test_ctrl_c_while_the_workers_start_stops_them_all(tmp_path: Path) -> None:
    """SIGINT before the workers answer: the command leaves at once (exit 1, saying why) and
    takes its workers with it, instead of waiting for them to finish starting."""
    _nginx_or_skip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "proxy", "--workers", "2", "--port", str(free_port())],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TRADE_DASHBOARD_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 30
    # Two `serve` wrappers, each with its `streamlit run` under it.
    while len(parent.children(recursive=True)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = parent.children(recursive=True)
    assert len(children) >= 4, "the workers were not started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "stopped by SIGINT while starting" in err
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running: {[c.cmdline() for c in alive]}"
