"""Charts as PNG or SVG files, rendered on the server with Kaleido and the system Chromium.

Plotly's own toolbar already saves a PNG in the browser; this serves people who need a vector
file (SVG) for a report, or a PNG at print resolution. Kaleido drives a headless Chromium; it
finds Debian's ``chromium`` on the PATH (or the browser named by ``BROWSER_PATH``). Each call
starts the browser, so an image takes a few seconds: the page builds it only when clicked.
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Literal

import plotly.graph_objects as go

ImageFormat = Literal["png", "svg"]
#: Size of exported images in CSS pixels; PNGs are rendered at twice that for print.
WIDTH, HEIGHT, PNG_SCALE = 1200, 600, 2


class ChartImageError(RuntimeError):
    """The image could not be made; the message says why and what to do instead."""


def chromium_path() -> str | None:
    """The browser Kaleido will use, or None when the server has none."""
    return _find_chromium(os.environ.get("BROWSER_PATH"), os.environ.get("PATH"))


# The tracker asks on every slider move (to enable its image buttons); searching PATH cost ~1 ms
# each time. Keyed on the variables the search reads, so changing them searches again.
@functools.lru_cache(maxsize=8)
def _find_chromium(named: str | None, path: str | None) -> str | None:
    if named and os.path.exists(named):
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def figure_image(fig: go.Figure, fmt: ImageFormat) -> bytes:
    """``fig`` as PNG or SVG bytes, on a white background (the page's theme is not exported)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be png or svg, got {fmt!r}")
    browser = chromium_path()
    if browser is None:
        raise ChartImageError(
            "Chart files are rendered with Chromium on the server, and this server has none "
            "(install it with `apt-get install chromium`). The camera icon in the chart's "
            "toolbar saves a PNG from your browser instead."
        )
    export = go.Figure(fig)
    export.update_layout(template="plotly_white", paper_bgcolor="white")
    try:
        return export.to_image(
            format=fmt, width=WIDTH, height=HEIGHT, scale=PNG_SCALE if fmt == "png" else 1
        )
    except Exception as exc:  # kaleido raises many kinds (browser start, timeouts, ...)
        raise ChartImageError(f"The chart could not be rendered as {fmt.upper()}: {exc}") from exc
