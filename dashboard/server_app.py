"""What ``trade-dashboard serve`` runs: the app (``streamlit_app.py``), warmed up at start.

Streamlit imports a page's modules and loads its data on the first visit, so without this the
first visitor after every start (a deploy, a restart) waits for pandas, Plotly, pandera and the
validated data files, ~0.5-1 s more than everyone after them (BENCHMARKS.md). ``streamlit run``
runs an ``st.App`` like a script; its lifespan does that work before the server takes requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def _warm_up(app: st.App) -> AsyncIterator[None]:
    from dashboard.ui.data import warm_up

    warm_up()
    yield


app = st.App("streamlit_app.py", lifespan=_warm_up)
