"""``trade-dashboard store check`` / ``store restore``: the operator finds and repairs a damaged
store from the command line (issue #13, finding 7). All figures are synthetic test values."""

from __future__ import annotations

from functools import partial

import pytest

from dashboard.cli.main import main
from dashboard.ingest.store import DATA_DIR_ENV, LocalStore
from tests.support.rows import fetched_rows


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
    assert "observations.csv: 3 rows, verified" in out
    assert "observations.prev.csv: 2 rows, verified" in out


def test_check_then_restore_a_file_cut_short(store, capsys):
    """The last line of the 3-row file is cut off: check says DAMAGED, names the restore
    command, exits 1; restore brings back the 2-row version and keeps the cut file; the next
    check passes."""
    lines = store.path.read_bytes().splitlines(keepends=True)
    store.path.write_bytes(b"".join(lines[:-1]))
    cut = store.path.read_bytes()
    assert main(["store", "check", "--data-dir", str(store.directory)]) == 1
    out = capsys.readouterr().out
    assert "observations.csv: DAMAGED" in out and "recorded 3 rows" in out
    assert f"trade-dashboard store restore --data-dir {store.directory}" in out

    assert main(["store", "restore", "--data-dir", str(store.directory)]) == 0
    out = capsys.readouterr().out
    assert "Restored the previous version (2 rows)" in out
    assert LocalStore(store.directory).read()["year"].tolist() == [2021, 2022]
    kept = list(store.directory.glob("observations.before-restore-*.csv"))
    assert len(kept) == 1 and kept[0].read_bytes() == cut
    assert main(["store", "check", "--data-dir", str(store.directory)]) == 0


def test_restore_without_a_previous_version_fails_clearly(tmp_path, capsys):
    s = LocalStore(tmp_path / "fresh")
    s.upsert(_rows([2021]))
    before = s.path.read_bytes()
    assert main(["store", "restore", "--data-dir", str(s.directory)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trade-dashboard store restore: error: there is no previous version")
    assert s.path.read_bytes() == before
