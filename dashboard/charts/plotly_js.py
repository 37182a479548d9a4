"""Where the browser gets plotly.js for the charts it draws itself (a versioned URL).

The file is plotly.js's *basic* bundle (scatter, bar and pie: every trace type the dashboard
draws), vendored in ``charts/js/`` from the npm package ``plotly.js-basic-dist-min`` at the
version the installed ``plotly`` wheel embeds. It is a quarter of the wheel's full bundle
(1.2 MB against 4.8 MB) and the browser parses and runs it in a fraction of the time, which
is most of the tracker's first render on a cold page (BENCHMARKS.md §3a). Should the wheel
embed another plotly.js version, figures it writes might use what this copy does not know, so
the wheel's own full copy is served instead (:func:`choose_bundle`).

One definition for the app (which serves the file and tells the live component the URL) and
the reverse proxy (which tells a first-time browser to fetch it at once).
"""

from __future__ import annotations

import re
from pathlib import Path

import plotly

#: The wheel's full bundle.
WHEEL_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The vendored basic bundle (source, checksum and licence in ``charts/js/README.md``).
BASIC_JS = Path(__file__).parent / "js" / "plotly-basic.min.js"

_VERSION = re.compile(rb"\* plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)")


def bundle_version(path: Path) -> str | None:
    """The plotly.js version a bundle's licence header names, or None if it names none."""
    with path.open("rb") as f:
        match = _VERSION.search(f.read(512))
    return match.group(1).decode() if match else None


def choose_bundle(wheel: Path, basic: Path) -> tuple[Path, str]:
    """(file, URL): the basic bundle when it is the wheel's plotly.js version, else the wheel's.

    The URL names the bundle and its version, so browsers and the proxy may cache it for a year.
    """
    version = bundle_version(wheel) or plotly.__version__
    if basic.is_file() and bundle_version(basic) == version:
        return basic, f"/vendor/plotly-basic-{version}.min.js"
    return wheel, f"/vendor/plotly-{version}.min.js"


PLOTLY_JS, PLOTLY_URL = choose_bundle(WHEEL_JS, BASIC_JS)
