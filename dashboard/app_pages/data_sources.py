"""Data and sources: every observation behind the charts, with its link, date and confidence."""

import streamlit as st

from dashboard.model import Pair, basis_label
from dashboard.ui.data import observations

pair = Pair.parse(st.session_state["pair"])
obs = observations()

st.title("Data and sources")
st.caption(
    "Every figure the dashboard uses, with the publication it was read in. Years without a "
    "sourced figure are missing on purpose: nothing is interpolated."
)

rows = obs[
    ((obs["reporter"] == pair.a) & (obs["partner"] == pair.b))
    | ((obs["reporter"] == pair.b) & (obs["partner"] == pair.a))
].copy()
if rows.empty:
    st.info(f"No observations for {pair.label} yet.", icon=":material/info:")
    st.stop()

rows["basis"] = rows["reporter"].map(basis_label)
rows["value_bn"] = rows["value_usd"] / 1e9
st.dataframe(
    rows[
        [
            "basis",
            "year",
            "flow",
            "value_bn",
            "qualifier",
            "confidence",
            "source",
            "source_url",
            "published",
            "note",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "basis": "Statistics of",
        "year": st.column_config.NumberColumn("Year", format="%d"),
        "value_bn": st.column_config.NumberColumn("US$ bn", format="%.2f"),
        "source_url": st.column_config.LinkColumn("Link", display_text="open"),
        "published": "Published",
    },
)
