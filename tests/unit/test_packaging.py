"""Bug 4: a wheel built with ``pip wheel .`` works on its own, outside the repository.

The wheel is built from a copy of the project's files, installed without dependencies into a
fresh venv that borrows this venv's installed packages (a ``.pth`` line, so no download), and
run from a temporary directory: ``scenario`` must find the shipped data and ``serve`` must start
with the app's Streamlit settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import requests

from dashboard.charts.plotly_js import PLOTLY_JS, PLOTLY_URL
from tests.support.paths import ROOT
from tests.support.serving import free_port, kill_tree, wait_healthy

pytestmark = pytest.mark.slow


def _project_files() -> list[str]:
    """Tracked and new (not ignored) files: what a fresh clone plus the work in progress holds."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh venv with only the wheel installed from this project."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in _project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(source)])
    (wheel,) = work.glob("trade_target_dashboard-*.whl")

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    site = Path(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ]
        ).stdout.strip()
    )
    # The dependencies come from this venv (a path line in a .pth is appended to sys.path; .pth
    # files inside it are not run, so this venv's editable install of the project stays out).
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
          "--no-warn-script-location", str(wheel)])  # fmt: skip
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import dashboard; print(dashboard.__file__)"],
        cwd=work,  # not the repository, whose dashboard/ `python -c` would import first
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "the wheel, not the repository"
    return venv / "bin"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADE_DASHBOARD_")}
    env["TRADE_DASHBOARD_DATA_DIR"] = str(tmp_path / "store")
    return env


def test_wheel_scenario_runs_outside_the_repository(installed, tmp_path):
    """The shipped snapshot travels in the wheel: CHN's 2025 figure is $48.7 bn and the target
    from 2024 ($43.82 bn x 2) is $87.64 bn, as in test_cli.py."""
    proc = _run(
        [str(installed / "trade-dashboard"), "scenario", "--reporter", "CHN", "--partner", "KAZ",
         "--target", "own"],
        cwd=tmp_path, env=_env(tmp_path),
    )  # fmt: skip
    data = json.loads(proc.stdout)
    assert data["latest_year"] == 2025 and data["latest_value_usd"] == 48.7e9
    assert data["target_value_usd"] == pytest.approx(87.64e9)


def test_wheel_serve_answers_with_the_app_settings(installed, tmp_path):
    """`serve` from the wheel answers /_stcore/health, serves the vendored plotly.js, and reads
    the app's config.toml: with ``browser.gatherUsageStats = false`` Streamlit does not
    announce usage statistics."""
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(installed / "trade-dashboard"), "serve", "--port", str(port)],
            cwd=tmp_path, env=_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert wait_healthy(proc, port) == "ok"
            # The vendored plotly.js travels in the wheel and the page names it in its head.
            page = requests.get(f"http://127.0.0.1:{port}/", timeout=10).text
            assert f'src="{PLOTLY_URL}"' in page
            js = requests.get(f"http://127.0.0.1:{port}{PLOTLY_URL}", timeout=10)
            assert js.status_code == 200 and js.content == PLOTLY_JS.read_bytes()
        finally:
            kill_tree(proc)
    text = (tmp_path / "serve.log").read_text()
    assert "usage statistics" not in text.lower(), text
    packaged = installed.parent.glob(
        "lib/python*/site-packages/dashboard/app/.streamlit/config.toml"
    )
    assert [p.read_text() for p in packaged] == [(ROOT / ".streamlit" / "config.toml").read_text()]
