"""Fetch a pair from UN Comtrade where it is shown: the empty state and "Complete the history".

A pair without figures opens on :func:`empty_state` (tracker, mirror, data page): what is missing,
the years to fetch, the number of requests and the expected time, then a progress bar and Cancel.
A pair with gaps gets :func:`complete_history`: exactly the missing years of each side's series.
Both offer "Also fetch what is traded" (HS chapters for the same years and sides), and the "What
is traded" page's empty state offers the chapters alone (:func:`products_fetch`).
Both follow the data page's refresh: writing the shared store needs the operator's token
(:func:`dashboard.app.operator.operator_gate`); a visitor is given the command-line way. The
fetch runs in a worker thread and only a complete, validated result is stored (under the store's
lock); on any failure or a cancel the store is not touched and the page says so. Totals and
chapters are two writes (the observations, then the products table): if the second fails, the
page says exactly that the totals were stored and the chapters were not.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard.analysis.coverage import HS_FIRST_YEAR, WORLD, missing_years, year_span
from dashboard.analysis.series import basis_series
from dashboard.app.cache import CACHE_TTL, data_version, observations, store
from dashboard.app.fetch_job import JobTexts, Report, run_job, show_previous
from dashboard.app.operator import operator_gate
from dashboard.app.pair_select import CountryLists, country_lists
from dashboard.app.plain import plain
from dashboard.ingest.comtrade.client import (
    ComtradeClient,
)
from dashboard.ingest.comtrade.plan import (
    FetchPlan,
    Leg,
    PlanResult,
    make_plan,
    plan_deadline,
    run_plan,
    with_products,
)
from dashboard.ingest.store import StoreBusyError, StoreDamagedError, WriteSummary
from dashboard.model import DataFileError, Pair, basis_label, country_name

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
    """The command line doing what the page would: ``--products`` when chapters are asked for
    (the CLI then fetches the totals of those years too; it has no chapters-only mode)."""

    def years(ys: tuple[int, ...]) -> str:
        ys = tuple(sorted(ys))
        if ys == tuple(range(ys[0], ys[-1] + 1)):
            return f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0])
        return ",".join(map(str, ys))

    products = " --products" if any(leg.products for leg in legs) else ""
    if len(legs) == 2 and legs[0].years == legs[1].years:
        leg = legs[0]
        return (
            f"trade-dashboard fetch --reporter {leg.reporter} --partner {leg.partner} "
            f"--years {years(leg.years)} --mirror{products}"
        )
    return " && ".join(
        f"trade-dashboard fetch --reporter {leg.reporter} --partner {leg.partner} "
        f"--years {years(leg.years)}{products}"
        for leg in legs
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {max(1, math.ceil(seconds))} seconds"
    return f"about {math.ceil(seconds / 60)} minutes"


def _requests(n: int) -> str:
    return f"{n} request{'s' if n != 1 else ''}"


def plan_caption(plan: FetchPlan) -> str:
    """The plan in words: requests (those for HS chapters among them), expected time, and which
    endpoint (a key is faster)."""
    n, chapters = plan.requests, plan.product_requests
    how = (
        "Using the API key: up to 12 years a request."
        if plan.keyed
        else "Without an API key: UN Comtrade's public preview, one year a request at about one "
        "request a second (a key, COMTRADE_API_KEY, is faster)."
    )
    if chapters and chapters < n:
        part = f" ({n - chapters} for totals, {chapters} for HS chapters)"
    elif chapters:
        part = " for HS chapters"
    else:
        part = ""
    return f"{_requests(n)}{part}, {_duration(plan.seconds)}. {how}"


# ---- the fetch job -------------------------------------------------------------------------------


def show_report(key: str) -> None:
    """Show the report of a fetch an earlier run of a page (``key``) made, if any; a page that
    no longer shows the fetch panel after it (the products page, once it has chapters) calls
    this so the report is not lost."""
    _previous(key)


def _previous(key: str) -> None:
    """Report the fetch of an earlier run: stored (after its rerun) or stopped by a click."""
    show_previous(_JOB_PREFIX + key, "fetch")


def _nothing_for(without: dict[str, tuple[int, ...]]) -> str:
    return "; ".join(
        f"{basis_label(d.split('->')[0])}: {year_span(list(ys))}" for d, ys in without.items() if ys
    )


def _summary(
    pair: Pair, result: PlanResult, totals: WriteSummary | None, chapters: WriteSummary | None
) -> str:
    parts = []
    if totals is not None:
        parts.append(f"{totals.added} new and {totals.replaced} updated figures stored")
    if chapters is not None:
        parts.append(f"{chapters.added} new and {chapters.replaced} updated HS chapter rows stored")
    text = f"Fetched {pair.label} from UN Comtrade: {result.requests} requests, " + (
        " and ".join(parts) or "nothing to store"
    )
    text += "."
    missing = _nothing_for(result.years_without_data)
    if missing:
        text += f" Nothing reported for {missing}."
    no_chapters = _nothing_for(result.years_without_chapters)
    if no_chapters:
        text += f" No HS chapters reported for {no_chapters}."
    return text


def _store(pair: Pair, plan: FetchPlan, result: PlanResult) -> tuple[str, str]:
    """Write the totals, then the chapters; (report, level). Raises if nothing was written.

    The two are separate writes to separate tables: when the chapters cannot be written after
    the totals were, the report says exactly that (level ``error``) rather than pretending
    nothing changed.
    """
    totals = chapters = None
    if plan.totals:
        totals = (
            store().upsert(result.observations, on_wait=st.write)
            if not result.observations.empty
            else WriteSummary(0, 0, 0, store().directory)
        )
    if plan.products:
        try:
            chapters = store().upsert_products(result.products, on_wait=st.write)
        except (DataFileError, StoreBusyError, StoreDamagedError, OSError, ValueError) as exc:
            if totals is None or not (totals.added or totals.replaced):
                raise
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return (
                f"Stored the totals of {pair.label} ({totals.added} new and {totals.replaced} "
                f"updated figures), but could not store the HS chapters: {reason}. The "
                "products table was not changed; fetch what is traded again later.",
                "error",
            )
    return _summary(pair, result, totals, chapters), "success"


#: What the panel says of its fetch's outcomes.
_TEXTS = JobTexts(
    noun="fetch",
    done_label="Fetched from UN Comtrade",
    auth_label="UN Comtrade refused the key; nothing was stored",
    auth_tail="The data shown is unchanged.",
    damaged="The local store is damaged, so nothing can be added to it until the site's "
    "operator restores it. The data shown is unchanged.",
    failed_label="The fetch failed; nothing was stored",
    late_label="The fetch took too long; nothing was stored",
    failed_lead="**The fetch from UN Comtrade failed.**",
    failed_tail="Nothing was stored: the data shown is unchanged. Try again later or with "
    "fewer years.",
)


def _run(pair: Pair, client: ComtradeClient, plan: FetchPlan, key: str, job_key: str) -> None:
    """Fetch with a progress bar and Cancel; store only a complete result, then rerun."""
    names_dir = store().directory  # read here: the worker thread has no Streamlit context

    def work(progress: Callable[[], None], should_cancel: Callable[[], bool]) -> PlanResult:
        return run_plan(
            client,
            plan,
            progress=progress,
            deadline=plan_deadline(plan, MIN_DEADLINE),
            should_cancel=should_cancel,
            names_dir=names_dir,
        )

    def keep(result: PlanResult) -> Report:
        text, level = _store(pair, plan, result)
        return text, [plain(w) for w in result.warnings], level

    run_job(
        _JOB_PREFIX + job_key,
        label=f"Fetching {pair.label} from UN Comtrade…",
        total=plan.requests,
        cancel_key=f"fetch_{key}_cancel",
        work=work,
        close=client.close,
        store=keep,
        texts=_TEXTS,
        thread_name="comtrade-pair-fetch",
    )


def _offer(
    pair: Pair, legs: list[Leg], key: str, button: str, job_key: str, *, chapters: bool = True
) -> None:
    """The plan in words, the operator's gate, the button; runs the fetch when clicked (its
    report is shown by the next run, under the page's ``job_key``). ``chapters``: offer "Also
    fetch what is traded" (HS chapters for the same sides and years)."""
    if chapters and st.checkbox(
        "Also fetch what is traded (HS chapters)",
        key=f"fetch_{key}_products",
        help="The 97 HS chapters, exports and imports, for the same years and statistics, for "
        "the What is traded page: as many requests again as the totals on the public preview.",
    ):
        legs = with_products(legs)
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


def _fetchable_span(pair: Pair, lists: CountryLists, sides: list[str]) -> tuple[int, int] | None:
    """(first, last) year a panel may offer; None, with the reason shown, when there is none
    (no side Comtrade can be asked for, or no complete year yet)."""
    if not sides:
        st.warning(_why_not(pair, lists), icon=":material/cloud_off:")
        return None
    first, last = first_year(pair, lists), last_fetch_year()
    if first > last:
        st.warning(f"UN Comtrade lists {pair.label} from {first}: no complete year yet.")
        return None
    return first, last


def _years_slider(first: int, last: int, key: str) -> tuple[int, ...]:
    """The "Years to fetch" range slider (``first`` to ``last`` preset); the years chosen."""
    years = st.slider(
        "Years to fetch",
        HS_FIRST_YEAR,
        last,
        (first, last),
        key=f"fetch_{key}_years",
        help=f"From {first}, the first year both countries are in UN Comtrade's lists "
        f"(HS data start in {HS_FIRST_YEAR}), to {last}, the latest year that can be complete.",
    )
    return tuple(range(years[0], years[1] + 1))


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
    span = _fetchable_span(pair, lists, sides)
    if span is None:
        return
    first, last = span
    wanted = _years_slider(first, last, key)
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


def _years_with_totals(pair: Pair, sides: list[str], first: int, last: int) -> dict[str, list[int]]:
    obs = observations()
    span = set(range(first, last + 1))
    return {
        s: sorted(int(y) for y in set(basis_series(obs, s, pair.other(s)).index) & span)
        for s in sides
    }


def products_fetch(pair: Pair, key: str) -> None:
    """The "What is traded" page's empty state: fetch the HS chapters alone, for the years each
    side has a total figure (the shares then have a reported total), or for years chosen."""
    lists = country_lists()
    sides = reporting_sides(pair, lists)
    st.header("Fetch what is traded from UN Comtrade")
    span = _fetchable_span(pair, lists, sides)
    if span is None:
        return
    first, last = span
    have = _years_with_totals(pair, sides, first, last)
    chosen = True
    if any(have.values()):
        which = st.radio(
            "Years",
            ["totals", "chosen"],
            format_func=lambda v: (
                "The years with a total figure" if v == "totals" else "Years I choose"
            ),
            key=f"fetch_{key}_which",
            help="Chapters for the years with a total figure can be shown as shares of that "
            "total, with the part not allocated to any chapter.",
        )
        st.caption(
            "Years with a total figure: "
            + "; ".join(f"{basis_label(s)}: {year_span(ys)}" for s, ys in have.items() if ys)
            + "."
        )
        chosen = which == "chosen"
    if chosen:
        wanted = _years_slider(first, last, key)
        legs = [Leg(s, pair.other(s), wanted, totals=False, products=True) for s in sides]
    else:
        legs = [
            Leg(s, pair.other(s), tuple(ys), totals=False, products=True)
            for s, ys in have.items()
            if ys
        ]
    who = " and ".join(basis_label(leg.reporter) for leg in legs)
    st.markdown(
        f"HS chapters (97, exports and imports) on {who}, with the chapter names refreshed "
        "from UN Comtrade's HS list."
    )
    _offer(pair, legs, key, "Fetch what is traded", job_key=key, chapters=False)
