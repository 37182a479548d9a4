"""Cached access to the data for the pages, and the pair every page follows.

Caching lives here, at the boundary: the pure loaders stay uncached and testable. A shipped data
file that fails validation stops the page with the validator's message (file, line, problem)
instead of a traceback. A damaged local store does not: visitors get the shipped data with a
short warning, and the server log tells the operator what is wrong and how to restore it.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from dashboard.analysis.series import pairs_with_data
from dashboard.app.urlstate import ParamSpec, choice
from dashboard.cli.store_admin import restore_command
from dashboard.ingest import baci
from dashboard.ingest.comtrade.hs import HsNames, load_hs_names
from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.ingest.store import LocalStore, merge_observations, resolve_data_dir
from dashboard.ingest.upload import UploadedSeries
from dashboard.model import PRODUCT_COLUMNS, DataFileError, Pair
from dashboard.report.sentences import target_origin_markdown

CACHE_TTL = "1h"
#: Where the data page keeps an uploaded series for this browser session.
UPLOAD_STATE_KEY = "uploaded_series"
#: Set by a screen's callback to ask the router to open the tracker on the next run (a screen
#: does not import the router: the router imports the screens).
OPEN_TRACKER_KEY = "_open_in_tracker"
#: The pair the dashboard exists for: the selector opens on it, wherever it sorts.
DEFAULT_PAIR = "CHN-KAZ"


#: What visitors see when the local store is damaged (no server path, nothing they can run).
STORE_DAMAGED_WARNING = (
    "Figures saved on this server could not be read, so the dashboard shows only its shipped, "
    "sourced data for now. The site's operator has been told how to restore them."
)

_log = logging.getLogger(__name__)


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def _stored(store_dir: str, store_stamp: int) -> tuple[pd.DataFrame | None, bool]:
    """The local store's rows, or (None, True) if a store file is damaged; the operator's
    message goes to the server log once per store version (``store_stamp`` is a cache key)."""
    s = LocalStore(store_dir)
    try:
        return s.read(), False
    except DataFileError as exc:
        _log.error(
            "The local store is damaged; the app shows the shipped data only until it is "
            "repaired.\n%s\nCheck it with `trade-dashboard store check --data-dir %s`; restore "
            "the previous version with `%s`.",
            exc,
            store_dir,
            restore_command(s),
        )
        return None, True


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def _merged(prefer: str, store_dir: str, store_stamp: int) -> pd.DataFrame:
    """Snapshot + local store (the snapshot alone while the store is damaged). ``store_stamp``
    is only a cache key: a refresh, upload or restore changes it, so the next run reads anew."""
    stored, _damaged = _stored(store_dir, store_stamp)
    return merge_observations(load_observations(), stored, prefer)


def store_damaged() -> bool:
    """Whether the local store could not be read (the pages then use the shipped data only)."""
    _prefer, store_dir, stamp = data_version()
    return _stored(store_dir, stamp)[1]


def store() -> LocalStore:
    """The local data store (outside the repo; TRADE_DASHBOARD_DATA_DIR or the user data dir)."""
    return LocalStore(resolve_data_dir())


def data_version() -> tuple[str, str, int]:
    """What the merged observations depend on: source preference, store location and version.

    Cached helpers take these plain values instead of the frames, so a cache lookup costs a
    hash of three values, not of a data frame.
    """
    return _version(st.session_state.get("prefer", "auto"))


def _version(prefer: str) -> tuple[str, str, int]:
    s = store()
    return prefer, str(s.directory), s.version()


def prefill() -> None:
    """Fill the data caches with what the default view reads (the server's warm start calls it).

    Also removes temp files a killed write left in the store. A bad data file is left for the
    first page run to report, with its message.
    """
    LocalStore.open(resolve_data_dir())
    version = _version("auto")
    try:
        _merged(*version)
        _targets()
        _labels_for(*version)
    except DataFileError:
        pass


def _observations() -> pd.DataFrame:
    return _merged(*data_version())


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def _targets() -> pd.DataFrame:
    return load_targets()


def _stop_on_bad_file(exc: DataFileError) -> None:
    st.error(
        "**A data file failed validation, so the dashboard cannot show trustworthy numbers.**\n\n"
        f"```\n{exc}\n```\n"
        "Fix the line(s) named above, or restore the file with `git checkout data/`, "
        "then reload the page.",
        icon=":material/error:",
    )
    st.stop()


def observations() -> pd.DataFrame:
    """All observations the app uses: the snapshot merged with the local store (validated).

    Stops the page with the validator's message when a file is bad.
    """
    try:
        return _observations()
    except DataFileError as exc:
        _stop_on_bad_file(exc)
        raise  # unreachable: st.stop() raises


def targets() -> pd.DataFrame:
    """All declared targets (validated); stops the page on a bad file."""
    try:
        return _targets()
    except DataFileError as exc:
        _stop_on_bad_file(exc)
        raise


def pair_labels() -> dict[str, str]:
    """Code -> label of every pair with total-trade figures (snapshot and store), by label."""
    return _labels_for(*data_version())


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def _labels_for(prefer: str, store_dir: str, store_stamp: int) -> dict[str, str]:
    obs = _merged(prefer, store_dir, store_stamp)
    pairs = {p.code: p for p in pairs_with_data(obs)}
    for code in _baci_pairs(store_dir, store_stamp):  # pairs from BACI: no fetch needed
        pairs.setdefault(code, Pair.parse(code))
    ordered = sorted(pairs.values(), key=lambda p: (p.label.casefold(), p.code))
    return {p.code: p.label for p in ordered}


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def _baci_pairs(store_dir: str, store_stamp: int) -> tuple[str, ...]:
    """Pairs in the imported CEPII BACI matrix (none if there is none, or it cannot be read)."""
    try:
        return tuple(p.code for p in baci.baci_pairs(LocalStore(store_dir)))
    except Exception as exc:  # a damaged store must not stop the pages: log it, offer none
        _log.error("The imported BACI matrix could not be read: %s", exc)
        return ()


def baci_pairs() -> tuple[str, ...]:
    """Codes of the pairs the imported CEPII BACI matrix has (the pair selector lists them)."""
    _prefer, store_dir, stamp = data_version()
    return _baci_pairs(store_dir, stamp)


@st.cache_data(ttl=CACHE_TTL, max_entries=64, show_spinner=False)
def _baci_rows(store_dir: str, store_stamp: int, pair_code: str) -> baci.BaciResult:
    pair = Pair.parse(pair_code)
    try:
        return baci.pair_observations(LocalStore(store_dir), pair.a, pair.b)
    except Exception as exc:
        _log.error("The imported BACI matrix could not be read: %s", exc)
        return baci.BaciResult(pd.DataFrame(), str(exc))


def baci_observations(pair: Pair) -> pd.DataFrame:
    """The pair's CEPII BACI rows (reporter = the pair's first country; empty if none): the
    tracker's "CEPII BACI (reconciled, FOB)" basis."""
    _prefer, store_dir, stamp = data_version()
    if pair.code not in _baci_pairs(store_dir, stamp):
        return pd.DataFrame()
    return _baci_rows(store_dir, stamp, pair.code).frame


def _default_code(labels: dict[str, str]) -> str:
    return DEFAULT_PAIR if DEFAULT_PAIR in labels else next(iter(labels))


def target_origin(
    pair_code: str, reporter: str, base_year: int, target_id: str | None = None
) -> str:
    """The "where the target comes from" text for the tracker (cached): about ``target_id``, the
    target on screen ("own": the user's), or the pair's headline target when None."""
    return _origin(*data_version(), pair_code, reporter, base_year, target_id)


@st.cache_data(ttl=CACHE_TTL, max_entries=256, show_spinner=False)
def _origin(
    prefer: str,
    store_dir: str,
    store_stamp: int,
    pair_code: str,
    reporter: str,
    base_year: int,
    target_id: str | None = None,
) -> str:
    obs = _merged(prefer, store_dir, store_stamp)
    pair = Pair.parse(pair_code)
    return target_origin_markdown(obs, _targets(), pair, reporter, base_year, target_id)


def pair_spec() -> ParamSpec:
    """What the ``pair`` URL parameter may hold in a share link: the pair's code."""
    codes = dict.fromkeys([DEFAULT_PAIR, current_pair().code])
    return choice(DEFAULT_PAIR, list(codes))


def uploaded_for(pair: Pair) -> UploadedSeries | None:
    """The series uploaded in this browser session, if it can stand for ``pair``'s trade."""
    up = st.session_state.get(UPLOAD_STATE_KEY)
    if up is None:
        return None
    named = {c for c in (up.reporter, up.partner) if c}
    return up if named <= {pair.a, pair.b} else None


def current_pair() -> Pair:
    """The pair chosen in the sidebar (the first pair if the selector has no state yet)."""
    code = st.session_state.get("pair")
    return Pair.parse(code if code else _default_code(pair_labels()))


# --- product rows (the "What is traded" page) ------------------------------------------------


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _product_rows(store_dir: str, store_stamp: int, reporter: str, partner: str) -> pd.DataFrame:
    """The store's product rows for one reporter and partner: fetched chapters and, when a
    CEPII BACI matrix is imported, its HS2 composition seen from ``reporter``'s side.
    ``store_stamp`` is a cache key, so a fetch or import is read anew. A damaged store gives no
    rows here (the observations' warning already tells visitors; the log tells the operator)."""
    s = LocalStore(store_dir)
    try:
        fetched = s.read_products(reporter, partner)
        matrix = baci.pair_composition(s, reporter, partner).frame
    except DataFileError as exc:
        _log.error("The local store's product table could not be read: %s", exc)
        return empty_product_rows()
    parts = [f for f in (fetched, matrix) if not f.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_product_rows()


def empty_product_rows() -> pd.DataFrame:
    """A product table without rows (``model.PRODUCT_COLUMNS``)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PRODUCT_COLUMNS}).astype(
        {"year": "int64", "value_usd": "float64"}
    )


def product_rows(pair: Pair) -> pd.DataFrame:
    """Product rows of both reporters of ``pair`` (each reporting on the other), cached."""
    _prefer, store_dir, stamp = data_version()
    parts = [_product_rows(store_dir, stamp, r, pair.other(r)) for r in (pair.a, pair.b)]
    return pd.concat(parts, ignore_index=True)


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def _hs_names(store_dir: str, store_stamp: int) -> HsNames:
    return load_hs_names(store_dir)


def hs_names() -> HsNames:
    """HS chapter and section names: the list a fetch cached in the store, else the bundled one."""
    _prefer, store_dir, stamp = data_version()
    return _hs_names(store_dir, stamp)
