"""A fetch for one pair, planned before it starts: whose statistics, which years, how long.

The page shows the plan (requests, expected time, public preview or key) before anything is
asked of UN Comtrade, and runs it leg by leg in a worker thread with one deadline and one cancel
hook. A leg is one reporter's statistics on the pair for a set of years: the annual totals, the
HS chapters ("what is traded", ``cmdCode=AG2``) or both. Chapters cost as many requests as
totals: one per year and direction on the public preview (97 chapters x 2 flows fit its
500-record limit), up to 12 years per request with a key. A plan with chapters also refreshes
the cached HS chapter names once its data calls are done (a failure there is a warning). Nothing
is stored here: the caller writes :attr:`PlanResult.observations` and
:attr:`PlanResult.products` only after every leg succeeded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.ingest.comtrade.client import (
    ComtradeCancelled,
    ComtradeClient,
    ComtradeFetchDeadline,
)
from dashboard.ingest.comtrade.hs import fetch_hs_names
from dashboard.ingest.errors import SourceError

#: Seconds the time estimate allows for one answer on top of the rate limit's pace.
ANSWER_SECONDS = 0.5


@dataclass(frozen=True)
class Leg:
    """``reporter``'s statistics on its trade with ``partner`` for ``years``: the annual totals
    (``totals``), the HS chapters (``products``) or both."""

    reporter: str
    partner: str
    years: tuple[int, ...]
    totals: bool = True
    products: bool = False

    def calls(self, periods_per_call: int) -> tuple[int, int]:
        """(totals requests, chapters requests) without faults, ``periods_per_call`` years each."""
        per_kind = math.ceil(len(set(self.years)) / periods_per_call)
        return per_kind * self.totals, per_kind * self.products


def with_products(legs: Iterable[Leg], products: bool = True) -> list[Leg]:
    """``legs`` with their chapters asked for (``products``) or not, totals unchanged."""
    return [replace(leg, products=products) for leg in legs]


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch will ask: its legs, the data requests without faults, a time estimate."""

    legs: tuple[Leg, ...]
    requests: int
    seconds: float
    keyed: bool
    #: Of ``requests``, those for HS chapters.
    product_requests: int = 0

    @property
    def empty(self) -> bool:
        return not self.legs

    @property
    def products(self) -> bool:
        """True when the plan fetches HS chapters."""
        return any(leg.products for leg in self.legs)

    @property
    def totals(self) -> bool:
        """True when the plan fetches annual totals."""
        return any(leg.totals for leg in self.legs)


@dataclass
class PlanResult:
    """Every leg's validated rows (totals and chapters), and per direction the years UN Comtrade
    had nothing for. ``names`` says where the HS chapter names now come from (None: not asked)."""

    observations: pd.DataFrame
    requests: int
    years_without_data: dict[str, tuple[int, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    years_without_chapters: dict[str, tuple[int, ...]] = field(default_factory=dict)
    names: str | None = None


def make_plan(legs: list[Leg], client: ComtradeClient) -> FetchPlan:
    """The plan for ``legs`` with ``client``'s endpoint: requests and a time estimate.

    The estimate is the rate limit's floor (one request a second, the public preview's pace,
    kept for keyed calls too) plus the answers' own time, about half a second each. Chapters
    cost what totals cost: one request per year and direction on the preview, up to 12 years a
    request with a key (``client.periods_per_call``). The HS names list a chapters fetch
    refreshes is a reference list, like the country codes: not counted.
    """
    legs = [leg for leg in legs if leg.years and (leg.totals or leg.products)]
    calls = [leg.calls(client.periods_per_call) for leg in legs]
    totals, products = sum(c[0] for c in calls), sum(c[1] for c in calls)
    requests = totals + products
    seconds = requests * (max(client.min_interval, 0.0) + ANSWER_SECONDS)
    return FetchPlan(tuple(legs), requests, seconds, client.keyed, products)


def plan_deadline(plan: FetchPlan, floor: float = 180.0) -> float:
    """Seconds the whole fetch may take: three times the estimate, at least ``floor``."""
    return max(floor, 3 * plan.seconds)


def run_plan(
    client: ComtradeClient,
    plan: FetchPlan,
    *,
    progress: Callable[[], None] | None = None,
    deadline: float | None = None,
    should_cancel: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
    names_dir: Path | str | None = None,
) -> PlanResult:
    """Fetch every leg in turn, totals then chapters (one deadline for all); raises what
    :meth:`ComtradeClient.fetch` raises, so a failed or cancelled leg returns nothing at all.

    A plan with chapters then refreshes the HS chapter names cached in ``names_dir`` (the
    store's directory, where the pages read them) under the same deadline and cancel: a cancel
    still stops the fetch, but the list being unavailable, or the deadline reached while asking
    for it, is a warning (the page keeps the cached or bundled names), never a failed fetch.
    """
    end = None if deadline is None else clock() + deadline

    def left(what: str) -> float | None:
        if end is None:
            return None
        remaining = end - clock()
        if remaining <= 0:
            raise ComtradeFetchDeadline(
                f"the fetch stopped at its {deadline:g} s deadline before {what}"
            )
        return remaining

    frames: list[pd.DataFrame] = []
    chapters: list[pd.DataFrame] = []
    empty: dict[str, tuple[int, ...]] = {}
    empty_chapters: dict[str, tuple[int, ...]] = {}
    warnings: list[str] = []
    requests = 0

    def call(
        fetch: Callable[..., Any],
        leg: Leg,
        what: str,
        rows_of: Callable[[Any], pd.DataFrame],
        into: list[pd.DataFrame],
        empties: dict[str, tuple[int, ...]],
    ) -> None:
        """One leg's totals or chapters fetch, its counts, empty years, warnings and rows kept."""
        nonlocal requests
        got = fetch(
            leg.reporter,
            leg.partner,
            leg.years,
            progress=progress,
            deadline=left(f"{leg.reporter}'s {what}"),
            should_cancel=should_cancel,
        )
        requests += got.requests
        empties.update(got.years_without_data)
        warnings.extend([w for w in got.warnings if w not in warnings])
        if not rows_of(got).empty:
            into.append(rows_of(got))

    for leg in plan.legs:
        if leg.totals:
            call(client.fetch, leg, "figures", lambda r: r.observations, frames, empty)
        if leg.products:
            call(
                client.fetch_products,
                leg,
                "HS chapters",
                lambda r: r.products,
                chapters,
                empty_chapters,
            )
    names = None
    if plan.products:
        names, note = _refresh_names(client, names_dir, end, clock, should_cancel)
        if note and note not in warnings:
            warnings.append(note)
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    products = pd.concat(chapters, ignore_index=True) if chapters else pd.DataFrame()
    return PlanResult(obs, requests, empty, tuple(warnings), products, empty_chapters, names)


def _refresh_names(
    client: ComtradeClient,
    names_dir: Path | str | None,
    end: float | None,
    clock: Callable[[], float],
    should_cancel: Callable[[], bool] | None,
) -> tuple[str | None, str | None]:
    """(where the HS names come from now, a warning or None); only a cancel is raised."""
    stale = "the HS chapter names were not refreshed ({}); the pages keep the names they had"
    if end is not None and end - clock() <= 0:
        return None, stale.format("no time was left before the fetch's deadline")
    try:
        with client.bounded(None if end is None else end - clock(), should_cancel):
            names = fetch_hs_names(client.get_json, names_dir)
    except ComtradeCancelled:
        raise
    except (SourceError, ValueError, OSError) as exc:  # the deadline included
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, stale.format(reason)
    return names.source, "; ".join(names.warnings) or None
