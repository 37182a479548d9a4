"""Streamlit entry point: page config, the shared pair selector, navigation between pages.

Run from the repository root with ``trade-dashboard serve`` (or ``streamlit run
dashboard/server_app.py``: this app, warmed up as the server starts). The pages live in
``app_pages/``; they only wire widgets to the pure analysis and chart functions.
"""

from pathlib import Path

import streamlit as st

from dashboard.ui.data import pair_selector

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(
    page_title="Trade target tracker",
    page_icon=":material/monitoring:",
    layout="wide",
)

page = st.navigation(
    [
        st.Page(PAGES_DIR / "tracker.py", title="Target tracker", icon=":material/flag:",
                default=True),
        st.Page(PAGES_DIR / "mirror.py", title="Mirror statistics",
                icon=":material/compare_arrows:", url_path="mirror"),
        st.Page(PAGES_DIR / "targets.py", title="Targets registry", icon=":material/event:",
                url_path="targets"),
        st.Page(PAGES_DIR / "data_sources.py", title="Data and sources",
                icon=":material/table:", url_path="data"),
    ],
    position="top",
)  # fmt: skip
pair_selector()
page.run()
