"""Two real processes writing one store at once lose nothing (issue #13, finding 1).

Each worker is a separate Python process (multiprocessing, spawn) that stores its own pair's rows
round by round; a barrier starts every round in both at the same moment, so without the store's
lock both would read the same old file and the second replace would drop the first's rows.
All figures are synthetic test values.
"""

from __future__ import annotations

import multiprocessing as mp

import pandas as pd

from dashboard.ingest.store import LocalStore

ROUNDS = 6
YEARS_PER_ROUND = 3


def _rows(reporter: str, partner: str, years: range) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "reporter": reporter,
                "partner": partner,
                "year": y,
                "flow": "total",
                "value_usd": 1e9 + y,
                "qualifier": "reported",
                "source": "UN Comtrade",
                "source_url": f"https://example.org/{reporter}/{y}",
                "published": "2026-01-15",
                "confidence": "high",
                "note": "synthetic",
            }
            for y in years
        ]
    )


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
