"""The nginx config `trade-dashboard proxy` writes, and its errors, without starting anything.

The running proxy (workers, nginx, stickiness, compression, load) is in tests/e2e/test_proxy_e2e.py.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from dashboard.cli import proxy
from dashboard.cli.main import main


def test_site_config_lists_every_worker_and_leaves_no_placeholder() -> None:
    """Three workers on 9001-9003 are three upstream servers on loopback, in that order; nginx
    listens where asked; every {{...}} is filled."""
    text = proxy.site_config([9001, 9002, 9003], "0.0.0.0", 8088, "/srv/td")
    servers = re.findall(r"^\s+server (127\.0\.0\.1:\d+) ", text, flags=re.M)
    assert servers == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert "listen 0.0.0.0:8088;" in text
    assert "listen unix:/srv/td/static.sock;" in text
    assert "{{" not in text and "}}" not in text


def test_ipv6_listen_address_is_bracketed() -> None:
    assert "listen [::1]:8080;" in proxy.site_config([9001], "::1", 8080, "/srv/td")


def test_no_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        proxy.site_config([], "127.0.0.1", 8080, "/srv/td")


def test_the_foreground_config_passes_nginx_own_check(tmp_path: Path) -> None:
    """`nginx -t` parses the whole config (maps, upstream hash, cache, inner server) and opens
    every path in it: all of them must be under the prefix, none in /var/lib/nginx."""
    try:
        nginx = proxy.find_nginx()
    except proxy.ProxyError as exc:
        pytest.skip(str(exc))
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    site = proxy.site_config([9001, 9002], "127.0.0.1", 8080, tmp_path)
    conf.write_text(proxy.main_config(site, tmp_path))
    check = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "/var/lib/nginx" not in conf.read_text()


def test_missing_nginx_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1, one line naming the apt package, and no worker started (it fails first)."""
    monkeypatch.setattr(proxy, "NGINX_CANDIDATES", ("no-such-nginx-binary",))
    assert main(["proxy", "--workers", "2", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "nginx is not installed" in err
    assert "sudo apt-get install nginx" in err


def test_an_nginx_path_that_does_not_exist_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--nginx", "/nonexistent/nginx"]) == 1
    assert "nginx not found at /nonexistent/nginx" in capsys.readouterr().err


def test_print_config_uses_fixed_ports_for_a_system_nginx(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--workers 3 --first-worker-port 8601: upstreams 8601, 8602, 8603; the cache and socket in
    the system state directory."""
    assert main(["proxy", "--print-config", "--workers", "3", "--first-worker-port", "8601"]) == 0
    out = capsys.readouterr().out
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", out) == ["8601", "8602", "8603"]
    assert f"proxy_cache_path {proxy.SYSTEM_STATE_DIR}/cache" in out


def test_zero_workers_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_a_port_in_use_is_reported_before_any_worker_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A listening socket on the port: exit 1 at once, naming the address and what to change
    (the workers would otherwise start for nothing and nginx fail after them)."""
    try:
        proxy.find_nginx()
    except proxy.ProxyError as exc:
        pytest.skip(str(exc))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["proxy", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "choose another --port" in err
