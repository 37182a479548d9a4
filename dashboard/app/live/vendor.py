"""plotly.js for the live scenario, served once from the installed ``plotly`` wheel's own copy.

A custom component's ``js`` travels with every rerun and is hashed by the browser each time, so
a 4.8 MB library must never be inlined; it is loaded by URL instead. The URL carries plotly's
version, so the browser (and the reverse proxy) may cache it for a year.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from dashboard.charts.plotly_js import PLOTLY_JS, PLOTLY_URL

__all__ = ["PLOTLY_JS", "PLOTLY_URL", "ROUTES"]


async def _plotly(_: Request) -> FileResponse:
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


#: Routes the server (``dashboard/app/server.py``) mounts next to Streamlit's own.
ROUTES = [Route(PLOTLY_URL, _plotly, methods=["GET", "HEAD"])]
