"""Shared fixtures: paths to the repo and its data, and a factory for broken data directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.paths import DATA


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets an empty local store: nothing reads or writes the user's real one."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path_factory.mktemp("store")))


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Streamlit's caches start empty: a test's data (e.g. a broken copy of data/) never leaks
    into the next one through a cached frame or the tracker's cached per-pair setup."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def _shared_server():
    """One local HTTP server per test module (stopping one costs 0.5 s: werkzeug's poll)."""
    from pytest_httpserver import HTTPServer

    srv = HTTPServer(threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of data/ that the loaders use instead of the real one."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    monkeypatch.setenv("TRADE_DASHBOARD_SNAPSHOT_DIR", str(target))
    return target
