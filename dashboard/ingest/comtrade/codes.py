"""UN Comtrade reporter and partner codes, resolved from Comtrade's own reference lists.

Comtrade's codes are not ISO 3166 numeric: the USA is 842 (not 840) and India 699 (not 356). A code
derived from ISO numeric gets a silent ``count: 0`` back, so codes are looked up by ISO3 in
``Reporters.json`` and ``partnerAreas.json``. Those lists are fetched with the data client (same
base URL, same retries and rate limit), cached on disk for a TTL, and backed by a small bundled
list holding only codes the project's reference notes state (CHN, KAZ, USA, IND, HKG, MAC, S19,
W00). Other countries (e.g. RUS, UZB) resolve only from the live list or its cache.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from dashboard.ingest.comtrade.reference import CACHE_SUBDIR, DEFAULT_TTL, CachedReference

REPORTERS_PATH = "/files/v1/app/reference/Reporters.json"
PARTNERS_PATH = "/files/v1/app/reference/partnerAreas.json"
FALLBACK_PATH = Path(__file__).with_name("reference_fallback.json")
#: Re-exported: callers and tests find the cache's location and TTL here, as before.
__all__ = [
    "CACHE_SUBDIR",
    "DEFAULT_TTL",
    "FALLBACK_PATH",
    "PARTNERS_PATH",
    "REPORTERS_PATH",
    "CodeResolver",
    "UnknownCountryError",
    "load_fallback",
    "parse_reference_list",
]

Role = Literal["reporter", "partner"]
_PATHS: dict[str, str] = {"reporter": REPORTERS_PATH, "partner": PARTNERS_PATH}
#: World is flagged ``isGroup`` in partnerAreas.json but is the partner for a country's total trade.
_WORLD = "W00"


class UnknownCountryError(ValueError):
    """An ISO3 code has no Comtrade code in the list in use; the message names the list."""


def _lower_keys(entry: dict[str, Any]) -> dict[str, Any]:
    # Reporters.json uses camelCase (reporterCode), partnerAreas.json PascalCase (PartnerCode).
    return {str(k).lower(): v for k, v in entry.items()}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def parse_reference_list(payload: Any, role: Role) -> dict[str, int]:
    """Map ISO3 -> Comtrade code from a ``Reporters.json`` / ``partnerAreas.json`` payload.

    Skips groups (except World, W00 -> 0) and entries with an ``entryExpiredDate``; where one ISO3
    still has several entries, the latest ``entryEffectiveDate`` wins. Raises ValueError when the
    payload does not look like a reference list or yields no usable entry.
    """
    return {iso: code for iso, (_, code) in _best_entries(payload, role).items()}


def parse_entry_years(payload: Any, role: Role) -> dict[str, int]:
    """Map ISO3 -> the year of its ``entryEffectiveDate`` (the entry :func:`parse_reference_list`
    keeps); an entry without a readable date is left out. Raises ValueError as that does."""
    years: dict[str, int] = {}
    for iso, (effective, _) in _best_entries(payload, role).items():
        head = effective[:4]
        if len(head) == 4 and head.isdigit():
            years[iso] = int(head)
    return years


def _best_entries(payload: Any, role: Role) -> dict[str, tuple[str, int]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ValueError("not a Comtrade reference list: expected an object with a 'results' list")
    code_key, iso_key = f"{role}code", f"{role}codeisoalpha3"
    best: dict[str, tuple[str, int]] = {}
    for raw in payload["results"]:
        if not isinstance(raw, dict):
            continue
        entry = _lower_keys(raw)
        iso = str(entry.get(iso_key) or "").strip().upper()
        code = entry.get(code_key)
        if not iso or code is None or isinstance(code, bool):
            continue
        try:
            code = int(code)
        except (TypeError, ValueError):
            continue
        if entry.get("entryexpireddate"):
            continue
        if _truthy(entry.get("isgroup")) and iso != _WORLD:
            continue
        effective = str(entry.get("entryeffectivedate") or "")
        # ISO 8601 timestamps in one format compare correctly as strings.
        if iso not in best or effective > best[iso][0]:
            best[iso] = (effective, code)
    if not best:
        raise ValueError(f"the {role} reference list has no usable entries")
    return best


def load_fallback(role: Role, path: Path = FALLBACK_PATH) -> dict[str, int]:
    """The bundled ISO3 -> code map for ``role`` (a handful of codes; see the JSON's ``_about``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {e["iso3"]: int(e["code"]) for e in data["entries"] if e.get(role)}


class CodeResolver:
    """Resolves ISO3 codes to Comtrade codes: fresh disk cache, else live list, else stale cache,
    else the bundled fallback (the order of :class:`~dashboard.ingest.comtrade.reference.
    CachedReference`). ``sources`` records which one each role used and ``warnings`` explains
    any degradation, so callers can tell the user.
    """

    def __init__(
        self,
        fetch_json: Callable[[str], Any],
        cache_dir: Path | None = None,
        ttl: timedelta = DEFAULT_TTL,
        now: Callable[[], float] = time.time,
        fallback_path: Path = FALLBACK_PATH,
    ) -> None:
        self._fetch_json = fetch_json
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._ttl = ttl
        self._now = now
        self._fallback_path = fallback_path
        self._maps: dict[str, dict[str, int]] = {}
        self._years: dict[str, dict[str, int]] = {}
        self.sources: dict[str, str] = {}
        self.warnings: list[str] = []

    def reporter_code(self, iso3: str) -> int:
        """Comtrade reporter code for ``iso3``; raises UnknownCountryError."""
        return self._lookup("reporter", iso3)

    def partner_code(self, iso3: str) -> int:
        """Comtrade partner code for ``iso3`` (``W00`` is World, 0); raises UnknownCountryError."""
        return self._lookup("partner", iso3)

    def codes(self, role: Role) -> dict[str, int]:
        """Every ISO3 -> Comtrade code of the ``role`` list in use (loaded as a lookup loads it)."""
        return dict(self._map(role))

    def entry_year(self, role: Role, iso3: str) -> int | None:
        """The year ``iso3``'s entry in the list in use took effect (Kazakhstan: 1992); None
        when the list gives no date (the bundled fallback has none)."""
        self._map(role)
        return self._years.get(role, {}).get(iso3.strip().upper())

    def _lookup(self, role: Role, iso3: str) -> int:
        iso3 = iso3.strip().upper()
        codes = self._map(role)
        if iso3 not in codes:
            where = {
                "fallback": "the small bundled fallback list (the live list could not be loaded)",
            }.get(self.sources[role], f"UN Comtrade's {role} list")
            raise UnknownCountryError(f"{iso3} has no UN Comtrade {role} code in {where}")
        return codes[iso3]

    def _map(self, role: Role) -> dict[str, int]:
        if role not in self._maps:
            self._maps[role] = self._load(role)
        return self._maps[role]

    def _parse(self, payload: Any, role: Role) -> dict[str, int]:
        """The list's codes; its entry years are kept on the side (a cached or a live list)."""
        codes = parse_reference_list(payload, role)
        self._years[role] = parse_entry_years(payload, role)
        return codes

    def _load(self, role: Role) -> dict[str, int]:
        ref = CachedReference(
            _PATHS[role],
            lambda payload: self._parse(payload, role),
            lambda: load_fallback(role, self._fallback_path),
            describe=f"{role} list",
            fallback_note="used the bundled fallback list, which knows only a few countries",
            cache_dir=self._cache_dir,
            ttl=self._ttl,
            now=self._now,
        )
        try:
            return ref.load(self._fetch_json)
        finally:
            if ref.source is not None:
                self.sources[role] = ref.source
            self.warnings.extend(ref.warnings)
