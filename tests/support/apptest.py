"""AppTest helpers for the app's screens, which are callables registered with ``st.navigation``.

``AppTest.switch_page`` only finds *file* pages; the screens are ``render()`` functions (imported
once per process), so this switches by the page's URL path, the way a browser does. It sets the one
private attribute AppTest itself sets in ``switch_page`` (the requested page's script hash, which
``st.Page`` derives from its URL path).
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.support.paths import APP

#: URL paths of the screens (``dashboard.app.navigation.SCREENS``).
SCREEN_PATHS = {"tracker", "mirror", "products", "targets", "data"}


def switch_screen(at: AppTest, url_path: str) -> AppTest:
    """Ask ``at``'s next run for the screen at ``url_path`` (call ``run()`` after, as with
    ``switch_page``)."""
    if url_path not in SCREEN_PATHS:
        raise ValueError(f"no screen at {url_path!r}; screens: {sorted(SCREEN_PATHS)}")
    at._page_hash = calc_hash(url_path)
    return at


def app(timeout: float = 60) -> AppTest:
    """The whole app as a visitor opens it (its entry point, not one screen)."""
    return AppTest.from_file(str(APP), default_timeout=timeout)
