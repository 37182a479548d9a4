"""Showing upstream or user text on a page as plain text, never as Markdown, HTML or LaTeX.

Streamlit's text elements (``st.error``, ``st.caption``...) render Markdown: an upstream error
holding ``![x](http://elsewhere/pixel.png)`` made the visitor's browser fetch that image. Every
such text goes through :func:`show_plain`, which escapes it with :func:`dashboard.textsafe.
safe_label`; only the app's own wording (``lead``, ``tail``) is Markdown.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboard.textsafe import MAX_MESSAGE_CHARS, safe_label, safe_lines

Kind = Literal["caption", "markdown", "info", "warning", "error", "success"]


def plain(text: object, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as Markdown that shows it literally (one line, cut to ``max_chars``)."""
    return safe_label(text, max_chars)


def show_plain(
    text: object | list[object],
    kind: Kind = "caption",
    *,
    lead: str = "",
    tail: str = "",
    icon: str | None = None,
    max_chars: int = MAX_MESSAGE_CHARS,
) -> None:
    """Show untrusted ``text`` literally in an ``st.<kind>`` element.

    ``text`` is one message (its first line is kept: later lines of an exception are detail for
    the log) or a list of lines (shown as a bullet list). ``lead`` and ``tail`` are the app's own
    Markdown, put before and after it in separate paragraphs.
    """
    if isinstance(text, list):
        body = safe_lines(text, max_chars=max_chars)
    else:
        first = next(iter(str(text).splitlines()), "")
        body = safe_label(first, max_chars)
    shown = "\n\n".join(part for part in (lead, body, tail) if part)
    draw = getattr(st, kind)
    if kind in ("caption", "markdown"):
        draw(shown)
    else:
        draw(shown, icon=icon)
