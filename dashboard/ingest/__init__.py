"""The only I/O: the shipped snapshot, the local store, uploads, and upstream HTTP sources.

Everything that reads a file or the network lives here and returns validated frames in the
vocabulary of :mod:`dashboard.model`; nothing here knows about Streamlit, charts or the CLI.
"""
