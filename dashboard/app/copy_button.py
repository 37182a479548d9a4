"""A real "Copy link" button (a small custom component), reachable and usable by keyboard.

``st.code``'s copy icon appears only on mouse hover, so Tab never reaches it. This is a native
``<button>``: focusable, announced by screen readers, and it says "Copied" in a live region. It
uses the Clipboard API, and where a browser refuses it (plain http off localhost) selects the
text in a read-only field so Ctrl+C copies it.
"""

from __future__ import annotations

import streamlit as st

_HTML = """
<div class="tdc">
  <button type="button" class="tdc-button">Copy link</button>
  <span class="tdc-status" role="status" aria-live="polite"></span>
  <input class="tdc-text" type="text" readonly aria-label="Link to this view" hidden>
</div>
"""

_CSS = """
.tdc { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.tdc-button {
  font: inherit; padding: 0.4rem 0.9rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.3));
  background: var(--st-secondary-background-color, #f0f2f6); color: var(--st-text-color, inherit);
}
.tdc-button:focus-visible {
  outline: 2px solid var(--st-primary-color, #0072b2); outline-offset: 2px;
}
.tdc-text { flex: 1 1 100%; font: inherit; padding: 0.3rem; }
"""

_JS = """
export default function ({ data, parentElement }) {
  const button = parentElement.querySelector('.tdc-button');
  const status = parentElement.querySelector('.tdc-status');
  const field = parentElement.querySelector('.tdc-text');
  button.dataset.text = data.text;
  if (!button.dataset.ready) {
    button.dataset.ready = '1';
    button.addEventListener('click', async () => {
      const text = button.dataset.text;
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = 'Copied';
      } catch (err) {
        field.hidden = false;
        field.value = text;
        field.focus();
        field.select();
        status.textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected link';
      }
    });
  }
}
"""

_RENDERER = st.components.v2.component(
    "trade_dashboard.copy_button", html=_HTML, css=_CSS, js=_JS, isolate_styles=False
)


def copy_button(text: str, *, key: str) -> None:
    """A keyboard-reachable button that copies ``text`` to the clipboard."""
    _RENDERER(key=key, data={"text": text}, height="content")
