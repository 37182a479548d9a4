"""Target tracker (home): is the declared target on track, how likely is it, and by when?"""

import streamlit as st

from dashboard.model import Pair
from dashboard.ui.tracker_page import tracker_view

pair = Pair.parse(st.session_state["pair"])

st.title("Is the trade target on track?")
st.caption(f"{pair.label}: history with sources, the target, and how likely it is to be met.")
tracker_view(pair)
