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


# -- readers during writes; a writer killed with SIGKILL (issue #16) -----------------------------


def test_readers_during_writes_see_one_whole_version(tmp_path):
    """A writer process stores 12 rounds; meanwhile this process reads as fast as it can. Every
    read sees one round: all 30 product rows with one value, all 10 observations with one
    value, and (in one query over both tables) observations never older than products."""
    from tests.support.store_workers import write_rounds

    ctx = mp.get_context("spawn")
    started = ctx.Event()
    directory = str(tmp_path / "store")
    writer = ctx.Process(target=write_rounds, args=(directory, 12, started))
    writer.start()
    assert started.wait(120)
    store = LocalStore(directory)
    reads = 0
    while writer.is_alive() or reads < 3:
        products = store.read_products("CHN", "KAZ")
        assert len(products) == 30 and products["value_usd"].nunique() == 1
        obs = store.read()
        assert len(obs) == 10 and obs["value_usd"].nunique() == 1
        both = store.query(
            "SELECT (SELECT min(value_usd) FROM products) AS p_min, "
            "(SELECT max(value_usd) FROM products) AS p_max, "
            "(SELECT min(value_usd) / 1e9 FROM observations) AS o_min, "
            "(SELECT max(value_usd) / 1e9 FROM observations) AS o_max"
        ).iloc[0]
        assert both["p_min"] == both["p_max"] and both["o_min"] == both["o_max"]
        # Each round writes products first: the observations are that round's or the last one's.
        assert both["p_max"] - 1 <= both["o_min"] <= both["p_max"]
        reads += 1
    writer.join(60)
    assert writer.exitcode == 0 and reads >= 3
    assert store.read()["value_usd"].unique().tolist() == [12e9]


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.7])
def test_a_writer_killed_mid_write_leaves_a_readable_store(tmp_path, delay):
    """SIGKILL a process writing 30 years of products and the observations, round after round,
    at several moments: the store then reads one whole version (each table one value), its
    check passes, and the next write works (and removes what the killed one left)."""
    import os
    import signal
    import time

    from tests.support.store_workers import write_forever, write_round

    ctx = mp.get_context("spawn")
    started = ctx.Event()
    directory = str(tmp_path / "store")
    writer = ctx.Process(target=write_forever, args=(directory, started))
    writer.start()
    assert started.wait(120)
    time.sleep(delay)
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(30)
    assert writer.exitcode == -signal.SIGKILL
    store = LocalStore.open(directory)
    assert all(c.ok for c in store.check())
    products = store.read_products()
    assert len(products) == 30 * 2 * 5 and products["value_usd"].nunique() == 1
    obs = store.read()
    assert len(obs) == 10 and obs["value_usd"].nunique() == 1
    assert not list(store.directory.rglob(".*.tmp"))
    write_round(store, 99)
    assert set(store.read_products(year=2000)["value_usd"]) == {99.0}
    assert set(store.read()["value_usd"]) == {99e9}
