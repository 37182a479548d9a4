"""Untrusted text (upload labels, API names and errors, URL values) made safe to show or export.

Streamlit renders Markdown (with HTML, links, images and ``$...$`` LaTeX), so a label like
``**x**``, ``[x](javascript:...)`` or ``![x](http://elsewhere/pixel.png)`` from a file or an API
would be formatted, linked or fetched by the visitor's browser. Everything that did not come from
this project's own code goes through :func:`safe_label` (one line) or :func:`safe_lines` (a
list) before it reaches a Streamlit text element; the app shows it with
``dashboard.app.plain.show_plain``.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LABEL_CHARS = 80
#: Longest error message or note shown from upstream or a file (longer ones are cut with ``…``).
MAX_MESSAGE_CHARS = 300
# Every ASCII punctuation character: Markdown (and Streamlit's $...$ LaTeX) can only act on these.
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# A leading character a spreadsheet reads as the start of a formula (after any apostrophes).
_GUARDED = re.compile(r"^'*[=+\-@\t\r\n\0]")
_NEEDS_UNGUARD = re.compile(r"^'+[=+\-@\t\r\n\0]")


def plain_label(text: object, max_chars: int = MAX_LABEL_CHARS) -> str:
    """Untrusted text made tame: control and invisible format characters (bidi overrides,
    zero-width) removed, whitespace collapsed to single spaces, cut to ``max_chars`` with ``…``.
    """
    kept = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(ch)
    clean = " ".join("".join(kept).split())
    if len(clean) > max_chars:
        clean = clean[: max(max_chars - 1, 0)].rstrip() + "…"
    return clean


def escape_markdown(text: str) -> str:
    """Backslash-escape every ASCII punctuation character, so Markdown shows ``text`` literally."""
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def safe_label(text: object, max_chars: int = MAX_LABEL_CHARS) -> str:
    """:func:`plain_label`, then Markdown-escaped: safe inside ``st.markdown``.

    ``**bold**`` becomes ``\\*\\*bold\\*\\*``, which Markdown shows as the literal text
    ``**bold**``; ``[x](javascript:...)`` can no longer form a link.
    """
    return escape_markdown(plain_label(text, max_chars))


def safe_lines(lines: list[object], max_lines: int = 50, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """A Markdown bullet list showing each of ``lines`` literally (:func:`safe_label` each).

    At most ``max_lines`` items; a last ``…`` item says that more were left out.
    """
    items = [f"- {safe_label(line, max_chars) or ' '}" for line in lines[:max_lines]]
    if len(lines) > max_lines:
        items.append("- …")
    return "\n".join(items)


# --- formula-injection guard (spreadsheets), shared by exports and the upload parser ----------


def guard_text(text: str) -> str:
    """Prefix one apostrophe if a spreadsheet could read ``text`` as a formula.

    >>> guard_text("=HYPERLINK(1)"), guard_text("-2+3"), guard_text("Astana")
    ("'=HYPERLINK(1)", "'-2+3", 'Astana')
    """
    return "'" + text if _GUARDED.match(text) else text


def unguard_text(text: str) -> str:
    """Undo :func:`guard_text`: ``unguard_text(guard_text(s)) == s`` for every string ``s``."""
    return text[1:] if _NEEDS_UNGUARD.match(text) else text
