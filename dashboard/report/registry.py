"""The targets registry as people read it: one row per target, both bases' statuses side by side.

:func:`dashboard.analysis.targets.target_status` gives one row per target *and* statistics basis,
which is what the download and the CLI keep. On screen that doubled every target and named it by
its id; here each target becomes one row labelled in words, with a status column per basis (the
first-named country's statistics, then the partner's), and a missing value is an empty cell.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analysis.targets import MET, MISSED, NOT_ASSESSABLE, OFF_TRACK, ON_TRACK
from dashboard.formatting import format_date_words, format_target
from dashboard.model import Pair, basis_label, country_name

_VERBS = {2.0: "double", 3.0: "triple"}


def target_title(target: pd.Series | dict, value_usd: float | None) -> str:
    """``$82 bn: double 2023's trade, no year given``; ``$40 bn by 2015``."""
    year = target["target_year"]
    words = format_target(value_usd, None if pd.isna(year) else int(year))
    multiple = target.get("target_multiple")
    if multiple is None or pd.isna(multiple) or pd.isna(target.get("base_year")):
        return words
    verb = _VERBS.get(float(multiple), f"multiply by {float(multiple):g}")
    money, _, rest = words.partition(" by ") if " by " in words else words.partition(", ")
    joiner = " by " if " by " in words else ", "
    return f"{money}: {verb} {int(target['base_year'])}'s trade{joiner}{rest}"


def status_words(row: pd.Series | dict) -> str:
    """One basis's status in words: ``met in 2023``, ``off track (69% of the way)``."""
    status = row["status"]
    reached = row.get("reached_year")
    if status == MET:
        return f"met in {int(reached)}" if pd.notna(reached) else MET
    if status == MISSED:
        return f"missed (reached only in {int(reached)})" if pd.notna(reached) else MISSED
    if status in (ON_TRACK, OFF_TRACK) and pd.notna(row.get("progress")):
        return f"{status} ({min(float(row['progress']), 1.0):.0%} of the way)"
    return status if status else NOT_ASSESSABLE


def status_headers(pair: Pair | None) -> tuple[str, str]:
    """Column names of the two status columns: named by basis for one pair, generic for many."""
    if pair is None:
        return "On the first country's statistics", "On the partner's statistics"
    return f"On {basis_label(pair.a)}", f"On {basis_label(pair.b)}"


def registry_table(
    status: pd.DataFrame, targets: pd.DataFrame, pair: Pair | None = None
) -> pd.DataFrame:
    """One row per target, in ``status``'s order, for display.

    Columns: ``id`` (for selection; not shown), ``Target``, ``Pair``, ``Announced``, ``By``,
    the two status columns of :func:`status_headers`, ``Source``. With ``pair`` None (every
    pair's targets), each status cell starts with whose statistics it is. A basis without data
    is an empty cell, never "None".
    """
    first_h, second_h = status_headers(pair)
    info = targets.set_index("id")
    rows = []
    for tid, group in status.groupby("id", sort=False):
        t = info.loc[tid]
        p = Pair.parse(str(group["pair"].iloc[0]))
        cells = {first_h: "", second_h: ""}
        for r in group.to_dict("records"):
            if not r["basis"]:
                cells[first_h] = "no figures on either side"
                continue
            header = second_h if r["basis"] == p.b else first_h
            words = status_words(r)
            cells[header] = words if pair is not None else f"{country_name(r['basis'])}: {words}"
        rows.append(
            {
                "id": tid,
                # The announcement tells apart targets of the same size and year.
                "Target": f"{target_title(t, group['target_value_usd'].iloc[0])} "
                f"({format_date_words(str(t['announced']))})",
                "Pair": p.label,
                "Announced": format_date_words(str(t["announced"])),
                "By": "" if pd.isna(t["announced_by"]) else str(t["announced_by"]),
                **cells,
                "Source": "" if pd.isna(t["source_url"]) else str(t["source_url"]),
            }
        )
    columns = ["id", "Target", "Pair", "Announced", "By", first_h, second_h, "Source"]
    return pd.DataFrame(rows, columns=columns)
