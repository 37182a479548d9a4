"""Streamlit entry point: page config, the shared pair selector, navigation between the screens.

Run with ``trade-dashboard serve`` (or ``streamlit run dashboard/app/server.py``: this app, warmed
up as the server starts). The screens live in ``screens/``; they only wire widgets to the pure
analysis, chart and report functions.
"""

import streamlit as st

from dashboard.app.navigation import route
from dashboard.app.pair_select import pair_selector

st.set_page_config(
    page_title="Trade target tracker",
    page_icon=":material/monitoring:",
    layout="wide",
)

page = route()
pair_selector()
page.run()
