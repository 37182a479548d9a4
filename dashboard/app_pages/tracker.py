"""Target tracker (home): is the declared target on track, how likely is it, and by when?"""

import streamlit as st

from dashboard.ui.data import current_pair
from dashboard.ui.texts import METHOD_EXPLAINER
from dashboard.ui.tracker_page import tracker_view

pair = current_pair()

st.title("Is the trade target on track?")
st.caption(f"{pair.label}: history with sources, the target, and how likely it is to be met.")
tracker_view(pair)
# Outside the fragment: the same text for every scenario, so slider moves do not resend it.
with st.expander("How this is computed", icon=":material/functions:"):
    st.markdown(METHOD_EXPLAINER)
