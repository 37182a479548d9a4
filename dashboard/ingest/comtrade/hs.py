"""HS chapter and section names: UN Comtrade's HS reference list, cached, with a bundled fallback.

Chapter names come from Comtrade's ``HS.json`` (``results[]`` of ``{"id": "01", "text": "01 -
Animals; live", "parent": "TOTAL"}``, every level down to six digits; only the two-digit
chapters are kept, and only they are cached). That list has no sections, so section names and
the chapter-to-section mapping always come from the bundled ``hs_fallback.json``, whose
``_source`` names where each part comes from (the 96 chapters in use, reserved chapter 77, the
21 sections; chapters 98 and 99 are reserved for national use and belong to no section, 99 being
where reporters put confidential and unspecified trade).

The page never goes to the network for names: :func:`load_hs_names` reads the cache a fetch
left behind (any age) or the bundled list. A fetch refreshes the cache through
:func:`fetch_hs_names`, which degrades like the country codes (fresh cache, live, stale cache,
bundled) via :class:`~dashboard.ingest.comtrade.reference.CachedReference`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from dashboard.ingest.comtrade.reference import DEFAULT_TTL, CachedReference

HS_PATH = "/files/v1/app/reference/HS.json"
HS_FALLBACK_PATH = Path(__file__).with_name("hs_fallback.json")
#: The group that holds chapters no section covers (98 national use, 99 not specified).
SPECIAL_SECTION = "special"
SPECIAL_SECTION_NAME = "Not classified by kind (chapters 98–99: national use, confidential trade)"
SPECIAL_SECTION_SHORT = "Unspecified and confidential"
#: Chapter 99: trade reported without saying what it is (confidential trade goes here).
UNSPECIFIED_CHAPTER = "99"
#: Roman numerals in HS order, so sections sort I, II, ..., XXI rather than alphabetically.
SECTION_ORDER: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI",
)  # fmt: skip
_CHAPTER_TEXT = re.compile(r"^\s*(\d{2})\s*-\s*(.+?)\s*$", re.S)
_SHORT_CHARS = 48


@dataclass(frozen=True)
class HsNames:
    """Names for HS chapters ("01".."99") and sections ("I".."XXI", plus :data:`SPECIAL_SECTION`).

    ``source`` says where the chapter names came from (``bundled``, ``live``, ``cache``, ``stale
    cache``); sections always come from the bundled list.
    """

    chapters: Mapping[str, str]
    sections: Mapping[str, str]
    section_short: Mapping[str, str]
    section_of: Mapping[str, str]
    source: str = "bundled"
    warnings: tuple[str, ...] = field(default=())

    def chapter_name(self, code: str) -> str:
        """The chapter's name, or "HS chapter NN (no name in the reference list)"."""
        return self.chapters.get(code) or f"HS chapter {code} (no name in the reference list)"

    def chapter_short(self, code: str, limit: int | None = _SHORT_CHARS) -> str:
        """``"85 Electrical machinery and equipment and parts thereof"``: the name up to its first
        semicolon, cut at ``limit`` characters (None: not cut); chapter 99 keeps its
        confidential-trade note."""
        name = self.chapter_name(code)
        if code == UNSPECIFIED_CHAPTER:
            return f"{code} Not specified by kind (incl. confidential)"
        head = name.split(";")[0].strip()
        if limit is not None and len(head) > limit:
            head = head[: limit - 1].rstrip(" ,") + "…"
        return f"{code} {head}"

    def section_for(self, code: str) -> str:
        """The section a chapter belongs to (:data:`SPECIAL_SECTION` for 98, 99 and unknowns)."""
        return self.section_of.get(code, SPECIAL_SECTION)

    def section_name(self, section: str) -> str:
        """The section's official name (:data:`SPECIAL_SECTION_NAME` for the special group)."""
        if section == SPECIAL_SECTION:
            return SPECIAL_SECTION_NAME
        return self.sections.get(section, f"HS section {section}")

    def section_label(self, section: str) -> str:
        """``"XVI Machinery and electrical equipment"``: numeral and short name, for charts."""
        if section == SPECIAL_SECTION:
            return SPECIAL_SECTION_SHORT
        return f"{section} {self.section_short.get(section, self.section_name(section))}"


def section_rank(section: str) -> int:
    """Sort key: sections in HS order, the special group last."""
    return SECTION_ORDER.index(section) if section in SECTION_ORDER else len(SECTION_ORDER)


def _fallback_data(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def bundled_hs_names(path: Path = HS_FALLBACK_PATH) -> HsNames:
    """The bundled names: 99 chapter codes (96 in use, 77 reserved, 98, 99) and 21 sections."""
    data = _fallback_data(path)
    return HsNames(
        chapters={c["code"]: c["name"] for c in data["chapters"]},
        sections={s["section"]: s["name"] for s in data["sections"]},
        section_short={s["section"]: s["short"] for s in data["sections"]},
        section_of={c["code"]: c["section"] for c in data["chapters"] if c["section"]},
    )


def parse_hs_chapters(payload: Any) -> dict[str, str]:
    """Chapter code -> name from an ``HS.json`` payload (two-digit ids only; the ``"01 - "``
    prefix removed). Raises ValueError when the payload is not the list or has no chapter."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ValueError("not a Comtrade HS list: expected an object with a 'results' list")
    chapters: dict[str, str] = {}
    for entry in payload["results"]:
        if not isinstance(entry, dict):
            continue
        code = str(entry.get("id") or "").strip()
        text = str(entry.get("text") or "").strip()
        if len(code) != 2 or not code.isdigit() or not text:
            continue
        match = _CHAPTER_TEXT.match(text)
        chapters[code] = match.group(2) if match and match.group(1) == code else text
    if not chapters:
        raise ValueError("the HS list has no two-digit chapters")
    return chapters


def _chapters_only(payload: Any) -> dict[str, Any]:
    # HS.json holds every HS6 code (megabytes); the cache keeps the chapters, in the same shape.
    return {
        "results": [
            e
            for e in payload["results"]
            if isinstance(e, dict) and len(str(e.get("id") or "")) == 2
        ]
    }


def _with_chapters(chapters: dict[str, str], source: str, warnings: list[str]) -> HsNames:
    bundled = bundled_hs_names()
    # A chapter the live list lacks (77 is reserved, 98 national) keeps its bundled name.
    merged = {**bundled.chapters, **chapters}
    return replace(bundled, chapters=merged, source=source, warnings=tuple(warnings))


def _reference(cache_dir: Path | str | None, ttl: timedelta) -> CachedReference[dict[str, str]]:
    return CachedReference(
        HS_PATH,
        parse_hs_chapters,
        lambda: dict(bundled_hs_names().chapters),
        describe="HS list",
        fallback_note="used the bundled HS chapter names",
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        ttl=ttl,
        keep=_chapters_only,
    )


def load_hs_names(cache_dir: Path | str | None = None) -> HsNames:
    """Names without the network: the cached HS list (any age) if a fetch left one, else bundled."""
    ref = _reference(cache_dir, DEFAULT_TTL)
    cached = ref.read_cache(fresh_only=False)
    if cached is None:
        return bundled_hs_names()
    return _with_chapters(cached, "cache", [])


def fetch_hs_names(
    fetch_json: Callable[[str], Any],
    cache_dir: Path | str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> HsNames:
    """Names from UN Comtrade (``fetch_json``: the client's ``get_json``), refreshing the cache
    when it is older than ``ttl``; degrades to a stale cache, then the bundled list (warnings say
    so). A cancel or the fetch's deadline propagates."""
    ref = _reference(cache_dir, ttl)
    chapters = ref.load(fetch_json)
    source = "bundled" if ref.source == "fallback" else str(ref.source)
    return _with_chapters(chapters, source, ref.warnings)
