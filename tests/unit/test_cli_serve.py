"""``trade-dashboard serve`` as a real process: where it listens and how it stops."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
import pytest

from dashboard.cli.main import build_parser
from tests.support.serving import free_port, kill_tree, port_is_free, wait_healthy


def _serve_args(*argv: str):
    from dashboard.cli.main import parse_args

    return parse_args(["serve", *argv])


def test_serve_listens_on_loopback_and_sigterm_frees_the_port(tmp_path):
    """#13: by default only this machine can connect (127.0.0.1). Bug 5: SIGTERM to the process
    the user started stops the server itself: within a few seconds the port is free again and
    no Streamlit child is left behind."""
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
        try:
            assert wait_healthy(proc, port) == "ok"
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            listening = {
                c.laddr.ip
                for p in family
                for c in p.net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN and c.laddr.port == port
            }
            assert listening == {"127.0.0.1"}

            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
            _, alive = psutil.wait_procs(family, timeout=10)
            assert alive == [], f"left running after SIGTERM: {alive}"
            deadline = time.monotonic() + 5
            while not port_is_free(port) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert port_is_free(port)
        finally:
            if proc.poll() is None:
                kill_tree(proc)


def test_serve_command_defaults_and_overrides():
    """The command `serve` runs: the app's server module, loopback by default; --address (or
    Streamlit's own --server.address) and --port choose otherwise; other options pass through."""
    from dashboard.cli.serve import DEFAULT_ADDRESS, serve_command

    cmd = serve_command(_serve_args())
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("server.py")
    assert cmd[cmd.index("--server.address") + 1] == DEFAULT_ADDRESS == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8501"

    cmd = serve_command(_serve_args("--address", "0.0.0.0", "--port", "9000", "--theme.base=dark"))
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--server.port") + 1] == "9000"
    assert cmd[-1] == "--theme.base=dark" and cmd.count("--server.address") == 1

    cmd = serve_command(_serve_args("--server.address", "10.0.0.5"))
    assert cmd[cmd.index("--server.address") + 1] == "10.0.0.5"
    assert cmd.count("--server.address") == 1


def test_serve_help_names_the_address_option(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve", "--help"])
    assert exc.value.code == 0
    assert "--address" in capsys.readouterr().out
