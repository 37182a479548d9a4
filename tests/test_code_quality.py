"""Lint, format and the layer contract, as tests: the README's one test command checks them."""

import shutil
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

PATHS = ["dashboard", "tests", "benchmarks"]


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_is_clean():
    proc = _run(sys.executable, "-m", "ruff", "check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean():
    proc = _run(sys.executable, "-m", "ruff", "format", "--check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_the_ui_layer_imports_streamlit():
    """import-linter contracts in pyproject.toml: pure layers never import streamlit or the UI."""
    exe = shutil.which("lint-imports", path=str(ROOT / ".venv" / "bin")) or shutil.which(
        "lint-imports"
    )
    if exe is None:
        pytest.fail("lint-imports (import-linter) is not installed: pip install -e '.[test]'")
    proc = _run(exe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.lower() or "0 broken" in proc.stdout.lower()


def test_every_module_docstring_starts_with_a_one_line_summary():
    """Each module of the package says why it exists, in one line first (a blank line follows)."""
    import ast

    bad = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        lines = (doc or "").split("\n")
        if not lines[0].strip() or (len(lines) > 1 and lines[1].strip()):
            bad.append(str(path.relative_to(ROOT)))
    assert not bad, f"no one-line summary first: {bad}"
