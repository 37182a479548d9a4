"""A "Download" menu for a chart's data: CSV, Excel and JSON (and the chart as PNG/SVG).

The menu's buttons exist only while it is open (a lazy popover), and each file is built only
when its button is clicked, so the slider moves that rerun a page send one small element per
chart instead of five buttons.

Every file goes through :mod:`dashboard.report.files`, which guards text cells against spreadsheet
formula injection and adds the parameters and sources (an About sheet in Excel, a header object
in JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.report.files import sources_table, to_csv_bytes, to_json_bytes, to_xlsx_bytes
from dashboard.report.images import chromium_path, figure_image

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(
    make_table: Callable[[], pd.DataFrame],
    *,
    name: str,
    key: str,
    label: str,
    parameters: Mapping[str, Any] | None = None,
    figure: go.Figure | Callable[[], go.Figure] | None = None,
) -> None:
    """A "Download {label}" menu with CSV, XLSX and JSON buttons; ``name`` is the file name
    without extension. The menu's key is ``{key}_menu``, its buttons' ``{key}_{ext}``.

    With ``figure``, PNG and SVG buttons follow, rendered on the server by Kaleido and Chromium
    (disabled, with the reason, on a server without Chromium). ``figure`` may be a function:
    it is then called only when an image is asked for (a figure dressed for export, copied and
    re-validated by Plotly, cost ~10 ms on every slider move when built eagerly).

    ``make_table`` runs only when a button is clicked (in Streamlit's download thread).
    """
    params = dict(parameters or {})

    def xlsx() -> bytes:
        table = make_table()
        return to_xlsx_bytes(table, parameters=params, sources=sources_table(table), title=label)

    def json_() -> bytes:
        table = make_table()
        return to_json_bytes(table, parameters=params, sources=sources_table(table))

    formats = (
        ("csv", "CSV", lambda: to_csv_bytes(make_table()), "text/csv",
         ":material/download:"),
        ("xlsx", "Excel", xlsx, XLSX_MIME, ":material/table_view:"),
        ("json", "JSON", json_, "application/json", ":material/data_object:"),
    )  # fmt: skip
    with st.popover(
        f"Download {label}", icon=":material/download:", key=f"{key}_menu", on_change="rerun"
    ) as menu:
        if not menu.open:
            return
        for ext, text, build, mime, icon in formats:
            st.download_button(
                text,
                data=build,
                file_name=f"{name}.{ext}",
                mime=mime,
                on_click="ignore",
                icon=icon,
                key=f"{key}_{ext}",
            )
        if figure is not None:
            browser = chromium_path()
            for ext, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
                st.download_button(
                    f"Chart as {ext.upper()}",
                    data=lambda ext=ext: figure_image(
                        figure() if callable(figure) else figure, ext
                    ),
                    file_name=f"{name}.{ext}",
                    mime=mime,
                    on_click="ignore",
                    icon=":material/image:",
                    key=f"{key}_{ext}",
                    disabled=browser is None,
                    help="Rendered on the server at print resolution; takes a few seconds."
                    if browser
                    else "Needs Chromium on the server; use the camera icon on the chart.",
                )
