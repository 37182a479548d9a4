"""The pair selector: any country UN Comtrade lists, with any partner or World, as ?pair=CHN-KAZ.

Two searchable lists in the sidebar, "Country" and "Partner", as Comtrade's own query page has:
a single list of every pair would hold some 30,000 options, resent on every run. Countries in a
pair with stored figures come first, and for the chosen country the partners it has figures with,
then World (its total trade), then everyone else. The countries are those of Comtrade's reference
lists (the disk cache, else the live list, else the small bundled fallback; ``codes.py``).

The pair lives in the session as its canonical code (``session_state["pair"]``, which every page
reads through :func:`dashboard.app.cache.current_pair`) and in the URL as that code, written by
hand: a bound selectbox writes its option's label, and a link should be short and readable. An
older link naming a pair by its label still opens; anything else gets a notice and the default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from dashboard.analysis.coverage import (
    PARTNER_ONLY,
    WORLD,
    canonical_pair,
    country_options,
    partner_options,
)
from dashboard.app.cache import (
    DEFAULT_PAIR,
    STORE_DAMAGED_WARNING,
    observations,
    pair_labels,
    store_damaged,
    targets,
)
from dashboard.ingest.comtrade.client import ComtradeClient, default_base_url
from dashboard.ingest.errors import SourceError
from dashboard.ingest.store import resolve_data_dir
from dashboard.model import REGION_NAMES, Pair, country_name, known_codes, region_definition
from dashboard.textsafe import escape_markdown, plain_label

#: Session keys of the two lists (not URL-bound: the URL holds the pair's code, ``pair``).
COUNTRY_KEY = "pair_country"
PARTNER_KEY = "pair_partner"
#: The country list is fetched at most this often per server process (and cached on disk).
LISTS_TTL = "1h"
_URL_READ_KEY = "_pair_url_read"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CountryLists:
    """Who can report and who can be a partner in UN Comtrade, as far as the lists in use say."""

    reporters: frozenset[str]
    partners: frozenset[str]
    entry_years: dict[str, int]  # ISO3 -> the year its reference entry took effect
    source: str  # "live", "cache", "stale cache" or "fallback" (the worse of the two lists)

    @property
    def limited(self) -> bool:
        """True when only the bundled fallback (a handful of countries) could be used."""
        return self.source == "fallback"

    def entry_year(self, code: str) -> int | None:
        return self.entry_years.get(code)


_RANK = {"live": 0, "cache": 0, "stale cache": 1, "fallback": 2}


@st.cache_data(ttl=LISTS_TTL, max_entries=4, show_spinner=False)
def _lists(base_url: str, store_dir: str) -> CountryLists:
    # One quick try: a page should not wait for an unreachable host (the lists are cached on
    # disk for 30 days once loaded, and the fallback is always there).
    client = ComtradeClient(
        base_url,
        api_key="",
        cache_dir=store_dir,
        timeout=(3.0, 5.0),
        request_deadline=5.0,
        max_tries=1,
        min_interval=0.0,
    )
    known = known_codes()
    try:
        found = {role: client.resolver.codes(role) for role in ("reporter", "partner")}
    except (SourceError, OSError, ValueError) as exc:  # the resolver falls back; belt and braces
        _log.warning("UN Comtrade's country lists could not be read: %s", exc)
        return CountryLists(frozenset(), frozenset({WORLD}), {}, "fallback")
    finally:
        client.close()
    years: dict[str, int] = {}
    for role in ("partner", "reporter"):
        for iso in found[role]:
            year = client.resolver.entry_year(role, iso)
            if year is not None:
                years[iso] = year
    source = max(client.resolver.sources.values(), key=lambda s: _RANK.get(s, 2))
    return CountryLists(
        frozenset(c for c in found["reporter"] if c in known and c != WORLD),
        frozenset(c for c in found["partner"] if c in known) | {WORLD},
        years,
        source,
    )


def country_lists() -> CountryLists:
    """UN Comtrade's reporters and partners (cached; see :data:`LISTS_TTL`)."""
    return _lists(default_base_url(), str(resolve_data_dir()))


def prefill_lists() -> None:
    """Load the country lists before the first visitor (the server's warm start)."""
    country_lists()


def stored_pairs() -> list[Pair]:
    """Pairs with total-trade figures (snapshot and store), by label."""
    return [Pair.parse(code) for code in pair_labels()]


def pair_from_text(text: str, stored: dict[str, str]) -> tuple[Pair | None, str]:
    """The pair a URL value names, or (None, why not). ``stored`` maps codes to labels.

    Takes a code in either order and any case (``kaz-chn``), or a stored pair's label (links
    made before the code was used).
    """
    raw = text.strip()
    if not raw:
        return None, "empty value"
    by_label = {label.casefold(): code for code, label in stored.items()}
    if raw.casefold() in by_label:
        return Pair.parse(by_label[raw.casefold()]), ""
    parts = raw.upper().split("-")
    if len(parts) != 2 or not all(parts):
        return None, "not a pair of country codes such as CHN-KAZ"
    unknown = [p for p in parts if p not in known_codes()]
    if unknown:
        return None, "not a pair of country codes such as CHN-KAZ"
    if parts[0] == parts[1]:
        return None, "a pair needs two different countries"
    if all(p in PARTNER_ONLY for p in parts):
        return None, "a pair needs a country, not only regions or World"
    return canonical_pair(*parts), ""


def _notice(raw: list[str], why: str) -> str:
    shown = escape_markdown(plain_label(raw[-1] if raw else "", 40)) or "(empty)"
    return (
        "**Some settings in this link could not be used**, so defaults apply: "
        f"Ignored pair={shown}: {why}; using {escape_markdown(DEFAULT_PAIR)}."
    )


def _pair_from_url(stored: dict[str, str]) -> Pair:
    """The link's pair (a notice if it is unusable), else the default: the first run's."""
    default = Pair.parse(DEFAULT_PAIR if DEFAULT_PAIR in stored else next(iter(stored)))
    if "pair" not in st.query_params:
        return default
    raw = st.query_params.get_all("pair")
    pair, why = pair_from_text(raw[-1] if raw else "", stored)
    if pair is None:
        st.info(_notice(raw, why), icon=":material/link_off:")
        return default
    return pair


def _chosen(country: str, partner: str) -> None:
    st.session_state["pair"] = canonical_pair(country, partner).code


def _country_changed(with_data: list[Pair], universe: frozenset[str]) -> None:
    # A callback runs before the next run's widgets: the partner list changes with the country,
    # so the partner is kept only if it can stay; else the first partner with figures, or World.
    country = st.session_state[COUNTRY_KEY]
    partner = st.session_state.get(PARTNER_KEY)
    options = partner_options(country, universe, with_data)
    if partner not in options:
        partner = options[0]
    st.session_state[PARTNER_KEY] = partner
    _chosen(country, partner)


def _partner_changed() -> None:
    _chosen(st.session_state[COUNTRY_KEY], st.session_state[PARTNER_KEY])


def _label(code: str, stored: set[str]) -> str:
    name = REGION_NAMES.get(code, "") or country_name(code)
    if code == WORLD:
        name = "World (all partners)"
    return f"{name} · figures stored" if code in stored else name


def pair_selector() -> Pair:
    """The shared pair control in the sidebar; every page follows it. Returns the pair."""
    observations()  # a bad data file stops here, with its message, before anything else
    targets()
    if store_damaged():
        st.warning(STORE_DAMAGED_WARNING, icon=":material/warning:")
    stored = pair_labels()
    with_data = [Pair.parse(code) for code in stored]
    lists = country_lists()
    universe = frozenset(
        lists.reporters | lists.partners | {c for p in with_data for c in (p.a, p.b)}
    )

    if not st.session_state.get(_URL_READ_KEY):
        st.session_state[_URL_READ_KEY] = True
        if "pair" not in st.session_state:
            st.session_state["pair"] = _pair_from_url(stored).code
    pair = Pair.parse(st.session_state.get("pair") or DEFAULT_PAIR)
    # The lists follow the pair when something else set it (a link, the targets registry).
    shown = {st.session_state.get(COUNTRY_KEY), st.session_state.get(PARTNER_KEY)}
    if shown != {pair.a, pair.b}:
        st.session_state[COUNTRY_KEY], st.session_state[PARTNER_KEY] = pair.a, pair.b

    country = st.session_state[COUNTRY_KEY]
    countries = country_options(universe, with_data)
    if country not in countries:  # a stored pair's region, say, that is only a partner
        countries = [country, *countries]
    in_stored = {c for p in with_data for c in (p.a, p.b)}
    st.sidebar.selectbox(
        "Country",
        countries,
        key=COUNTRY_KEY,
        format_func=lambda c: _label(c, in_stored),
        on_change=_country_changed,
        args=(with_data, universe),
        help="Type to search. Countries with stored figures come first; any other can be "
        "fetched from UN Comtrade.",
    )
    partners = partner_options(country, universe, with_data)
    partner = st.session_state[PARTNER_KEY]
    if partner not in partners:
        partners = [partner, *partners]
    mine = {p.other(country) for p in with_data if country in (p.a, p.b)}
    st.sidebar.selectbox(
        "Partner",
        partners,
        key=PARTNER_KEY,
        format_func=lambda c: _label(c, mine),
        on_change=_partner_changed,
        help="Partners with stored figures first, then World (the country's total trade), "
        "then every other country UN Comtrade lists.",
    )
    if lists.limited:
        st.sidebar.caption(
            "UN Comtrade's country list could not be loaded, so only the countries with stored "
            "figures and a few others are listed."
        )
    definition = region_definition(pair)
    if definition:
        st.sidebar.caption(definition)
    _pair_to_url(pair)
    return pair


def _pair_to_url(pair: Pair) -> None:
    """``pair=<code>`` in the address bar, left out for the default (as bound widgets do)."""
    if pair.code == DEFAULT_PAIR:
        if "pair" in st.query_params:
            del st.query_params["pair"]
    elif st.query_params.get("pair") != pair.code:
        st.query_params["pair"] = pair.code
