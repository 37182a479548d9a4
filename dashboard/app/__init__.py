"""The Streamlit layer: the only package that imports ``streamlit``.

Router (``main``), warm start (``server``), cached data access (``cache``), URL state, links,
download menus and long texts; one module per page in ``screens/``.
"""
