"""The shipped Streamlit config keeps production settings: no tracebacks for visitors."""

import tomllib

from streamlit.config import ShowErrorDetailsConfigOptions

from tests.support.paths import ROOT


def test_errors_show_no_traceback_or_server_path():
    """Streamlit's default ("full") shows the traceback with server file paths; "type" shows
    the exception type and a generic message only (details go to the server log)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    value = config["client"]["showErrorDetails"]
    assert value in (ShowErrorDetailsConfigOptions.TYPE, ShowErrorDetailsConfigOptions.NONE)
