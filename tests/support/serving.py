"""Start ``trade-dashboard serve`` as a real process, wait for its health check, stop it cleanly.

Shared by the serve and packaging tests, which both need a server on a free loopback port and
must never leave a Streamlit process behind.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time

import psutil
import requests


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a new server could bind ``port`` on the loopback interface now."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 90) -> str:
    """The text of ``/_stcore/health`` once the server answers; AssertionError if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with status {proc.returncode}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).text
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"no answer on port {port} within {timeout} s")


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and every process it started (cleanup after a failed test)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    proc.wait(timeout=30)
