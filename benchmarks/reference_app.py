"""The baseline for speed comparisons: one slider and one Plotly line chart, nothing else.

Benchmarks start it exactly like the dashboard and measure it the same way, so the dashboard's
numbers are quoted as a ratio to what bare Streamlit + Plotly costs on the same machine and run.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

growth = st.slider("Growth", -10.0, 30.0, 10.0, 0.1, key="growth", format="%.1f%%")
years = np.arange(2025, 2051)
values = 48.7 * (1 + growth / 100) ** (years - 2025)
fig = go.Figure(go.Scatter(x=years, y=values, mode="lines", name="scenario"))
st.plotly_chart(fig, key="chart")
