"""The import-linter contracts cannot drift: each is broken on purpose in a copy of the package.

A contract that lists modules by hand passes silently when a module is added or moved (it did:
`import streamlit` in the old `cli_data.py` still gave "2 kept, 0 broken"). These tests copy the
package and pyproject.toml into a temporary directory, plant one forbidden import at a time, and
assert that `lint-imports` run there fails, naming the planted module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "dashboard"


def _lint_imports() -> str:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if exe is None:
        pytest.fail("lint-imports (import-linter) is not installed: pip install -e '.[test]'")
    return exe


def _modules_outside_app() -> list[str]:
    """Every module of the package except the app layer and ``__main__`` (a script, not a layer)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[1:2] == ("app",) or parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _copy_project(dest: Path) -> Path:
    shutil.copytree(PACKAGE, dest / "dashboard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _module_file(root: Path, module: str) -> Path:
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _run_lint(root: Path) -> subprocess.CompletedProcess:
    # lint-imports finds the root package on sys.path; putting the copy first makes it analyse the
    # copy and not the editable install of the real package.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [_lint_imports(), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_copy_itself_keeps_every_contract(tmp_path: Path) -> None:
    """Control: without a planted import the copy passes, so the failures below are the plant's."""
    proc = _run_lint(_copy_project(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_streamlit_in_any_module_outside_the_app_breaks_a_contract(tmp_path: Path) -> None:
    """Each non-app module in turn gets ``import streamlit``; every single run must fail.

    One copy per module, so a plant never leaks into the next run; two at a time (the machines
    have two cores)."""
    modules = _modules_outside_app()
    assert len(modules) > 30, modules  # the whole package, not a hand-picked few

    def plant(module: str) -> tuple[str, subprocess.CompletedProcess]:
        root = _copy_project(tmp_path / module)
        target = _module_file(root, module)
        target.write_text(target.read_text(encoding="utf-8") + "\nimport streamlit  # planted\n")
        return module, _run_lint(root)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(plant, modules))
    passed = [module for module, proc in results if proc.returncode == 0]
    assert not passed, f"lint-imports kept its contracts with streamlit imported in: {passed}"
    for module, proc in results:
        assert module in proc.stdout, (module, proc.stdout)


def test_a_lower_layer_importing_the_app_breaks_the_layers_contract(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    target = _module_file(root, "dashboard.analysis.growth")
    target.write_text(target.read_text(encoding="utf-8") + "\nimport dashboard.app.cache\n")
    proc = _run_lint(root)
    assert proc.returncode != 0
    assert "dashboard.analysis.growth -> dashboard.app.cache" in proc.stdout


def test_a_new_folder_without_a_layer_breaks_the_layers_contract(tmp_path: Path) -> None:
    """The contract is exhaustive: a module nobody gave a layer is an error, not a blind spot."""
    root = _copy_project(tmp_path)
    (root / "dashboard" / "extras").mkdir()
    (root / "dashboard" / "extras" / "__init__.py").write_text('"""Planted."""\n')
    proc = _run_lint(root)
    assert proc.returncode != 0
    assert "dashboard.extras" in proc.stdout
