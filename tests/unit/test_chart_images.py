"""Server-side chart files: a real Chromium renders the tracker chart as PNG and SVG."""

import os

import pytest

from dashboard.analysis.tracker import TrackerInputs, track
from dashboard.charts.tracker import tracker_figure
from dashboard.ingest.snapshot import load_observations
from dashboard.model import Pair
from dashboard.report.images import ChartImageError, chromium_path, figure_image

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def fig():
    return tracker_figure(track(load_observations(), TrackerInputs(Pair("CHN", "KAZ"), "CHN")))


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("CI must render chart images, but no Chromium is installed")
        pytest.skip("no Chromium: install it with `sudo apt-get install chromium`")
    return path


def test_png_and_svg_are_real_images(fig, browser):
    png = figure_image(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # PNG header: width and height at bytes 16-24, big-endian; 1200 x 600 at scale 2.
    assert int.from_bytes(png[16:20], "big") == 2400 and int.from_bytes(png[20:24], "big") == 1200
    svg = figure_image(fig, "svg").decode("utf-8")
    assert "<svg" in svg[:500] and "Your own target (hypothetical): $87.6 bn" in svg


def test_missing_browser_is_a_clear_error(fig, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ChartImageError, match="apt-get install chromium"):
        figure_image(fig, "png")


def test_unknown_format_is_refused(fig):
    with pytest.raises(ValueError, match="png or svg"):
        figure_image(fig, "gif")  # type: ignore[arg-type]
