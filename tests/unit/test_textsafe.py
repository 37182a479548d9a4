"""The one plain-text helper: no Markdown construct in untrusted text survives rendering.

Rendered with markdown-it-py (a Streamlit dependency) in its most permissive setup: raw HTML on,
GFM-like (tables, strikethrough, bare-URL links via linkify) and ``$...$`` / ``$$...$$`` math,
like Streamlit's own renderer. Whatever the text, the output is one paragraph of literal text.
"""

from __future__ import annotations

import html
import re

from hypothesis import example, given
from hypothesis import strategies as hs
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from dashboard.textsafe import MAX_MESSAGE_CHARS, plain_label, safe_label, safe_lines

MD = MarkdownIt("gfm-like", {"html": True}).use(dollarmath_plugin, double_inline=True)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")

#: Pieces of Markdown, HTML, links, images and LaTeX that hypothesis mixes with any text.
PIECES = ["![x](http://127.0.0.1:9/pixel.png)", "[a](javascript:alert(1))", "<img src=x>",
          "<a href=http://x>", "<script>", "$x^2$", "$$\\frac{1}{2}$$", "**b**", "_i_", "`c`",
          "~~s~~", "# h", "- li", "1. li", "> q", "| a | b |\n|---|---|", "http://example.org/",
          "www.example.org", "a@example.org", "&amp;", "&#x3C;", "\\", "[x]: http://x", "<http://x>",
          ":red[x]", ":material/lock:", "\n\n", "    code", "***", "---", "=="]  # fmt: skip
UNTRUSTED = hs.lists(hs.one_of(hs.sampled_from(PIECES), hs.text(max_size=20)), max_size=8).map(
    "".join
)


def _tags(rendered: str) -> set[str]:
    return {m.group(1).lower() for m in _TAG.finditer(rendered)}


@given(UNTRUSTED)
@example("See ![x](http://127.0.0.1:9/pixel.png) and [docs](http://127.0.0.1:9/) for $x^2$")
def test_safe_label_renders_as_one_paragraph_of_the_literal_text(text):
    """Only <p> tags, no link, image, raw HTML or math; the paragraph's text, unescaped, is the
    cleaned input itself (so nothing was formatted away either)."""
    shown = plain_label(text, MAX_MESSAGE_CHARS)
    rendered = MD.render(safe_label(text, MAX_MESSAGE_CHARS))
    if not shown:
        assert rendered == ""
        return
    # Every "<" of the text is escaped to &lt;, so these are the only two real tags.
    assert _tags(rendered) == {"p"} and rendered.count("<") == 2, rendered
    inner = rendered.removeprefix("<p>").removesuffix("</p>\n")
    assert html.unescape(inner) == shown


@given(hs.lists(UNTRUSTED, max_size=6))
def test_safe_lines_is_one_flat_list_of_literal_items(lines):
    rendered = MD.render(safe_lines(lines))
    if not lines:
        assert rendered == ""
        return
    assert _tags(rendered) <= {"ul", "li"}, rendered
    assert rendered.count("<li>") == len(lines)


def test_safe_lines_says_when_lines_were_left_out():
    """60 lines, 50 shown: 50 items plus one "…" item."""
    rendered = MD.render(safe_lines([f"line {i}" for i in range(60)], max_lines=50))
    assert rendered.count("<li>") == 51 and "<li>…</li>" in rendered
