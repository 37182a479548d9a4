"""The app's pages: one screen module each, registered with ``st.navigation`` under a stable URL.

Each screen is a module with a ``render()`` function, imported once per process (a page *file*
would be compiled again for every session). ``st.Page`` objects can only be built during a script
run, so they are made here on demand. Screens never import this module (it imports them); a screen
that wants another page asks through the session (:data:`dashboard.app.cache.OPEN_TRACKER_KEY`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from dashboard.app import screens
from dashboard.app.cache import OPEN_TRACKER_KEY
from dashboard.textsafe import safe_label


@dataclass(frozen=True)
class Screen:
    """A page as the router registers it. ``url_path`` is the stable part of shared links."""

    name: str
    title: str
    icon: str
    url_path: str
    default: bool = False


SCREENS: tuple[Screen, ...] = (
    Screen("tracker", "Target tracker", ":material/flag:", "tracker", default=True),
    Screen("mirror", "Mirror statistics", ":material/compare_arrows:", "mirror"),
    Screen("products", "What is traded", ":material/category:", "products"),
    Screen("targets", "Targets registry", ":material/event:", "targets"),
    Screen("data_sources", "Data and sources", ":material/table:", "data"),
)


def _render(name: str) -> Callable[[], None]:
    return getattr(screens, name).render


def page(name: str) -> st.Page:
    """The ``st.Page`` of screen ``name`` (for ``st.navigation`` or ``st.switch_page``)."""
    screen = next(s for s in SCREENS if s.name == name)
    return st.Page(
        _render(screen.name),
        title=screen.title,
        icon=screen.icon,
        url_path=screen.url_path,
        default=screen.default,
    )


def pages() -> list[st.Page]:
    """Every page, in menu order."""
    return [page(s.name) for s in SCREENS]


#: Session key: the unknown path this session was opened on has been reported.
_UNKNOWN_REPORTED_KEY = "_unknown_path_reported"


def unknown_path(url: str | None) -> str | None:
    """The path of ``url`` when no page lives there (``/nope``), else None.

    Streamlit opens the default page for an unknown path and rewrites the address bar to ``/``,
    so a mistyped or outdated link would silently land on the tracker.
    """
    path = urlsplit(url or "").path.strip("/")
    # Served under a prefix (a reverse proxy's /dashboard/...): only the last part names a page.
    last = path.rsplit("/", 1)[-1]
    known = {s.url_path for s in SCREENS}
    return None if not last or last in known else path


def route() -> st.Page:
    """The page this run shows: the one in the URL, or the tracker when a screen asked for it."""
    current = st.navigation(pages(), position="top")
    if st.session_state.pop(OPEN_TRACKER_KEY, False):
        st.switch_page(page("tracker"))
    wrong = unknown_path(st.context.url)
    if wrong and not st.session_state.get(_UNKNOWN_REPORTED_KEY):
        st.session_state[_UNKNOWN_REPORTED_KEY] = True
        menu = ", ".join(f"[{s.title}](/{'' if s.default else s.url_path})" for s in SCREENS)
        st.warning(
            f"There is no page at /{safe_label(wrong, 80)}, so this is the {SCREENS[0].title}. "
            f"The pages are: {menu}.",
            icon=":material/link_off:",
        )
    return current
