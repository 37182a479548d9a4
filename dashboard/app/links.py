"""Shared links: notices for unusable URL parameters, and a "copy link to this view" control.

Widgets are bound to the URL with ``bind="query-params"``. Streamlit already ignores a value a
widget cannot take (the widget starts from its default and the parameter leaves the URL); this
module tells the user it did, once per page and session, with the same rules as the widgets
(:mod:`dashboard.app.urlstate`). Numbers between a slider's steps are accepted as Streamlit does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from dashboard.app.copy_button import copy_button
from dashboard.app.urlstate import ParamSpec, encode_params, sanitize_params


def check_url(
    page: str, specs: Mapping[str, ParamSpec] | Callable[[], Mapping[str, ParamSpec]]
) -> None:
    """On a page's first run in a session, check the URL against ``specs`` and say what is wrong.

    Call it before the page's widgets: once they exist, the URL no longer holds what the link
    said. ``specs`` may be a function, called only on that first run (specs can cost a few ms
    to build, and every later rerun skips them).
    """
    flag = f"_url_checked_{page}"
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True
    if callable(specs):
        specs = specs()
    notices: list[str] = []
    for key, spec in specs.items():
        if key not in st.query_params:
            continue
        _, said = sanitize_params({key: st.query_params.get_all(key)}, {key: spec})
        notices += said
    if notices:
        st.info(
            "**Some settings in this link could not be used**, so defaults apply: "
            + " ".join(notices),
            icon=":material/link_off:",
        )


def share_link(
    values: Mapping[str, object],
    specs: Mapping[str, ParamSpec] | Callable[[], Mapping[str, ParamSpec]],
    page_path: str = "",
    key: str = "share_link",
) -> None:
    """A popover with the link to this exact view, in a code box with a copy button.

    The link is built only while the popover is open (it reruns when opened), so the reruns
    that slider moves trigger do not rebuild and resend it. ``specs`` may be a function, as in
    :func:`check_url`, so they are not built either.
    """
    with st.popover(
        "Copy link to this view", icon=":material/link:", key=key, on_change="rerun"
    ) as menu:
        if not menu.open:
            return
        if callable(specs):
            specs = specs()
        query = urlencode(encode_params(values, specs), doseq=True)
        base = st.context.url or "http://localhost:8501/"
        parts = urlsplit(base)
        path = "/" + page_path.strip("/") if page_path else parts.path
        url = urlunsplit((parts.scheme, parts.netloc, path, query, ""))
        st.caption("Anyone opening this link sees the same scenario.")
        st.code(url, language=None, wrap_lines=True)
        copy_button(url, key=f"{key}_copy")
