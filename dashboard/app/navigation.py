"""The app's pages: one screen module each, registered with ``st.navigation`` under a stable URL.

Each screen is a module with a ``render()`` function, imported once per process (a page *file*
would be compiled again for every session). ``st.Page`` objects can only be built during a script
run, so they are made here on demand. Screens never import this module (it imports them); a screen
that wants another page asks through the session (:data:`dashboard.app.cache.OPEN_TRACKER_KEY`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from dashboard.app import screens
from dashboard.app.cache import OPEN_TRACKER_KEY


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


def route() -> st.Page:
    """The page this run shows: the one in the URL, or the tracker when a screen asked for it."""
    current = st.navigation(pages(), position="top")
    if st.session_state.pop(OPEN_TRACKER_KEY, False):
        st.switch_page(page("tracker"))
    return current
