"""Roles: a visitor's upload stays in their session; only the operator writes the shared store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app.cache import UPLOAD_STATE_KEY
from dashboard.ingest.store import LocalStore
from dashboard.ingest.upload import parse_upload
from tests.support.apptest import switch_screen
from tests.support.paths import APP

TIMEOUT = 60
TOKEN = "correct horse battery staple ☃"  # non-ASCII on purpose: compare_digest takes bytes
UPLOAD = (
    b"year,value,unit,reporter,partner,source\n"
    b"2023,5,USD billion,CHN,KAZ,https://example.org/my-series\n"
    b"2024,6,USD billion,CHN,KAZ,https://example.org/my-series\n"
)
WRITE_BUTTONS = ("save_upload", "refresh")


def _data_page(token: str | None) -> AppTest:
    """The data page with an uploaded series in the session; ``token`` as the server's secret."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if token is not None:
        at.secrets["admin_token"] = token
    at.session_state[UPLOAD_STATE_KEY] = parse_upload(UPLOAD)
    switch_screen(at, "data").run()
    assert not at.exception, at.exception
    return at


def _buttons(at: AppTest) -> set[str]:
    return {b.key for b in at.button}


def _page_text(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.markdown, *at.caption, *at.error])


def test_without_a_token_visitors_cannot_write_and_are_told_the_operator_way():
    at = _data_page(token=None)
    assert not _buttons(at) & set(WRITE_BUTTONS)
    assert not at.text_input, "no token configured: nothing to enter"
    text = _page_text(at)
    assert "Only the operator can refresh the shared data" in text
    assert "trade-dashboard fetch --reporter CHN --partner KAZ" in text
    assert "Only the operator can save it to the shared store" in text
    assert "admin_token" in text and "secrets.toml" in text


def test_a_wrong_token_opens_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path))
    at = _data_page(token=TOKEN)
    at.text_input(key="operator_token_save").input(TOKEN[:-1]).run()
    assert not at.exception
    assert not _buttons(at) & set(WRITE_BUTTONS)
    assert any("not the operator's token" in e.value for e in at.error)
    assert not LocalStore(tmp_path).exists()


def test_the_operator_with_the_token_can_save_and_a_visitor_still_cannot(tmp_path, monkeypatch):
    """Saved: the upload's 2023 and 2024 figures, $5 bn and $6 bn, as CHN's totals for KAZ."""
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(tmp_path))
    at = _data_page(token=TOKEN)
    at.text_input(key="operator_token_save").input(TOKEN).run()
    assert set(WRITE_BUTTONS) <= _buttons(at), "one sign-in opens both writes"
    at.button(key="save_upload").click().run()
    assert not at.exception
    assert any("Saved: 2 new" in s.value for s in at.success), [e.value for e in at.error]
    stored = LocalStore(tmp_path).read()
    assert sorted(stored["value_usd"]) == [5e9, 6e9]

    # Another browser session on the same server: a visitor, who entered nothing.
    visitor = _data_page(token=TOKEN)
    assert not _buttons(visitor) & set(WRITE_BUTTONS)


def test_a_token_removed_from_the_secrets_stops_working():
    at = _data_page(token=TOKEN)
    at.text_input(key="operator_token_refresh").input(TOKEN).run()
    assert "refresh" in _buttons(at)
    at.secrets["admin_token"] = ""
    at.run()
    assert not _buttons(at) & set(WRITE_BUTTONS)


@pytest.mark.parametrize("kind", ["save", "refresh"])
def test_the_password_box_hides_what_is_typed(kind):
    at = _data_page(token=TOKEN)
    assert at.text_input(key=f"operator_token_{kind}").proto.type == 1  # PASSWORD
