"""Start plotly.js with the page, not after the first script run: a tag added to the HTML head.

The tracker's chart waits for plotly.js. Loaded by the component's script, it is requested
only once the first run's messages have been rendered, and it is parsed and run after that, on
the critical path of the tracker's cold render (BENCHMARKS.md §3a). Named in the page's head,
the browser fetches and runs it while the WebSocket opens and Python runs the page, time in
which the browser's main thread mostly waits. The component then finds ``window.Plotly`` ready
(or waits for this tag; see ``loadPlotly`` in ``plotly_loader.js``). Only the app's root, the
tracker's address, gets the tag: the other pages draw with ``st.plotly_chart``, which loads
Streamlit's own copy, and a visitor who moves from one of them to the tracker gets plotly.js
from the component (the file is cached for a year once fetched).

An ASGI middleware on the app server (``dashboard/app/server.py``): only HTML answers are
changed, so every other route (assets, the WebSocket, the health check) passes through untouched.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.charts.plotly_js import PLOTLY_URL

#: The id the component looks for before adding its own tag (one copy of plotly.js per page).
TAG_ID = "tdl-plotly"

#: Deferred: fetched at once, run after Streamlit's own module script (deferred scripts keep
#: document order) and before the page's first messages are rendered. Measured against the tag
#: fetched at once but run at page load, an async tag, and a preload hint alone: BENCHMARKS.md §3a.
HEAD_TAG = (
    f'<script id="{TAG_ID}" defer src="{PLOTLY_URL}" onerror="this.dataset.failed=1"></script>'
)


def with_head_tag(html: bytes, tag: str = HEAD_TAG) -> bytes:
    """``html`` with ``tag`` just before ``</head>`` (unchanged if there is no head)."""
    at = html.find(b"</head>")
    if at < 0:
        return html
    return html[:at] + tag.encode() + html[at:]


class PlotlyInHead:
    """Add :data:`HEAD_TAG` to the HTML the server sends for the tracker (the app's root)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD passes through: its headers describe Streamlit's file, a few bytes shorter. The
        # tracker is the root ("/", or the base URL path's "/base/"); "/mirror" and the rest
        # are other pages.
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith("/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                html = headers.get("content-type", "").startswith("text/html")
                if not html or headers.get("content-encoding"):
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:  # not HTML: passed through as it comes
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = with_head_tag(b"".join(chunks))
            headers = MutableHeaders(raw=start["headers"])
            headers["content-length"] = str(len(body))
            # The page differs from the file Streamlit validated: its validators no longer hold.
            for name in ("etag", "last-modified"):
                if name in headers:
                    del headers[name]
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold)
