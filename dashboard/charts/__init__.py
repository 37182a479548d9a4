"""Plotly figure builders: data frames and results in, ``go.Figure`` out. No Streamlit here.

Shared style lives in :mod:`dashboard.charts.style` so every chart uses the same colour-blind-safe
palette and axis conventions (integer years, values in $ bn).
"""
