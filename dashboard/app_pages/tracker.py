"""Target tracker (home): is the declared target on track, how likely is it, and by when?"""

import streamlit as st

from dashboard.ui.data import current_pair
from dashboard.ui.tracker_page import tracker_view

pair = current_pair()

st.title("Is the trade target on track?")
st.caption(f"{pair.label}: history with sources, the target, and how likely it is to be met.")
tracker_view(pair)
