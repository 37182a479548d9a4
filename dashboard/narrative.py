"""Short texts that explain a chart: where a target comes from, which statistics are used.

Built from the data (targets.csv and the observations), never typed in, so they stay true when
the data changes. Returned as Markdown with every data-derived string escaped.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.analysis.series import basis_rows, pair_mask
from dashboard.formatting import format_usd
from dashboard.model import Pair, basis_label
from dashboard.textsafe import escape_markdown


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


def _when(iso: str) -> str:
    parts = iso.split("-")
    if len(parts) == 3:
        d = date(int(parts[0]), int(parts[1]), int(parts[2]))
        return f"{d.day} {d:%B %Y}"
    if len(parts) == 2:
        return f"{date(int(parts[0]), int(parts[1]), 1):%B %Y}"
    return parts[0]


def target_origin_markdown(
    observations: pd.DataFrame, targets: pd.DataFrame, pair: Pair, reporter: str, base_year: int
) -> str:
    """Where the headline target comes from, and what the chosen basis says for the base year."""
    parts: list[str] = []
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
            f"**Where the target comes from.** On {_when(t['announced'])}, "
            f"{escape_markdown(t['announced_by'])}: a pledge {escape_markdown(goal)}, {when}. "
            f"Source: {link(t['source'], t['source_url'])}."
        )
    rows = basis_rows(observations, reporter, pair.other(reporter))
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
