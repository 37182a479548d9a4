"""The server's warm-up (``app.server.warm_up``): it fills the data caches the first visit reads,
and it never stops a server from starting, even on a bad data file."""

from __future__ import annotations

import time

import streamlit as st

from dashboard.app import cache as data
from dashboard.app.server import warm_up


def test_warm_up_fills_the_cache_the_first_visit_reads(tmp_path, monkeypatch):
    """After warm_up, the merged observations for the default view come from the cache: the
    loader behind it is not called again."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    calls = []
    real = data.load_observations
    monkeypatch.setattr(data, "load_observations", lambda *a: calls.append(1) or real(*a))
    warm_up()
    assert calls == [1]
    started = time.perf_counter()
    frame = data._merged(*data._version("auto"))
    assert calls == [1], "the first visit's lookup is a cache hit"
    assert len(frame) > 0 and time.perf_counter() - started < 1


def test_warm_up_leaves_a_bad_data_file_for_the_page_to_report(tmp_path, monkeypatch):
    """A malformed local store does not stop the warm-up, and the page then uses the shipped
    data alone (issue #13: a damaged store degrades) and knows the store is damaged."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    store = data.store()
    store.directory.mkdir(parents=True, exist_ok=True)
    (store.directory / "manifest.json").write_text("this is not, a valid\nmanifest\x00\n")
    warm_up()  # must not raise
    prefer, store_dir, stamp = data._version("auto")
    assert data._stored(store_dir, stamp) == (None, True)
    merged = data._merged(prefer, store_dir, stamp)
    assert len(merged) > 0 and set(merged["origin"]) == {"snapshot"}
