"""Status of every declared trade target, computed from the observations, never typed in.

A target's status depends on whose statistics measure it: China–Kazakhstan's $35 bn target was met
in 2023 on China's customs figures (41.0) and not yet on Kazakhstan's (30.1 in 2024). So each
target is judged separately on every statistics basis (reporter) that has total-trade data for the
pair, plus the basis the target is stated in if that one has none. The rules:

* **effective target** = ``target_value_usd``, else ``base_value_usd × target_multiple``.
* **met**: some observation from the announcement year on is at or above the target, in or before
  the target year (or any year when none is given). ``reached_year`` is the first such year. If the
  last observation before the announcement was already above the target, the note says it was
  already exceeded when announced.
* **missed**: the data reach the target year and no observation from the announcement up to the
  target year met it. A target reached only later is still missed; ``reached_year`` then says
  when, and the note says it was late. If the target year itself has no observation the note says
  so, since the judgement then rests on the years around it.
* **on track / off track** (open targets: the target year is after the latest observation): the
  growth a year needed from the latest observation to the target by the target year
  (``required_cagr``) against the historical CAGR (:func:`growth.recent_cagr`). A target without a
  year is judged against an *assumed* year (default 2030), and the note and
  ``assumed_target_year`` say so.
* **not assessable**: no numeric target ("significantly increase"), a scope total trade does not
  measure (non-oil trade), no data on the basis, a single observation (no growth rate), a target
  year that has passed (by ``as_of_year``) while the data stop before it, or an open target whose
  latest figure is more than :data:`STALE_AFTER_YEARS` years old (a trend from it would guess
  years that have already happened).

:func:`judge_target` is the one rule: the registry (:func:`target_status`), the tracker's verdict
and ``trade-dashboard targets`` all call it, so they give the same status for the same target and
basis. :func:`tracker_targets` lists the declared targets the tracker can follow, labelled in words.

``progress`` = latest observation / target on that basis (1.0 = at target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.analysis.growth import (
    MIN_TREND_OBSERVATIONS,
    progress,
    recent_cagr,
    required_cagr,
)
from dashboard.analysis.series import bases_for, basis_rows
from dashboard.formatting import format_bn
from dashboard.model import Pair, basis_label

MET = "met"
MISSED = "missed"
ON_TRACK = "on track"
OFF_TRACK = "off track"
NOT_ASSESSABLE = "not assessable"
STATUSES: tuple[str, ...] = (MET, MISSED, ON_TRACK, OFF_TRACK, NOT_ASSESSABLE)

#: Year an open target without a stated year is judged against, unless the caller says otherwise.
DEFAULT_ASSUMED_YEAR = 2030
#: Relative tolerance when comparing a value with a target (floating-point error only).
_TOL = 1e-9
#: An open target is not judged on a trend whose latest figure is older than this many years.
STALE_AFTER_YEARS = 2
#: Id of the tracker's hypothetical "your own target" (base-year value × multiple).
OWN_TARGET = "own"

STATUS_COLUMNS: tuple[str, ...] = (
    "id",
    "pair",
    "announced",
    "target_value_usd",
    "target_year",
    "basis",
    "basis_label",
    "basis_stated",
    "status",
    "reached_year",
    "progress",
    "required_cagr",
    "historical_cagr",
    "latest_year",
    "latest_value_usd",
    "assumed_target_year",
    "note",
)


def effective_target(target: pd.Series | dict) -> float | None:
    """The target in US dollars: the stated value, else base × multiple; None if neither."""
    value = _num(target.get("target_value_usd"))
    if value is not None:
        return value
    base, multiple = _num(target.get("base_value_usd")), _num(target.get("target_multiple"))
    if base is not None and multiple is not None:
        return base * multiple
    return None


def measured_by_totals(scope: str) -> bool:
    """False for a scope that total-trade figures do not measure, such as "non-oil goods"."""
    return "non-" not in str(scope).lower()


@dataclass(frozen=True)
class _Basis:
    """One basis's total-trade series for a pair, with the qualifier of each year's figure."""

    reporter: str
    values: pd.Series  # US dollars by year, sorted
    qualifiers: dict[int, str]


def target_status(
    targets: pd.DataFrame,
    observations: pd.DataFrame,
    *,
    assumed_year: int = DEFAULT_ASSUMED_YEAR,
    as_of_year: int | None = None,
) -> pd.DataFrame:
    """One row per target and statistics basis, with columns :data:`STATUS_COLUMNS`.

    ``as_of_year`` (default: this calendar year) decides whether a target year with no data yet
    has passed. Rows keep the order of ``targets``; within a target, the pair's first country's
    basis comes first.
    """
    as_of = date.today().year if as_of_year is None else as_of_year
    totals = observations[observations["flow"] == "total"]
    # Several targets share a pair: select each pair's series once.
    series: dict[tuple[str, str], _Basis] = {}
    rows: list[dict] = []
    for target in targets.to_dict("records"):
        pair = Pair(str(target["country_a"]), str(target["country_b"]))
        stated = str(target.get("basis") or "")
        bases = bases_for(totals, pair)
        if stated and stated not in bases:
            bases.append(stated)
        for reporter in bases or [""]:
            basis = None
            if reporter:
                key = (reporter, pair.other(reporter))
                if key not in series:
                    series[key] = _basis(totals, pair, reporter)
                basis = series[key]
            rows.append(_assess(target, pair, basis, reporter, stated, assumed_year, as_of))
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    for col in ("target_year", "reached_year", "latest_year", "assumed_target_year"):
        out[col] = out[col].astype("Int64")
    for col in (
        "target_value_usd",
        "progress",
        "required_cagr",
        "historical_cagr",
        "latest_value_usd",
    ):
        out[col] = out[col].astype("float64")
    out["basis_stated"] = out["basis_stated"].astype(bool)
    return out


def judge_target(
    target: pd.Series | dict,
    observations: pd.DataFrame,
    reporter: str,
    *,
    assumed_year: int = DEFAULT_ASSUMED_YEAR,
    as_of_year: int | None = None,
) -> dict:
    """The status of one ``target`` (a row of the targets table) on ``reporter``'s statistics.

    The same rule, and the same columns (:data:`STATUS_COLUMNS`), as :func:`target_status`.
    """
    as_of = date.today().year if as_of_year is None else as_of_year
    target = dict(target)
    pair = Pair(str(target["country_a"]), str(target["country_b"]))
    totals = observations[observations["flow"] == "total"]
    basis = _basis(totals, pair, reporter) if reporter else None
    stated = str(target.get("basis") or "")
    return _assess(target, pair, basis, reporter, stated, assumed_year, as_of)


def _basis(observations: pd.DataFrame, pair: Pair, reporter: str) -> _Basis:
    rows = basis_rows(observations, reporter, pair.other(reporter))
    values = pd.Series(
        rows["value_usd"].astype(float).to_numpy(), index=rows["year"].astype(int).to_numpy()
    ).sort_index()
    return _Basis(
        reporter, values, dict(zip(rows["year"].astype(int), rows["qualifier"], strict=True))
    )


def _assess(
    target: dict,
    pair: Pair,
    basis: _Basis | None,
    reporter: str,
    stated: str,
    assumed_year: int,
    as_of: int,
) -> dict:
    tv = effective_target(target)
    ty = _year(target.get("target_year"))
    row: dict = {
        "id": target["id"],
        "pair": pair.code,
        "announced": str(target["announced"]),
        "target_value_usd": tv,
        "target_year": ty,
        "basis": reporter,
        "basis_label": basis_label(reporter) if reporter else "",
        "basis_stated": bool(reporter) and reporter == stated,
        "status": NOT_ASSESSABLE,
        "reached_year": None,
        "progress": None,
        "required_cagr": None,
        "historical_cagr": None,
        "latest_year": None,
        "latest_value_usd": None,
        "assumed_target_year": None,
        "note": "",
    }
    notes: list[str] = []
    # Said last: the target's own basis differs from the one this row judges it on.
    stated_note = (
        f"target stated on {basis_label(stated)}"
        if stated and reporter and reporter != stated
        else ""
    )

    def done() -> dict:
        row["note"] = "; ".join([*notes, stated_note] if stated_note else notes)
        return row

    if tv is None:
        notes.append("no numeric target stated, so progress cannot be measured")
    elif not measured_by_totals(target.get("scope", "")):
        notes.append(f"scope '{target['scope']}' is not measured by total-trade figures")
    if basis is None or basis.values.empty:
        where = basis_label(reporter) if reporter else f"{pair.code} (either side)"
        notes.append(f"no total-trade observations on {where}")
        return done()

    values = basis.values
    latest_year = int(values.index[-1])
    latest_value = float(values.iloc[-1])
    row["latest_year"], row["latest_value_usd"] = latest_year, latest_value
    hist = recent_cagr(values) if len(values) >= 2 else None
    row["historical_cagr"] = hist.rate if hist else None
    if notes:  # no number, or a scope the totals do not measure
        return done()
    row["progress"] = progress(latest_value, tv)

    announced_year = int(str(target["announced"])[:4])
    before = values[values.index < announced_year]
    since = values[values.index >= announced_year]
    hits = since[since >= tv * (1 - _TOL)]
    already = not before.empty and before.iloc[-1] >= tv * (1 - _TOL)
    reached = int(hits.index[0]) if len(hits) else (int(before.index[-1]) if already else None)

    if reached is not None and (ty is None or reached <= ty):
        row["status"], row["reached_year"] = MET, reached
        notes.append(
            f"reached in {reached}: {_val(basis, reached)} against a target of {format_bn(tv)}"
        )
        if already:
            y = int(before.index[-1])
            notes.append(f"already exceeded when announced: {_val(basis, y)} in {y}")
        return done()

    if ty is not None and ty <= latest_year:
        row["status"] = MISSED
        if reached is not None:
            row["reached_year"] = reached
            notes.append(
                f"reached only in {reached}, {reached - ty} year(s) after the target year {ty}"
            )
        else:
            upto = values[values.index <= ty]
            y = int(upto.index[-1]) if len(upto) else None
            last = "" if y is None else f": {_val(basis, y)} in {y}"
            if y is not None and y != ty:
                last += ", the last figure before it"
            notes.append(f"not reached by {ty}{last}")
        if ty not in values.index:
            notes.append(f"no observation for {ty} itself: judged on the years around it")
        return done()

    if ty is not None and ty < as_of:
        notes.append(
            f"target year {ty} has passed, but the data on this basis end in {latest_year}"
        )
        return done()

    if latest_year < as_of - STALE_AFTER_YEARS:
        notes.append(
            f"the latest figure on this basis is from {latest_year}, {as_of - latest_year} years "
            "ago: too old to judge an open target on"
        )
        return done()
    horizon = ty if ty is not None else assumed_year
    if ty is None:
        row["assumed_target_year"] = assumed_year
        notes.append(f"no target year given: judged against an assumed {assumed_year}")
    if horizon <= latest_year:
        notes.append(f"assumed year {horizon} is not after the latest observation ({latest_year})")
        return done()
    needed = required_cagr(latest_value, tv, horizon - latest_year)
    row["required_cagr"] = needed
    growth = (
        f"needs {needed:.1%} a year to go from {_val(basis, latest_year)} ({latest_year}) to "
        f"{format_bn(tv)} by {horizon}"
    )
    if hist is None or len(values) < MIN_TREND_OBSERVATIONS:
        # Two or three figures give a growth rate but no trend worth judging a target on (one
        # good year would decide it): the same floor below which the tracker states no chance.
        # The reason comes first: the verdict sentence quotes a note's first clause.
        n = len(values)
        notes.insert(
            0,
            f"only {n} figure{'s' if n != 1 else ''} on this basis, too few for a trend "
            f"(at least {MIN_TREND_OBSERVATIONS} are needed)",
        )
        notes.append(growth)
        return done()
    row["status"] = ON_TRACK if hist.rate >= needed else OFF_TRACK
    notes.append(f"{growth}; {hist.describe()} was {hist.rate:.1%}")
    return done()


def _val(basis: _Basis, year: int) -> str:
    """``$15.0 bn (approximate)``: one year's figure with its qualifier, for notes."""
    text = format_bn(basis.values[year])
    q = basis.qualifiers.get(year, "reported")
    if q == "approx":
        return f"{text} (approximate)"
    if q == "at_least":
        return f"{text} (at least)"
    return text


def _num(value) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _year(value) -> int | None:
    f = _num(value)
    return None if f is None else int(f)


# -- the targets the tracker follows ---------------------------------------------------------------


@dataclass(frozen=True)
class TrackedTarget:
    """A target the tracker can follow: a declared one (a registry row) or the user's own.

    ``value_usd`` is the same on every statistics basis: a dollar target as stated, a multiple of
    a base year computed from the base the declaration named (2 × 2023's $41.0 bn = $82.0 bn).
    ``year`` is None when no year was given (the tracker then assumes one and says so).
    """

    id: str
    label: str
    value_usd: float
    year: int | None
    base_year: int | None
    base_value_usd: float | None
    multiple: float | None
    row: dict

    @property
    def declared(self) -> bool:
        return self.id != OWN_TARGET


def money(value: float) -> str:
    """``$82 bn`` for a whole number of billions, else ``$82.5 bn`` (target labels)."""
    bn = value / 1e9
    return f"${bn:,.0f} bn" if abs(bn - round(bn)) < 0.05 else f"${bn:,.1f} bn"


def _who(announced_by: str) -> str:
    """ "Xi Jinping and Tokayev, state visit ..." -> "Xi and Tokayev": the speakers only."""
    text = str(announced_by)
    for stop in (",", "(", ":", ";"):
        text = text.split(stop)[0]
    return text.replace("Xi Jinping", "Xi").strip()


def _month(iso: str) -> str:
    parts = str(iso).split("-")
    if len(parts) >= 2:
        return f"{date(int(parts[0]), int(parts[1]), 1):%B %Y}"
    return parts[0]


def target_label(target: pd.Series | dict) -> str:
    """A declared target in words: "$82 bn: double 2023's trade (Xi and Tokayev, July 2024)"."""
    value = effective_target(target)
    multiple = _num(target.get("target_multiple"))
    base_year = _year(target.get("base_year"))
    year = _year(target.get("target_year"))
    when = f"by {year}" if year is not None else "no year given"
    if (
        multiple is not None
        and base_year is not None
        and _num(target.get("target_value_usd")) is None
    ):
        verb = {2.0: "double", 3.0: "triple"}.get(multiple, f"{multiple:g}×")
        what = f"{money(value)}: {verb} {base_year}'s trade"
        what += f" {when}" if year is not None else ""
    else:
        what = f"{money(value)} {when}" if year is not None else f"{money(value)}, {when}"
    return f"{what} ({_who(target.get('announced_by', ''))}, {_month(target.get('announced', ''))})"


def tracker_targets(
    targets: pd.DataFrame, pair: Pair, as_of_year: int | None = None
) -> list[TrackedTarget]:
    """The pair's declared targets the tracker can follow, in the order it offers them.

    Only targets with a number and a scope total trade measures. Open targets (no year, or a year
    not before ``as_of_year``) come first, newest announcement first; then the others, newest
    first. The tracker opens on the first one.
    """
    as_of = date.today().year if as_of_year is None else as_of_year
    same = targets[
        ((targets["country_a"] == pair.a) & (targets["country_b"] == pair.b))
        | ((targets["country_a"] == pair.b) & (targets["country_b"] == pair.a))
    ]
    found: list[tuple[bool, str, TrackedTarget]] = []
    for row in same.to_dict("records"):
        value = effective_target(row)
        if value is None or not measured_by_totals(row.get("scope", "")):
            continue
        year = _year(row.get("target_year"))
        tracked = TrackedTarget(
            id=str(row["id"]),
            label=target_label(row),
            value_usd=value,
            year=year,
            base_year=_year(row.get("base_year")),
            base_value_usd=_num(row.get("base_value_usd")),
            multiple=_num(row.get("target_multiple")),
            row=row,
        )
        found.append((year is None or year >= as_of, str(row["announced"]), tracked))
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [t for _, _, t in found]


def own_target(
    pair: Pair, base_year: int, base_value: float, multiple: float, year: int, as_of_year: int
) -> TrackedTarget:
    """The user's hypothetical target: ``multiple`` × the chosen basis's ``base_year`` value.

    Judged by the same rule as a declared one, as if announced this year (``as_of_year``).
    """
    value = base_value * multiple
    row = {
        "id": OWN_TARGET, "country_a": pair.a, "country_b": pair.b,
        "announced": str(as_of_year), "base_year": base_year, "base_value_usd": base_value,
        "target_value_usd": value, "target_multiple": multiple, "target_year": year,
        "basis": "", "scope": "goods",
    }  # fmt: skip
    label = f"Your own target (hypothetical): {money(value)}, {multiple:g}× {base_year} by {year}"
    return TrackedTarget(OWN_TARGET, label, value, year, base_year, base_value, multiple, row)
