"""The live scenario component (Streamlit custom components v2), defined once at import.

The JavaScript is three files concatenated: ``scenario_math.js`` (the closed form, mirrored from
``dashboard/analysis`` and parity-tested), ``plotly_loader.js`` (the page's one plotly.js, the
theme) and ``live_scenario.js`` (controls, cards, chart). A
component's script runs from a ``blob:`` URL and cannot import relative files, hence one string.
The payload it draws from is built by :mod:`dashboard.app.live.payload`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

_HERE = Path(__file__).parent
_JS = "\n".join(
    (_HERE / name).read_text(encoding="utf-8")
    for name in ("scenario_math.js", "plotly_loader.js", "live_scenario.js")
)
_CSS = (_HERE / "live_scenario.css").read_text(encoding="utf-8")

# isolate_styles=False: Plotly puts its stylesheet in document.head, which a shadow root would
# not see, and the theme's --st-* variables are read from the page.
_RENDERER = st.components.v2.component(
    "trade_dashboard.live_scenario", css=_CSS, js=_JS, isolate_styles=False
)


def live_scenario(
    payload: dict[str, Any], *, key: str, on_change: Callable[[], None] | None = None
) -> Any:
    """Mount the component; its ``scenario`` state is the last committed set of values."""
    return _RENDERER(
        key=key,
        data=payload,
        default={"scenario": None},
        on_scenario_change=on_change or (lambda: None),
    )
