"""Sentences built from the data: one-line chart summaries and where a target comes from.

Two kinds of text live here. The one-sentence summaries under each chart, and the short
explanations (where a target comes from, which statistics are used), returned as Markdown with
every data-derived string escaped. Both are built from the data, never typed in, so they stay
true when the data changes.

A chart is not readable by everyone (screen readers, a quick glance, a copied screenshot without
its legend); the sentence under it says the same thing in words. Every number comes from the same
result or table the chart draws, so text and chart cannot disagree.

Sentences are plain text. They contain ``$``, which Streamlit's Markdown reads as LaTeX, and
labels that may come from a user's upload, so pass them through :func:`to_markdown` before
``st.markdown``/``st.caption`` (or show them with ``st.text``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from dashboard.analysis.series import basis_rows, pair_mask
from dashboard.analysis.targets import OWN_TARGET
from dashboard.analysis.targets import money as tmoney
from dashboard.analysis.tracker import TrackerResult
from dashboard.analysis.uncertainty import Projection
from dashboard.formatting import format_pct, format_usd
from dashboard.ingest.upload import UploadedSeries
from dashboard.model import Pair, basis_label, country_name
from dashboard.textsafe import escape_markdown

#: Within this many percentage points, a scenario rate counts as "the historical rate" (the
#: page's growth slider rounds the historical rate to 0.1 pp).
_SAME_RATE = 0.0005


def to_markdown(sentence: str) -> str:
    """The sentence escaped for Streamlit Markdown (``$`` would otherwise start LaTeX)."""
    return escape_markdown(sentence)


def share(fraction: float) -> str:
    """A share as a whole percentage; below 1 it never rounds up to ``100%``.

    >>> share(0.5557), share(0.9996), share(1.2175)
    ('56%', '99%', '122%')
    """
    pct = round(fraction * 100)
    if fraction < 1 and pct >= 100:
        pct = 99
    return f"{pct}%"


def _usd(value: float, qualifier: object = "reported") -> str:
    """``$25.0 bn``, with "about" / "at least" when the source gave a rounded figure or a floor."""
    prefix = {"approx": "about ", "at_least": "at least "}.get(str(qualifier), "")
    return prefix + format_usd(value)


def _years(n: int) -> str:
    return "1 year" if n == 1 else f"{n} years"


def _target_name(result: TrackerResult) -> str:
    multiple = result.inputs.multiple
    value = format_usd(result.target_value)
    if result.inputs.target_id != "own":
        return f"the declared {value} target"
    if result.inputs.target_name:
        return f"your own (hypothetical) {value} target"
    named = {2.0: "doubling", 3.0: "tripling"}.get(round(multiple, 9))
    if named:
        return f"the {value} {named} target"
    return f"the {value} target ({multiple:g} × {result.inputs.base_year})"


def tracker_summary(result: TrackerResult) -> str:
    """Where trade stands against the target and when the scenario reaches it.

    With the shipped snapshot, China customs basis, defaults (base 2024, ×2, 2030): latest 2025
    is $48.7 bn; target 2 × 43.82 = $87.64 bn → "$87.6 bn"; progress 48.7 / 87.64 = 0.5557 →
    "56%"; historical CAGR 2017–2025 = (48.7 / 18.0) ** (1 / 8) - 1 = 13.25% → "13.2%"; from
    48.7 at 13.25% a year: 2029 = 80.1, 2030 = 90.7 ≥ 87.64 → reached in 2030, the target year.
    """
    i = result.inputs
    latest = result.observations[result.observations["year"] == result.latest_year]
    qualifier = latest["qualifier"].iloc[0] if "qualifier" in latest and len(latest) else ""
    head = (
        f"Trade reached {_usd(result.latest_value, qualifier)} in {result.latest_year} "
        f"on {result.basis_label} figures"
    )
    target = _target_name(result)
    if result.progress >= 1:
        return f"{head}, already {share(result.progress)} of {target}."
    rate = f"at {format_pct(result.growth)} a year"
    if abs(result.growth - result.historical.rate) < _SAME_RATE:
        h = result.historical
        rate += f" (the {h.start_year}–{h.end_year} trend)"
    if result.year_reached is None:
        outcome = f"it would not be reached by {i.horizon_year}"
    else:
        late = result.year_reached - i.target_year
        when = f"it would be reached in {result.year_reached}"
        if late == 0:
            outcome = f"{when}, the target year"
        elif late < 0:
            outcome = f"{when}, {_years(-late)} before the target year {i.target_year}"
        else:
            outcome = f"{when}, {_years(late)} after the target year {i.target_year}"
    return f"{head}, {share(result.progress)} of {target}; {rate} {outcome}."


def _side(code: str) -> str:
    """Possessive for a reporter's side: "China's"."""
    return f"{country_name(code)}'s"


def mirror_summary(mirror: pd.DataFrame) -> str:
    """The latest year both countries report a total for, and how far apart they are.

    Takes :func:`dashboard.analysis.mirror.mirror_table` (``attrs`` name ``a`` and ``b``); a
    rounded figure or a floor is said as "about" / "at least". With
    the snapshot for CHN–KAZ: 2024, China 43.82 and Kazakhstan 30.1 → gap 13.72 → "$13.7 bn";
    13.72 / 30.1 = 45.6% → "46% more on China's side".
    """
    a, b = mirror.attrs["a"], mirror.attrs["b"]
    both = mirror[mirror["a_total"].notna() & mirror["b_total"].notna()]
    if both.empty:
        covered = []
        for code, col in ((a, "a_total"), (b, "b_total")):
            years = mirror.loc[mirror[col].notna(), "year"]
            if len(years):
                covered.append(f"{basis_label(code)} {int(years.min())}–{int(years.max())}")
        what = "; ".join(covered) if covered else "neither has any"
        return f"The two countries' statistics have no year with a total in common ({what})."
    row = both.iloc[-1]
    year, va, vb = int(row["year"]), float(row["a_total"]), float(row["b_total"])
    gap = va - vb
    qa, qb = row.get("a_total_qualifier", ""), row.get("b_total_qualifier", "")
    head = (
        f"In {year}, {basis_label(a)} recorded {_usd(va, qa)} of {country_name(a)}–"
        f"{country_name(b)} trade and {basis_label(b)} {_usd(vb, qb)}"
    )
    if math.isclose(gap, 0.0, abs_tol=0.05e9):
        return f"{head}: practically the same."
    more = "more" if gap > 0 else "less"
    return (
        f"{head}: a gap of {format_usd(abs(gap))}, or {share(abs(gap) / vb)} {more} "
        f"on {_side(a)} side."
    )


def balance_summary(mirror: pd.DataFrame, side: str = "a") -> str | None:
    """Exports, imports and balance in the latest year one reporter gives both flows.

    ``side`` is ``"a"`` or ``"b"`` of the mirror table. With the snapshot, China's side: 2025,
    exports 29.7, imports 19.0 → surplus 29.7 - 19.0 = 10.7 → "$10.7 bn". None if no year has
    both flows.
    """
    reporter = mirror.attrs[side]
    partner = mirror.attrs["b" if side == "a" else "a"]
    ex, im = f"{side}_exports", f"{side}_imports"
    both = mirror[mirror[ex].notna() & mirror[im].notna()]
    if both.empty:
        return None
    row = both.iloc[-1]
    year, exports, imports = int(row["year"]), float(row[ex]), float(row[im])
    balance = exports - imports
    if math.isclose(balance, 0.0, abs_tol=0.05e9):
        verdict = "balanced trade"
    else:
        kind = "surplus" if balance > 0 else "deficit"
        verdict = f"a {kind} of {format_usd(abs(balance))} for {country_name(reporter)}"
    return (
        f"In {year}, on {basis_label(reporter)} figures, {country_name(reporter)} exported "
        f"{format_usd(exports)} to {country_name(partner)} and imported {format_usd(imports)} "
        f"from it: {verdict}."
    )


def coverage_summary(observations: pd.DataFrame, reporter: str, partner: str) -> str:
    """How many years have a total-trade figure, and how many in between have none.

    Snapshot, China customs on Kazakhstan: 13 years (1992, 2008, 2010, 2011, 2013, 2017–2019,
    2021–2025) between 1992 and 2025, a span of 34 years, so 21 years have no figure.
    """
    rows = observations[
        (observations["reporter"] == reporter)
        & (observations["partner"] == partner)
        & (observations["flow"] == "total")
    ]
    years = sorted({int(y) for y in rows["year"]})
    label = basis_label(reporter)
    if not years:
        return f"No total-trade figures on {label} yet."
    if len(years) == 1:
        return f"One total-trade figure on {label}, for {years[0]}."
    span = years[-1] - years[0] + 1
    gaps = span - len(years)
    text = (
        f"{len(years)} years with a total-trade figure on {label} between "
        f"{years[0]} and {years[-1]}"
    )
    if gaps == 0:
        return f"{text}, with no gaps."
    return f"{text}; {_years(gaps)} in between have no figure and are left empty, not estimated."


def targets_summary(status: pd.DataFrame, basis: str) -> str:
    """Count of target statuses on one statistics basis.

    Takes :func:`dashboard.analysis.targets.target_status` (already filtered to a pair if
    wanted). Statuses are listed in a fixed order, zero counts left out.
    """
    rows = status[status["basis"] == basis]
    if rows.empty:
        return f"No declared targets can be judged on {basis_label(basis)} figures."
    order = ("met", "missed", "on track", "off track", "not assessable")
    counts = rows["status"].value_counts()
    parts = [f"{int(counts[s])} {s}" for s in order if s in counts.index]
    n = len(rows)
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    noun = "target" if n == 1 else "targets"
    return f"Of {n} declared {noun}, judged on {basis_label(basis)} figures: {listed}."


def uploaded_summary(uploaded: UploadedSeries) -> str:
    """What an uploaded series holds, in the tracker's terms (the label is the user's text)."""
    s = uploaded.as_series()
    first, last = int(s.index.min()), int(s.index.max())
    years = f"1 year, {first}" if len(s) == 1 else f"{len(s)} years, {first} to {last}"
    return (
        f"Your series \u201c{uploaded.label}\u201d has {uploaded.flow} trade for {years}; "
        f"the latest is {format_usd(float(s.iloc[-1]))} in {last}."
    )


def probability_summary(projection: Projection) -> str:
    """The probability chart in one sentence.

    With the defaults on China's figures (recent trend 13.25%, estimated volatility 21.4%): the
    chance that 2030 is at or above $87.6 bn is 52.9% -> "53%"; it first reaches 50% in 2030
    and 90% in 2038.
    """
    p = projection
    head = (
        f"On these assumptions the chance that trade is at or above {format_usd(p.target_value)} "
        f"in {p.target_year} is {share(p.probability_at_target_year)}"
    )
    if p.year_50 is None:
        return f"{head}; it stays below 50% through {int(p.curve['year'].max())}."
    tail = f"; it passes 50% in {p.year_50}"
    tail += f" and 90% in {p.year_90}." if p.year_90 else ", but not 90% by 2050."
    return head + tail


# -- the verdict ----------------------------------------------------------------------------------


def basis_words(reporter: str) -> str:
    """A statistics basis in a sentence: "China's customs figures", "Kazakhstan's statistics"."""
    label = basis_label(reporter)
    kind = "customs figures" if "customs" in label.lower() else "statistics"
    return f"{country_name(reporter)}'s {kind}"


def _where(status: Mapping[str, Any]) -> str:
    """The basis a status row was judged on, in words: its own name when the row carries one
    (``basis_name``: CEPII BACI, an uploaded series), else the reporter's statistics."""
    if status.get("basis_name"):
        return str(status["basis_name"])
    return basis_words(status["basis"]) if status["basis"] else "either side's statistics"


def _judged(status: Mapping[str, Any], chance: float | None, year: int) -> str:
    """What one basis says about the target, after its status word."""
    s = status["status"]
    if s == "met":
        return f"reached in {int(status['reached_year'])}"
    if s == "missed":
        return str(status.get("note") or "").split(";")[0]
    if s in ("on track", "off track"):
        return "" if chance is None else f"{share(chance)} chance by {year}"
    return str(status.get("note") or "").split(";")[0]


def verdict_sentence(
    status: Mapping[str, Any],
    chance: float | None,
    target_year: int,
    other: tuple[Mapping[str, Any], float | None] | None = None,
) -> str:
    """The tracker's answer in one sentence: met (in year Y), missed, on track, off track or not
    assessable, on the chosen statistics, with the chance by the target year; then the other
    basis's, when it has data.

    ``status`` is a row of :func:`dashboard.analysis.targets.judge_target` (the registry's rule);
    ``chance`` P(target met in ``target_year``) on the recent trend. For example "Off track on
    Kazakhstan's statistics: a 44% chance of $82 bn by 2030; on China's customs figures, on
    track, 58%."
    """
    s = status["status"]
    where = _where(status)
    money = tmoney(status["target_value_usd"]) if pd.notna(status["target_value_usd"]) else ""
    if s in ("on track", "off track") and chance is not None:
        pct = share(chance)
        # "an 81%", "an 8%", "an 11%", "an 18%": said "eighty", "eight", "eleven", "eighteen".
        article = "an" if pct in ("8%", "11%", "18%") or (pct[0] == "8" and len(pct) == 3) else "a"
        head = f"{s.capitalize()} on {where}: {article} {pct} chance of {money} by {target_year}"
    elif s == "met":
        head = f"Met in {int(status['reached_year'])} on {where}: {money} reached"
    else:
        detail = _judged(status, chance, target_year)
        head = f"{s.capitalize()} on {where}" + (f": {detail}" if detail else "")
    if other is not None and other[0]["basis"]:
        o, o_chance = other
        if o["status"] in ("on track", "off track") and o_chance is not None:
            tail = f"{o['status']}, {share(o_chance)}"
        elif o["status"] == "met":
            tail = f"met in {int(o['reached_year'])}"
        else:
            detail = _judged(o, o_chance, target_year)
            tail = o["status"] + (f": {detail}" if detail else "")
        head += f"; on {_where(o)}, {tail}"
    return head + "."


# -- where a target comes from --------------------------------------------------------------------


def link(label: str, url: str) -> str:
    """A Markdown link with an escaped label; URLs come from validated http(s) fields only."""
    safe_url = url.replace(")", "%29").replace(" ", "%20")
    return f"[{escape_markdown(label)}]({safe_url})"


def headline_target(targets: pd.DataFrame, pair: Pair) -> pd.Series | None:
    """The pair's most recent quantified target, preferring a stated multiple ("double")."""
    rows = targets[pair_mask(targets, pair, "country_a", "country_b")]
    rows = rows[rows["target_value_usd"].notna() | rows["target_multiple"].notna()]
    if rows.empty:
        return None
    rows = rows.assign(_has_multiple=rows["target_multiple"].notna())
    return rows.sort_values(["_has_multiple", "announced"]).iloc[-1]


def _on(iso: str) -> str:
    """ "On 3 July 2024", "In July 2024", "In 2022": the announcement at its known precision."""
    return ("On " if len(str(iso).split("-")) == 3 else "In ") + _when(str(iso))


def _when(iso: str) -> str:
    parts = iso.split("-")
    if len(parts) == 3:
        d = date(int(parts[0]), int(parts[1]), int(parts[2]))
        return f"{d.day} {d:%B %Y}"
    if len(parts) == 2:
        return f"{date(int(parts[0]), int(parts[1]), 1):%B %Y}"
    return parts[0]


def target_origin_markdown(
    observations: pd.DataFrame,
    targets: pd.DataFrame,
    pair: Pair,
    reporter: str,
    base_year: int,
    target_id: str | None = None,
) -> str:
    """Where the target on screen comes from, and what the chosen basis says for the base year.

    ``target_id``: the registry id of the target shown, ``"own"`` for the user's hypothetical
    one, None for the pair's headline target.
    """
    parts: list[str] = []
    if target_id == OWN_TARGET:
        t = None
        declared = targets[pair_mask(targets, pair, "country_a", "country_b")]
        declared = declared[
            declared["target_value_usd"].notna() | declared["target_multiple"].notna()
        ]
        none = (
            f" No numeric trade target has been declared for {pair.label}."
            if declared.empty
            else ""
        )
        parts.append(
            f"**Where the target comes from.** Your own target, a hypothetical: {base_year}'s "
            f"value on {basis_label(reporter)} figures times the multiple you chose.{none}"
        )
    elif target_id is not None:
        match = targets[targets["id"] == target_id]
        t = match.iloc[0] if len(match) else None
    else:
        t = headline_target(targets, pair)
    if t is not None:
        if pd.notna(t["target_multiple"]):
            verb = {2.0: "double", 3.0: "triple"}.get(float(t["target_multiple"]))
            verb = verb or f"multiply by {t['target_multiple']:g}"
            goal = f"to {verb} trade from {int(t['base_year'])}'s {format_usd(t['base_value_usd'])}"
        else:
            goal = f"to reach {format_usd(t['target_value_usd'])} of trade"
        if pd.notna(t["target_year"]):
            when = f"by {int(t['target_year'])}"
            if t["target_year_note"]:
                when += f" ({escape_markdown(t['target_year_note'])})"
        else:
            note = escape_markdown(t["target_year_note"]) if t["target_year_note"] else "no year"
            when = f"with no target year ({note}), so the target year here is an assumption"
        parts.append(
            f"**Where the target comes from.** {_on(t['announced'])}, "
            f"{escape_markdown(t['announced_by'])}: a pledge {escape_markdown(goal)}, {when}. "
            f"Source: {link(t['source'], t['source_url'])}."
        )
    rows = basis_rows(observations, reporter, pair.other(reporter))
    if t is not None and pd.notna(t["target_multiple"]) and pd.notna(t["base_value_usd"]):
        declared_base = float(t["base_value_usd"])
        here = rows[rows["year"] == int(t["base_year"])]
        figure = float(here["value_usd"].iloc[0]) if len(here) else None
        if figure is None or abs(figure - declared_base) >= 0.05e9:
            goal = format_usd(declared_base * float(t["target_multiple"]))
            theirs = (
                f"{format_usd(figure)} for that year" if figure is not None else "no figure for it"
            )
            parts.append(
                f"The target is {escape_markdown(goal)} on every basis: it is computed from the "
                f"base the declaration named, {int(t['base_year'])}'s "
                f"{escape_markdown(format_usd(declared_base))}, although "
                f"{escape_markdown(basis_label(reporter))} has {escape_markdown(theirs)}: a "
                "pledge is an amount of trade, judged the same way on each side's figures."
            )
        base_year = int(t["base_year"])
    if t is not None and target_id is not None and pd.isna(t["base_year"]):
        base_year = -1  # a dollar target without a base: no base-year figure to show
    base = rows[rows["year"] == base_year]
    if len(base):
        b = base.iloc[0]
        record = (
            " (a record at the time)"
            if b["value_usd"] >= rows[rows["year"] <= base_year]["value_usd"].max()
            else ""
        )
        parts.append(
            f"The base year {base_year} stands at **{escape_markdown(format_usd(b['value_usd']))}**"
            f"{record} on {escape_markdown(basis_label(reporter))} figures: "
            f"{link(b['source'], b['source_url'])} (published {b['published']})."
        )
    parts.append(
        f"All values on this page are {escape_markdown(basis_label(reporter))} statistics; the "
        "other country's statistics give different totals (see the mirror comparison)."
    )
    return "\n\n".join(parts)
