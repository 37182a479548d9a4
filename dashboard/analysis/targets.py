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
  measure (non-oil trade), no data on the basis, a single observation (no growth rate), or a target
  year that has passed (by ``as_of_year``) while the data stop before it.

``progress`` = latest observation / target on that basis (1.0 = at target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.analysis.growth import progress, recent_cagr, required_cagr
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
    if hist is None:
        notes.append(f"{growth}; only one observation, so no historical growth rate to compare")
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
