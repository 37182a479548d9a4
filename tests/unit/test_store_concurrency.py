"""Two real processes writing one store at once lose nothing (issue #13, finding 1).

Each worker is a separate Python process (multiprocessing, spawn) that stores its own pair's rows
round by round; a barrier starts every round in both at the same moment, so without the store's
lock both would read the same old file and the second replace would drop the first's rows.
All figures are synthetic test values.
"""

from __future__ import annotations

import multiprocessing as mp

import pytest

from dashboard.ingest.store import LocalStore
from tests.support.rows import fetched_rows

ROUNDS = 6
YEARS_PER_ROUND = 3


def _rows(reporter: str, partner: str, years: range):
    return fetched_rows(years, reporter=reporter, partner=partner, value=lambda y: 1e9 + y)


def _writer(directory: str, reporter: str, partner: str, barrier, errors) -> None:
    try:
        store = LocalStore(directory, lock_timeout=120)
        for r in range(ROUNDS):
            start = 1990 + r * YEARS_PER_ROUND
            barrier.wait(timeout=120)
            store.upsert(_rows(reporter, partner, range(start, start + YEARS_PER_ROUND)))
    except BaseException as exc:  # reported to the parent, which fails the test with it
        errors.put(f"{reporter}: {type(exc).__name__}: {exc}")
        raise


def test_two_processes_writing_at_once_keep_every_row(tmp_path):
    """CHN->KAZ and KAZ->CHN each store 6 rounds x 3 years (1990..2007) at the same moments:
    afterwards the store holds all 2 x 18 = 36 rows, each with its own value (1e9 + year)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    errors = ctx.Queue()
    directory = str(tmp_path / "store")
    workers = [
        ctx.Process(target=_writer, args=(directory, r, p, barrier, errors))
        for r, p in (("CHN", "KAZ"), ("KAZ", "CHN"))
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems
    assert all(w.exitcode == 0 for w in workers)
    got = LocalStore(directory).read()
    years = list(range(1990, 1990 + ROUNDS * YEARS_PER_ROUND))
    for reporter in ("CHN", "KAZ"):
        mine = got[got["reporter"] == reporter].set_index("year")["value_usd"]
        assert mine.index.tolist() == years, f"{reporter} lost rows"
        assert mine.tolist() == [1e9 + y for y in years]
    assert len(got) == 36


# -- a second writer waits, saying so, or fails clearly ------------------------------------------


def _held_lock(store: LocalStore):
    """Hold the store's lock as another writer would (a separate FileLock object and file
    descriptor, so it excludes this process's writers too)."""
    from filelock import FileLock

    store.directory.mkdir(parents=True, exist_ok=True)
    lock = FileLock(store.lock_path, thread_local=False)
    lock.acquire()
    return lock


def test_a_second_writer_fails_clearly_after_the_timeout(tmp_path):
    """With the lock held elsewhere and a 0.3 s timeout: told once that it waits, then a
    StoreBusyError that says nothing was changed; no file written."""
    from dashboard.ingest.store import StoreBusyError

    store = LocalStore(tmp_path / "store", lock_timeout=0.3)
    held = _held_lock(store)
    told: list[str] = []
    try:
        with pytest.raises(StoreBusyError, match="nothing was changed"):
            store.upsert(_rows("CHN", "KAZ", range(2000, 2002)), on_wait=told.append)
    finally:
        held.release()
    assert len(told) == 1 and "in progress; waiting up to 0.3 s" in told[0]
    assert not store.exists()


def test_a_second_writer_waits_for_the_first_then_writes(tmp_path):
    """The lock is released 0.5 s after the write starts waiting: the write then succeeds."""
    import threading

    store = LocalStore(tmp_path / "store", lock_timeout=30)
    held = _held_lock(store)
    told: list[str] = []
    timer = threading.Timer(0.5, held.release)
    timer.start()
    try:
        summary = store.upsert(_rows("CHN", "KAZ", range(2000, 2002)), on_wait=told.append)
    finally:
        timer.join()
    assert summary.added == 2 and len(told) == 1
    assert "waiting up to 30 s" in told[0]


def test_the_lock_timeout_comes_from_the_environment(tmp_path, monkeypatch):
    from dashboard.ingest.store import LOCK_TIMEOUT_ENV

    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2.5")
    assert LocalStore(tmp_path).lock_timeout == 2.5
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match=f"{LOCK_TIMEOUT_ENV} must be a number of seconds"):
        LocalStore(tmp_path)


# -- orphan temp files ---------------------------------------------------------------------------


def test_an_orphan_temp_file_is_removed_when_the_store_is_opened(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.upsert(_rows("CHN", "KAZ", range(2000, 2002)))
    orphan = store.directory / ".observations.csv.k1ll3d.tmp"
    orphan.write_bytes(b"reporter,partner\nCHN,KA")  # what a killed write leaves
    LocalStore.open(store.directory)
    assert not orphan.exists()
    assert len(LocalStore(store.directory).read()) == 2


def test_a_live_writers_temp_file_is_left_alone(tmp_path):
    """While another process holds the lock, its temp file is in use: opening leaves it."""
    store = LocalStore(tmp_path / "store")
    held = _held_lock(store)
    live = store.directory / ".observations.csv.wr1t1ng.tmp"
    live.write_bytes(b"partial")
    try:
        LocalStore.open(store.directory)
        assert live.exists()
    finally:
        held.release()
    LocalStore.open(store.directory)
    assert not live.exists()
