"""``trade-dashboard store check`` / ``store restore``: the operator finds and repairs a damaged
store from the command line (issue #13, finding 7). All figures are synthetic test values."""

from __future__ import annotations

from functools import partial

import pytest

from dashboard.cli.main import main
from dashboard.ingest.store import DATA_DIR_ENV, LocalStore
from tests.support.rows import fetched_rows
from tests.support.store_files import current_file, drop_last_row


@pytest.fixture
def store(tmp_path, monkeypatch) -> LocalStore:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    s = LocalStore(tmp_path / "store")
    s.upsert(_rows([2021, 2022]))  # version 1: 2 rows
    s.upsert(_rows([2023]))  # version 2: 3 rows; version 1 is now the previous one
    return s


_rows = partial(fetched_rows, value=lambda y: 1e9 * (y - 2000))


def test_check_a_healthy_store(store, capsys):
    assert main(["store", "check", "--data-dir", str(store.directory)]) == 0
    out = capsys.readouterr().out
    now, before = current_file(store).name, store.files(version="previous")[0].name
    assert f"current: observations/{now}: 3 rows, " in out
    assert f"previous: observations/{before}: 2 rows, " in out
    assert out.count("verified") == 2


def test_check_then_restore_a_file_cut_short(store, capsys):
    """The last row of the 3-row file is dropped: check says DAMAGED, names the restore
    command, exits 1; restore brings back the 2-row version and keeps the cut file; the next
    check passes."""
    path = current_file(store)
    drop_last_row(path)
    cut = path.read_bytes()
    assert main(["store", "check", "--data-dir", str(store.directory)]) == 1
    out = capsys.readouterr().out
    assert f"current: observations/{path.name}: DAMAGED" in out and "recorded 3 rows" in out
    assert f"trade-dashboard store restore --data-dir {store.directory}" in out

    assert main(["store", "restore", "--data-dir", str(store.directory)]) == 0
    out = capsys.readouterr().out
    assert "Restored the previous version (2 rows)" in out
    assert LocalStore(store.directory).read()["year"].tolist() == [2021, 2022]
    kept = list(store.directory.glob("manifest.before-restore-*.json"))
    assert len(kept) == 1 and path.name in kept[0].read_text() and path.read_bytes() == cut
    assert main(["store", "check", "--data-dir", str(store.directory)]) == 0


def test_restore_without_a_previous_version_fails_clearly(tmp_path, capsys):
    s = LocalStore(tmp_path / "fresh")
    s.upsert(_rows([2021]))
    before = current_file(s).read_bytes()
    assert main(["store", "restore", "--data-dir", str(s.directory)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trade-dashboard store restore: error: there is no previous version")
    assert current_file(s).read_bytes() == before
