"""An unknown path says so (issue #14): which addresses count as no page at all."""

import pytest

from dashboard.app.navigation import SCREENS, unknown_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://host:8501/", None),
        ("http://host:8501", None),
        (None, None),
        ("http://host:8501/mirror?pair=China+%E2%80%93+Russia", None),
        ("http://host:8501/tracker", None),  # the default page's own path is a page too
        ("http://host:8501/nope", "nope"),
        ("http://host:8501/mirror/extra", "mirror/extra"),
        ("http://host/dashboard/targets", None),  # behind a proxy prefix
    ],
)
def test_unknown_path(url, expected):
    assert unknown_path(url) == expected


def test_every_screen_path_is_known():
    for screen in SCREENS:
        assert unknown_path(f"http://h/{screen.url_path}") is None
