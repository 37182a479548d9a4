"""Streamlit-only helpers shared by the pages: cached loaders, shared controls, error display."""
