"""What ``trade-dashboard serve`` runs: the app (``main.py``), warmed up at start.

Streamlit imports a page's modules and loads its data on the first visit, so without this the
first visitor after every start (a deploy, a restart) waits for pandas, Plotly, pandera and the
validated data files, ~0.5-1 s more than everyone after them (BENCHMARKS.md). ``streamlit run``
runs an ``st.App`` like a script; its lifespan does that work before the server takes requests.
It also serves plotly.js for the tracker's live scenario (:mod:`dashboard.app.live.vendor`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from dashboard.app.live.page_head import PlotlyInHead
from dashboard.app.live.vendor import ROUTES


def warm_up() -> None:
    """Do before the first visit what the first visit would do: import every screen's modules
    (pandas, Plotly, pandera, the analysis) and fill the data caches with what the default view
    reads. A bad data file is left for the first page run to report, with its message.
    """
    import dashboard.app.screens  # noqa: F401  (every screen, imported once as the server starts)
    from dashboard.app.cache import prefill
    from dashboard.app.pair_select import prefill_lists

    prefill()
    prefill_lists()


@asynccontextmanager
async def _warm_up(app: st.App) -> AsyncIterator[None]:
    warm_up()
    yield


# The live scenario's plotly.js, served once from the plotly wheel with a year-long cache (the
# component loads it by URL; a component's inlined script would travel with every rerun).
app = st.App("main.py", lifespan=_warm_up, routes=ROUTES, middleware=[Middleware(PlotlyInHead)])
