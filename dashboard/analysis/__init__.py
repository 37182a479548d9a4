"""Pure analysis: growth arithmetic, scenario paths, uncertainty, mirror gaps, target status.

Numbers and pandas objects in, numbers and pandas objects out. No I/O, no Streamlit, no Plotly.
"""
