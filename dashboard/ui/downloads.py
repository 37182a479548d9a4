"""Download buttons for a chart's data. Files are built only when clicked (callables)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st


def download_buttons(
    make_table: Callable[[], pd.DataFrame], *, name: str, key: str, label: str
) -> None:
    """Offer the table as CSV; ``name`` is the file name without extension.

    ``make_table`` runs only when a button is clicked (in Streamlit's download thread), so
    building the file costs nothing on the reruns that a slider move triggers.
    """
    st.download_button(
        f"Download {label} (CSV)",
        data=lambda: make_table().to_csv(index=False, lineterminator="\n").encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=f"{key}_csv",
    )
