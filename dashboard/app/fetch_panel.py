"""Fetch a pair from UN Comtrade where it is shown: the empty state and "Complete the history".

A pair without figures opens on :func:`empty_state` (tracker, mirror, data page): what is missing,
the years to fetch, the number of requests and the expected time, then a progress bar and Cancel.
A pair with gaps gets :func:`complete_history`: exactly the missing years of each side's series.
Both follow the data page's refresh: writing the shared store needs the operator's token
(:func:`dashboard.app.operator.operator_gate`); a visitor is given the command-line way. The
fetch runs in a worker thread and only a complete, validated result is stored (under the store's
lock); on any failure or a cancel the store is not touched and the page says so.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from datetime import date

import streamlit as st

from dashboard.analysis.coverage import HS_FIRST_YEAR, WORLD, missing_years, year_span
from dashboard.analysis.series import basis_series
from dashboard.app.cache import CACHE_TTL, data_version, observations, store
from dashboard.app.operator import operator_gate
from dashboard.app.pair_select import CountryLists, country_lists
from dashboard.app.plain import plain, show_plain
from dashboard.ingest.comtrade.client import (
    ComtradeAuthError,
    ComtradeClient,
    ComtradeDeadlineError,
)
from dashboard.ingest.comtrade.codes import UnknownCountryError
from dashboard.ingest.comtrade.plan import (
    FetchPlan,
    Leg,
    PlanResult,
    make_plan,
    plan_deadline,
    run_plan,
)
from dashboard.ingest.errors import SourceError
from dashboard.ingest.store import StoreBusyError, StoreDamagedError
from dashboard.model import DataFileError, Pair, basis_label, country_name

#: How often the page redraws the progress bar while a fetch runs; each redraw is also where a
#: click on Cancel (any click: it reruns the page) stops this run.
POLL_SECONDS = 0.2
#: The shortest deadline a fetch from the page gets (longer fetches get three times their estimate).
MIN_DEADLINE = 180.0
_JOB_PREFIX = "_pair_fetch_job_"


def last_fetch_year() -> int:
    """The latest year that can be complete: last year."""
    return date.today().year - 1


def comtrade_key() -> str | None:
    """An API key from Streamlit secrets or the environment; None means the public preview."""
    try:
        key = st.secrets.get("COMTRADE_API_KEY")
    except (FileNotFoundError, KeyError, OSError):
        key = None
    return key or os.environ.get("COMTRADE_API_KEY") or None


def first_year(pair: Pair, lists: CountryLists) -> int:
    """The first year worth asking for: HS data start (1988), or the later of the two countries'
    entries in Comtrade's lists (Kazakhstan: 1992)."""
    entries = [lists.entry_year(c) for c in (pair.a, pair.b)]
    return max([HS_FIRST_YEAR, *(y for y in entries if y is not None)])


def reporting_sides(pair: Pair, lists: CountryLists) -> list[str]:
    """The pair's countries whose statistics UN Comtrade can give on the other (the reporter
    must be in the reporter list, its partner in the partner list; World reports nothing)."""
    return [
        r for r in (pair.a, pair.b)
        if r != WORLD and r in lists.reporters and pair.other(r) in lists.partners
    ]  # fmt: skip


def _why_not(pair: Pair, lists: CountryLists) -> str:
    if lists.limited:
        return (
            "UN Comtrade's country list could not be loaded, and the small list shipped with the "
            f"dashboard has no code for {pair.label}. Try again later."
        )
    return (
        f"Neither {country_name(pair.a)} nor {country_name(pair.b)} can be asked for in UN "
        "Comtrade's lists (a region defined by this dashboard is not a Comtrade reporter)."
    )


def _command(legs: list[Leg]) -> str:
    def years(ys: tuple[int, ...]) -> str:
        ys = tuple(sorted(ys))
        if ys == tuple(range(ys[0], ys[-1] + 1)):
            return f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0])
        return ",".join(map(str, ys))

    if len(legs) == 2 and legs[0].years == legs[1].years:
        leg = legs[0]
        return (
            f"trade-dashboard fetch --reporter {leg.reporter} --partner {leg.partner} "
            f"--years {years(leg.years)} --mirror"
        )
    return " && ".join(
        f"trade-dashboard fetch --reporter {leg.reporter} --partner {leg.partner} "
        f"--years {years(leg.years)}"
        for leg in legs
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(1, math.ceil(seconds))} seconds"
    return f"about {math.ceil(seconds / 60)} minutes"


def plan_caption(plan: FetchPlan) -> str:
    """The plan in words: requests, expected time, and which endpoint (a key is faster)."""
    n = plan.requests
    how = (
        "Using the API key: up to 12 years a request."
        if plan.keyed
        else "Without an API key: UN Comtrade's public preview, one year a request at about one "
        "request a second (a key, COMTRADE_API_KEY, is faster)."
    )
    return f"{n} request{'s' if n != 1 else ''}, {_duration(plan.seconds)}. {how}"


# ---- the fetch job -------------------------------------------------------------------------------


@dataclass
class _Job:
    """One fetch: it runs in a worker thread so the page stays responsive to Cancel.

    Kept in the session: a click stops the page's run and starts the next, which ignores the
    stopped run's session writes, so both runs share this object (see the data page's refresh).
    """

    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    result: PlanResult | None = None
    error: Exception | None = None
    report: tuple[str, list[str]] | None = None


def _previous(key: str) -> None:
    """Report the fetch of an earlier run: stored (after its rerun) or stopped by a click."""
    job: _Job | None = st.session_state.pop(_JOB_PREFIX + key, None)
    if job is None:
        return
    job.cancel.set()
    job.finished.wait(5.0)  # the stopped run reaches its finally within POLL_SECONDS
    if job.report is None:
        st.warning(
            "The fetch was stopped before it finished. Nothing was stored: the data shown is "
            "unchanged.",
            icon=":material/cancel:",
        )
        return
    st.success(job.report[0], icon=":material/check:")
    for warning in job.report[1]:
        st.caption(warning)


def _start(client: ComtradeClient, plan: FetchPlan, job: _Job) -> threading.Thread:
    def step() -> None:
        job.done += 1

    def run() -> None:
        try:
            job.result = run_plan(
                client,
                plan,
                progress=step,
                deadline=plan_deadline(plan, MIN_DEADLINE),
                should_cancel=job.cancel.is_set,
            )
        except Exception as exc:  # handed to the page, which reports it
            job.error = exc
        finally:
            client.close()

    thread = threading.Thread(target=run, name="comtrade-pair-fetch", daemon=True)
    thread.start()
    return thread


def _summary(pair: Pair, result: PlanResult, added: int, replaced: int) -> str:
    missing = "; ".join(
        f"{basis_label(d.split('->')[0])}: {year_span(list(ys))}"
        for d, ys in result.years_without_data.items()
        if ys
    )
    text = (
        f"Fetched {pair.label} from UN Comtrade: {result.requests} requests, {added} new and "
        f"{replaced} updated figures stored."
    )
    return text + (f" Nothing reported for {missing}." if missing else "")


def _run(pair: Pair, client: ComtradeClient, plan: FetchPlan, key: str, job_key: str) -> None:
    """Fetch with a progress bar and Cancel; store only a complete result, then rerun."""
    job = _Job()
    st.session_state[_JOB_PREFIX + job_key] = job
    with st.status(f"Fetching {pair.label} from UN Comtrade…", expanded=True) as status:
        total = max(plan.requests, 1)
        bar = st.progress(0.0, text=f"0 of {plan.requests} requests")
        # A click stops this run at its next redraw (the finally clause then stops the fetch)
        # and the next run says so: the button needs no callback.
        st.button("Cancel", icon=":material/cancel:", key=f"fetch_{key}_cancel")
        worker = _start(client, plan, job)
        try:
            while worker.is_alive():
                worker.join(POLL_SECONDS)
                bar.progress(
                    min(1.0, job.done / total), text=f"{job.done} of {plan.requests} requests"
                )
            if job.error is not None:
                raise job.error
            result = job.result
            if result is None or result.observations.empty:
                added = replaced = 0
            else:
                written = store().upsert(result.observations, on_wait=st.write)
                added, replaced = written.added, written.replaced
            job.report = (
                _summary(pair, result, added, replaced),
                [plain(w) for w in result.warnings],
            )
        except ComtradeAuthError as exc:
            st.session_state.pop(_JOB_PREFIX + job_key, None)  # reported here
            status.update(label="UN Comtrade refused the key; nothing was stored", state="error")
            show_plain(exc, "error", tail="The data shown is unchanged.", icon=":material/key:")
        except StoreDamagedError:
            st.session_state.pop(_JOB_PREFIX + job_key, None)
            status.update(label="Not stored: the local store is damaged", state="error")
            st.error(
                "The local store is damaged, so nothing can be added to it until the site's "
                "operator restores it. The data shown is unchanged.",
                icon=":material/error:",
            )
        except (
            SourceError, UnknownCountryError, DataFileError, StoreBusyError, OSError, ValueError
        ) as exc:  # fmt: skip
            st.session_state.pop(_JOB_PREFIX + job_key, None)
            late = isinstance(exc, ComtradeDeadlineError)
            status.update(
                label="The fetch took too long; nothing was stored"
                if late
                else "The fetch failed; nothing was stored",
                state="error",
            )
            show_plain(
                exc,
                "error",
                lead="**The fetch from UN Comtrade failed.**",
                tail="Nothing was stored: the data shown is unchanged. Try again later or with "
                "fewer years.",
                icon=":material/timer_off:" if late else ":material/cloud_off:",
            )
        else:
            status.update(label="Fetched from UN Comtrade", state="complete")
        finally:
            # Reached on Cancel, on any other click, when the visitor leaves, and normally.
            job.cancel.set()
            worker.join(2.0)  # the watchdog cuts a request in flight within 0.1 s
            job.finished.set()
    if job.report is not None:
        st.rerun()


def _offer(pair: Pair, legs: list[Leg], key: str, button: str, job_key: str) -> None:
    """The plan in words, the operator's gate, the button; runs the fetch when clicked (its
    report is shown by the next run, under the page's ``job_key``)."""
    client = ComtradeClient(api_key=comtrade_key() or "", cache_dir=store().directory)
    plan = make_plan(legs, client)
    st.caption(plan_caption(plan))
    may = operator_gate(
        f"fetch {pair.label} into the shared data", _command(list(plan.legs)), key=f"fetch_{key}"
    )
    if may and st.button(button, icon=":material/cloud_download:", key=f"fetch_{key}"):
        _run(pair, client, plan, key, job_key)
    else:
        client.close()


# ---- the two panels ------------------------------------------------------------------------------


def empty_state(pair: Pair, key: str) -> None:
    """For a pair without total-trade figures: what is missing, and the fetch right here."""
    lists = country_lists()
    sides = reporting_sides(pair, lists)
    names = " or ".join(basis_label(c) for c in (pair.a, pair.b) if c != WORLD)
    st.info(
        f"**There are no figures for {pair.label} yet**: no total trade on {names} in the "
        "shipped data or the local store, so there is nothing to chart or project.",
        icon=":material/info:",
    )
    _previous(key)
    st.header("Fetch from UN Comtrade")
    if not sides:
        st.warning(_why_not(pair, lists), icon=":material/cloud_off:")
        return
    first, last = first_year(pair, lists), last_fetch_year()
    if first > last:
        st.warning(f"UN Comtrade lists {pair.label} from {first}: no complete year yet.")
        return
    years = st.slider(
        "Years to fetch",
        HS_FIRST_YEAR,
        last,
        (first, last),
        key=f"fetch_{key}_years",
        help=f"From {first}, the first year both countries are in UN Comtrade's lists "
        f"(HS data start in {HS_FIRST_YEAR}), to {last}, the latest year that can be complete.",
    )
    wanted = tuple(range(years[0], years[1] + 1))
    who = " and ".join(basis_label(s) for s in sides)
    st.markdown(f"Annual goods totals (exports, imports, total) on {who}.")
    legs = [Leg(s, pair.other(s), wanted) for s in sides]
    _offer(pair, legs, key, "Fetch from UN Comtrade", job_key=key)


@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _gaps(
    version: tuple[str, str, int], pair_code: str, sides: tuple[str, ...], first: int, last: int
) -> dict[str, list[int]]:
    obs = observations()
    pair = Pair.parse(pair_code)
    return {s: missing_years(basis_series(obs, s, pair.other(s)).index, first, last) for s in sides}


def history_gaps(pair: Pair) -> tuple[dict[str, list[int]], int, int]:
    """Per reporting side, the years since the pair's first year without a total figure."""
    lists = country_lists()
    sides = tuple(reporting_sides(pair, lists))
    first, last = first_year(pair, lists), last_fetch_year()
    return _gaps(data_version(), pair.code, sides, first, last), first, last


def complete_history(pair: Pair, key: str, *, expander: bool = False) -> None:
    """Where a series has missing years: say which, and offer to fetch exactly those.

    Nothing is drawn for a pair without gaps (except the report of a fetch just made). On the
    tracker it sits in a collapsed expander; elsewhere under a header.
    """
    _previous(key)
    gaps, first, last = history_gaps(pair)
    gaps = {s: ys for s, ys in gaps.items() if ys}
    if not gaps:
        return
    title = "Complete the history from UN Comtrade"
    if expander:
        box = st.expander(title, icon=":material/history:")
    else:
        st.header(title)
        box = st.container()
    with box:
        span = last - first + 1
        lines = [
            f"- **{basis_label(s)}**: {span - len(ys)} of {span} years since {first} have a "
            f"figure; missing {year_span(ys)}."
            for s, ys in gaps.items()
        ]
        st.markdown("\n".join(lines))
        st.caption(
            "Fetched figures are UN Comtrade's (drawn as diamonds, labelled in the data table); "
            "where a sourced statement has the same year, the statement is used unless the data "
            "page says otherwise."
        )
        legs = [Leg(s, pair.other(s), tuple(ys)) for s, ys in gaps.items()]
        n = sum(len(ys) for ys in gaps.values())
        label = f"Fetch the {n} missing figure{'s' if n != 1 else ''}"
        _offer(pair, legs, f"{key}_history", label, job_key=key)
