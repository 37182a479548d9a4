"""A fetch for one pair, planned before it starts: whose statistics, which years, how long.

The page shows the plan (requests, expected time, public preview or key) before anything is
asked of UN Comtrade, and runs it leg by leg in a worker thread with one deadline and one cancel
hook. A leg is one reporter's statistics on the pair for a set of years; nothing is stored here:
the caller writes :attr:`PlanResult.observations` only after every leg succeeded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from dashboard.ingest.comtrade.client import ComtradeClient, ComtradeFetchDeadline


@dataclass(frozen=True)
class Leg:
    """``reporter``'s statistics on its trade with ``partner`` for ``years``."""

    reporter: str
    partner: str
    years: tuple[int, ...]


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch will ask: its legs, the data requests without faults, a time estimate."""

    legs: tuple[Leg, ...]
    requests: int
    seconds: float
    keyed: bool

    @property
    def empty(self) -> bool:
        return not self.legs


@dataclass
class PlanResult:
    """Every leg's validated rows, and per leg the years UN Comtrade had nothing for."""

    observations: pd.DataFrame
    requests: int
    years_without_data: dict[str, tuple[int, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def make_plan(legs: list[Leg], client: ComtradeClient) -> FetchPlan:
    """The plan for ``legs`` with ``client``'s endpoint: requests and a time estimate.

    The estimate is the rate limit's floor (one request a second, the public preview's pace,
    kept for keyed calls too) plus the answers' own time, about half a second each.
    """
    legs = [leg for leg in legs if leg.years]
    requests = sum(math.ceil(len(set(leg.years)) / client.periods_per_call) for leg in legs)
    seconds = requests * (max(client.min_interval, 0.0) + 0.5)
    return FetchPlan(tuple(legs), requests, seconds, client.keyed)


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
) -> PlanResult:
    """Fetch every leg in turn (one deadline for all); raises what :meth:`ComtradeClient.fetch`
    raises, so a failed or cancelled leg returns nothing at all."""
    end = None if deadline is None else clock() + deadline
    frames: list[pd.DataFrame] = []
    empty: dict[str, tuple[int, ...]] = {}
    warnings: list[str] = []
    requests = 0
    for leg in plan.legs:
        left = None if end is None else end - clock()
        if left is not None and left <= 0:
            raise ComtradeFetchDeadline(
                f"the fetch stopped at its {deadline:g} s deadline before {leg.reporter}'s figures"
            )
        result = client.fetch(
            leg.reporter,
            leg.partner,
            leg.years,
            progress=progress,
            deadline=left,
            should_cancel=should_cancel,
        )
        requests += result.requests
        empty.update(result.years_without_data)
        warnings += [w for w in result.warnings if w not in warnings]
        if not result.observations.empty:
            frames.append(result.observations)
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return PlanResult(obs, requests, empty, tuple(warnings))
