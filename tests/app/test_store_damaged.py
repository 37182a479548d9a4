"""A damaged local store degrades, it does not stop the app (issue #13, finding 7); a saved upload
stays an upload on screen (issue #12, bug 1). All stored figures are synthetic test values."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.app.cache import STORE_DAMAGED_WARNING, UPLOAD_STATE_KEY
from dashboard.ingest.store import LocalStore
from dashboard.ingest.upload import parse_upload
from tests.app.test_app_pages import open_page
from tests.support import live_apptest as live
from tests.support.paths import APP
from tests.support.rows import fetched_rows
from tests.support.store_files import current_file, drop_last_row

TIMEOUT = 60


def test_a_damaged_store_shows_the_shipped_data_with_a_short_warning(tmp_path, monkeypatch):
    """A store file one row short (what a CSV cut at a line end was): the tracker still draws
    from the shipped data (the same KPIs as with no store: latest 2025 = $48.7 bn) under a
    warning that names no server path and gives visitors no command to run."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path / "store"))
    store = LocalStore(tmp_path / "store")
    store.upsert(fetched_rows([1995, 1996, 1997]))
    drop_last_row(current_file(store))

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert not at.error
    assert [w.value for w in at.warning] == [STORE_DAMAGED_WARNING]
    assert (
        str(tmp_path) not in STORE_DAMAGED_WARNING and "git checkout" not in STORE_DAMAGED_WARNING
    )
    assert live.payload(at)["figure"]["data"], "the tracker chart is drawn"
    assert live.kpis(at)["Latest (2025)"] == "$48.7 bn"


def test_a_saved_upload_is_listed_as_an_upload(tmp_path, monkeypatch):
    """Save a sourced upload for 1995 from the data page: the table says it came from the
    upload, not from UN Comtrade, and the message names no server path."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path))
    up = parse_upload(
        b"year,value,reporter,partner,source\n1995,7,CHN,KAZ,https://example.org/mine\n"
    )
    at = open_page("data", operator=True, **{UPLOAD_STATE_KEY: up})
    at.button(key="save_upload").click().run()
    assert not at.exception, at.exception
    [saved] = [s.value for s in at.success if s.value.startswith("Saved")]
    assert saved == "Saved: 1 new and 0 updated figures in the local store."
    at.run()
    df = at.dataframe[0].value
    assert df.set_index("year").loc[1995, "origin"] == "upload"
