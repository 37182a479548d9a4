"""The demo page behind an ``st.App`` that serves plotly.js, as the real server does."""

import streamlit as st

from dashboard.app.live.vendor import ROUTES

app = st.App("page.py", routes=ROUTES)
