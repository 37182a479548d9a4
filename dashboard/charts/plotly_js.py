"""Where the browser gets plotly.js for the charts it draws itself (a versioned URL).

The file is the installed ``plotly`` wheel's own copy. One definition for the app (which serves
the file and tells the live component the URL) and the reverse proxy (which tells a first-time
browser to fetch it at once, before the app has run).
"""

from __future__ import annotations

from pathlib import Path

import plotly

#: The library file inside the installed wheel.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Its URL on our server; the version in the name lets browsers and the proxy cache it for a year.
PLOTLY_URL = f"/vendor/plotly-{plotly.__version__}.min.js"
