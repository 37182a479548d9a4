"""The browser's plotly.js: the vendored basic bundle, when it is served, and the head tag.

``choose_bundle`` serves the small basic bundle only while it is the plotly.js version the
installed wheel embeds (the figures plotly.py writes are for that version); ``PlotlyInHead``
names it, once, in the tracker's HTML (the app's root) and leaves every other answer byte for
byte as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dashboard.app.live.page_head import HEAD_TAG, TAG_ID, PlotlyInHead, with_head_tag
from dashboard.charts.plotly_js import BASIC_JS, WHEEL_JS, bundle_version, choose_bundle

README = BASIC_JS.parent / "README.md"


def _bundle(path: Path, header: str) -> Path:
    path.write_text(f"/**\n* {header}\n* Copyright 2012-2026, Plotly, Inc.\n*/\n(function(){{}})")
    return path


def test_the_vendored_bundle_is_what_its_readme_says():
    """The README names the version and sha256 of the file next to it; both must hold."""
    text = README.read_text(encoding="utf-8")
    version = re.search(r"\*\*v(\d+\.\d+\.\d+)\*\*", text).group(1)
    digest = re.search(r"sha256: `([0-9a-f]{64})`", text).group(1)
    assert bundle_version(BASIC_JS) == version
    assert hashlib.sha256(BASIC_JS.read_bytes()).hexdigest() == digest
    assert (BASIC_JS.parent / "LICENSE.plotly.txt").read_text().startswith("MIT License")
    # A quarter of the wheel's full bundle: the reason it is vendored at all.
    assert BASIC_JS.stat().st_size < WHEEL_JS.stat().st_size / 3


def test_the_basic_bundle_is_chosen_only_for_the_wheels_own_version(tmp_path):
    wheel = _bundle(tmp_path / "plotly.min.js", "plotly.js v9.8.7")
    same = _bundle(tmp_path / "basic.js", "plotly.js (basic - minified) v9.8.7")
    older = _bundle(tmp_path / "old.js", "plotly.js (basic - minified) v9.8.6")
    assert choose_bundle(wheel, same) == (same, "/vendor/plotly-basic-9.8.7.min.js")
    assert choose_bundle(wheel, older) == (wheel, "/vendor/plotly-9.8.7.min.js")
    assert choose_bundle(wheel, tmp_path / "missing.js") == (wheel, "/vendor/plotly-9.8.7.min.js")


def test_with_head_tag_puts_the_tag_once_before_the_head_ends():
    head, rest = b"<html><head><title>x</title>", b"</head><body></head-not-this></body></html>"
    out = with_head_tag(head + rest, "<script id=t></script>")
    assert out == head + b"<script id=t></script>" + rest
    assert with_head_tag(b"<p>no head</p>", "<script></script>") == b"<p>no head</p>"
    assert f'id="{TAG_ID}" defer' in HEAD_TAG


def _call(app, method: str = "GET", path: str = "/") -> tuple[dict, bytes]:
    """Run the middleware around ``app`` for one request; the response's headers and body."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    # In a thread of its own: after the browser tests, Playwright's sync API keeps an event loop
    # running in this one, and asyncio.run refuses to start another there.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, PlotlyInHead(app)(scope, receive, send)).result()
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return headers, b"".join(m.get("body", b"") for m in sent[1:])


def _app(content_type: str, chunks: list[bytes], extra: list[tuple[bytes, bytes]] = ()):
    async def app(scope, receive, send) -> None:
        body_len = str(sum(map(len, chunks))).encode()
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"content-type", content_type.encode()),
                        (b"content-length", body_len), *extra],
        })  # fmt: skip
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk,
                        "more_body": i < len(chunks) - 1})  # fmt: skip

    return app


def test_an_html_page_sent_in_parts_gets_the_tag_and_a_true_length():
    """Streamlit's index.html in two parts, with its validators: one tag, the length of what
    is sent, and no ETag or Last-Modified (they describe the file, not this page)."""
    page = [b"<html><head><title>Streamlit</title>", b"</head><body></body></html>"]
    app = _app(
        "text/html; charset=utf-8",
        page,
        [(b"etag", b'"abc"'), (b"last-modified", b"Wed, 02 Dec 2026 14:02:40 GMT")],
    )
    headers, body = _call(app)
    assert body.count(HEAD_TAG.encode()) == 1
    assert body == b"".join(page).replace(b"</head>", HEAD_TAG.encode() + b"</head>")
    assert headers["content-length"] == str(len(body))
    assert "etag" not in headers and "last-modified" not in headers


def test_everything_else_passes_through_untouched():
    """A script (even one containing '</head>'), a HEAD request for the page, and the other
    pages' HTML (they draw with st.plotly_chart's own copy: no second one)."""
    script = [b"const s = '</head>';", b" export default s;"]
    headers, body = _call(_app("text/javascript", script, [(b"etag", b'"js"')]))
    assert body == b"".join(script) and headers["etag"] == '"js"'
    page = [b"<html><head></head></html>"]
    headers, body = _call(_app("text/html", page), method="HEAD")
    assert body == page[0] and headers["content-length"] == str(len(page[0]))
    for other in ("/mirror", "/products", "/base/targets"):
        headers, body = _call(_app("text/html", page), path=other)
        assert body == page[0], other
    headers, body = _call(_app("text/html", page), path="/base/")
    assert HEAD_TAG.encode() in body
