"""The project's vocabulary: column names, allowed codes, the error type for bad data files.

Every other layer (loaders, analysis, charts, CLI, UI) speaks in these names, so a column is renamed
in one place. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import pycountry

#: Columns of an observation table, in file order. ``value_usd`` is in US dollars (not billions).
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "reporter",
    "partner",
    "year",
    "flow",
    "value_usd",
    "qualifier",
    "source",
    "source_url",
    "published",
    "confidence",
    "note",
)
#: Optional provenance columns written by live fetches and uploads (empty for the snapshot).
OPTIONAL_OBSERVATION_COLUMNS: tuple[str, ...] = ("valuation", "retrieved")
#: The key that must be unique in an observation table.
OBSERVATION_KEY: tuple[str, ...] = ("reporter", "partner", "year", "flow")

FLOWS: tuple[str, ...] = ("export", "import", "total")

#: Columns of a product table (what is traded): one row per reporter, partner, year, flow and HS
#: code. ``code`` is the HS chapter as two digits ("01".."99", leading zero kept) or, for bulk
#: matrices, a six-digit HS code; ``classification`` is the HS revision the reporter used ("H5");
#: ``origin`` is ``comtrade`` or ``baci``. ``value_usd`` is in US dollars. The chapters' sum may be
#: below the reported total: the difference is shown as "not allocated", never dropped.
PRODUCT_COLUMNS: tuple[str, ...] = (
    "reporter",
    "partner",
    "year",
    "flow",
    "code",
    "value_usd",
    "classification",
    "source",
    "source_url",
    "published",
    "retrieved",
    "origin",
)
#: The key that must be unique in a product table.
PRODUCT_KEY: tuple[str, ...] = ("origin", "reporter", "partner", "year", "flow", "code")
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
#: How a figure was stated: as reported, rounded ("about 25"), or a floor ("exceeded $20 bn").
QUALIFIERS: tuple[str, ...] = ("reported", "approx", "at_least")

#: One year range for every table and every upload (a file the upload accepts can be stored).
YEAR_MIN = 1900
#: Target years may lie ahead; observations stop at :func:`current_year`.
YEAR_MAX = 2100

#: Where an observation came from. The snapshot is ``data/``; the others live in the local store,
#: and each stored row keeps the origin it was written with.
ORIGINS: tuple[str, ...] = ("snapshot", "comtrade", "upload", "baci")
STORED_ORIGINS: tuple[str, ...] = ("comtrade", "upload", "baci")


def current_year() -> int:
    """The latest year an observation may have: later years have not been observed yet."""
    return date.today().year


#: Project-defined aggregate partners, in ISO 3166's user-assigned range (X..), so they can never
#: collide with a real country code.
REGION_CODES: dict[str, str] = {
    "XCA": "Central Asia (KAZ, KGZ, TJK, TKM, UZB)",
    "XAS": "ASEAN (10 member states)",
    "W00": "World",
}

#: Members of the aggregate partners, so a pair's label and definition can leave out a member
#: paired with its own region ("Kazakhstan – rest of Central Asia").
REGION_MEMBERS: dict[str, tuple[str, ...]] = {
    "XCA": ("KAZ", "KGZ", "TJK", "TKM", "UZB"),
    "XAS": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
}
#: Short readable names of the aggregate partners (labels; the definition is said separately).
REGION_NAMES: dict[str, str] = {"XCA": "Central Asia", "XAS": "ASEAN", "W00": "World"}

#: Display names for statistics bases: whose statistics a figure is.
BASIS_LABELS: dict[str, str] = {
    "CHN": "China customs (GACC)",
    "KAZ": "Kazakhstan statistics (BNS)",
}


@cache
def known_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes plus the project's region codes."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | frozenset(REGION_CODES)


#: Names people use where ISO 3166's is formal or inverted ("Russian Federation").
_PLAIN_NAMES: dict[str, str] = {
    "RUS": "Russia",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "IRN": "Iran",
    "VNM": "Vietnam",
    "LAO": "Laos",
    "SYR": "Syria",
    "MDA": "Moldova",
    "VEN": "Venezuela",
    "BOL": "Bolivia",
    "TZA": "Tanzania",
}


def country_name(code: str) -> str:
    """A readable name for an ISO3 or region code (the code itself if unknown)."""
    if code in REGION_CODES:
        return REGION_CODES[code]
    if code in _PLAIN_NAMES:
        return _PLAIN_NAMES[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def basis_label(reporter: str) -> str:
    """How a statistics basis is named on screen: the publisher where we know it."""
    return BASIS_LABELS.get(reporter, f"{country_name(reporter)} statistics")


@dataclass(frozen=True)
class Pair:
    """An unordered country pair, written with a canonical order (``CHN-KAZ``)."""

    a: str
    b: str

    @classmethod
    def parse(cls, text: str) -> Pair:
        """Parse ``"CHN-KAZ"``; raises ValueError with a readable message."""
        parts = text.strip().upper().split("-")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"pair must look like CHN-KAZ, got {text!r}")
        a, b = parts
        unknown = [p for p in (a, b) if p not in known_codes()]
        if unknown:
            raise ValueError(f"unknown country code(s) in pair {text!r}: {', '.join(unknown)}")
        if a == b:
            raise ValueError(f"a pair needs two different countries, got {text!r}")
        return cls(a, b)

    @property
    def code(self) -> str:
        return f"{self.a}-{self.b}"

    @property
    def label(self) -> str:
        """``China – Kazakhstan``; a region is named short, without a member it is paired with."""
        return f"{_side_name(self.a, self.b)} – {_side_name(self.b, self.a)}"

    def other(self, reporter: str) -> str:
        """The partner when ``reporter`` reports."""
        return self.b if reporter == self.a else self.a


class DataFileError(ValueError):
    """A data file failed validation. The message names the file, the line and the problem."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]):
        self.path = path
        self.problems = problems
        lines = [
            f"{path}, line {line}: {problem}" if line is not None else f"{path}: {problem}"
            for line, problem in problems
        ]
        super().__init__("\n".join(lines))


def _side_name(code: str, other: str) -> str:
    if code not in REGION_NAMES:
        return country_name(code)
    if other in REGION_MEMBERS.get(code, ()):
        return f"rest of {REGION_NAMES[code]}"
    return REGION_NAMES[code]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def region_definition(pair: Pair) -> str | None:
    """What the region in ``pair`` stands for, in words; None for two countries.

    A member paired with its own region is left out of it: Kazakhstan's trade with Central Asia
    is its trade with the other four.
    """
    for region, other in ((pair.a, pair.b), (pair.b, pair.a)):
        members = REGION_MEMBERS.get(region)
        if not members:
            continue
        names = [country_name(m) for m in members if m != other]
        head = f"{REGION_NAMES[region]} here means {_and(names)}"
        if other in members:
            return f"{head}: {country_name(other)} itself is not counted."
        return f"{head}."
    return None
