"""``trade-dashboard targets`` and ``mirror``: the registry's and mirror page's numbers in a shell.

Both call the same analysis functions as the pages (:func:`target_status`, :func:`mirror_table`)
on the same merged observations (snapshot + local store, ``--data-dir`` and ``--prefer``), so a
status or a gap on screen can be reproduced and scripted. ``register(subparsers)`` adds the
two subcommands to the main parser in :mod:`dashboard.cli.main`; each handler returns an exit
status: 0 on success, 2 with a one-line message on stderr for a pair that is unknown or has no data.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd

from dashboard.analysis.mirror import mirror_table
from dashboard.analysis.targets import DEFAULT_ASSUMED_YEAR, target_status
from dashboard.cli.common import UsageError, add_data_options, load_observations
from dashboard.model import Pair
from dashboard.report.files import guard_frame

#: Columns of ``trade-dashboard targets``.
TARGET_OUTPUT_COLUMNS: tuple[str, ...] = (
    "id",
    "pair",
    "announced",
    "target_value_usd",
    "target_year",
    "basis",
    "status",
    "reached_year",
    "progress",
    "note",
)
#: Whole-dollar columns: printed without a decimal point.
_USD_COLUMNS = ("target_value_usd", "gap_usd")


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations (merged as on the pages) and the declared targets."""
    from dashboard.ingest.snapshot import load_targets

    return load_observations(args), load_targets()


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def _write(df: pd.DataFrame, fmt: str) -> None:
    out = df.copy()
    for col in [c for c in out.columns if c in _USD_COLUMNS or c.endswith("_total_usd")]:
        out[col] = out[col].round().astype("Int64")
    if fmt == "json":
        records = [{k: _json_value(v) for k, v in r.items()} for r in out.to_dict("records")]
        sys.stdout.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    else:
        # A note starting with "=" or "-" must not run as a formula if opened in a spreadsheet.
        sys.stdout.write(guard_frame(out).to_csv(index=False, lineterminator="\n"))


def _pair_codes(text: str) -> frozenset[str]:
    pair = Pair.parse(text)
    return frozenset((pair.a, pair.b))


def targets_command(args: argparse.Namespace) -> int:
    """Every target's status on each statistics basis, optionally for one pair."""
    try:
        codes = _pair_codes(args.pair) if args.pair else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    observations, targets = _load(args)
    if codes is not None:
        pairs = targets.apply(lambda r: frozenset((r["country_a"], r["country_b"])), axis=1)
        targets = targets[pairs == codes]
        if targets.empty:
            raise UsageError(f"no declared targets for {args.pair.upper()}")
    status = target_status(targets, observations, assumed_year=args.assumed_year)
    _write(status[list(TARGET_OUTPUT_COLUMNS)], args.format)
    return 0


def mirror_command(args: argparse.Namespace) -> int:
    """Both countries' reported totals per year, and the gap in US dollars and percent."""
    try:
        pair = Pair.parse(f"{args.reporter}-{args.partner}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    observations, _ = _load(args)
    table = mirror_table(observations, pair.a, pair.b)
    table = table[table["a_total"].notna() | table["b_total"].notna()]
    if table.empty:
        raise UsageError(f"no total-trade data for {pair.a} and {pair.b} on either side")
    out = pd.DataFrame(
        {
            "year": table["year"],
            f"{pair.a}_total_usd": table["a_total"],
            f"{pair.b}_total_usd": table["b_total"],
            "gap_usd": table["gap_usd"],
            "gap_pct": table["gap_pct"],
        }
    )
    _write(out, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``targets`` and ``mirror`` subcommands."""
    t = subparsers.add_parser(
        "targets",
        help="every declared target with its status computed from the data",
        description="Status per statistics basis: met, missed, on track, off track or not "
        "assessable. Progress = latest observation / target (1.0 = at target).",
    )
    t.add_argument("--pair", default=None, help="only this pair, e.g. CHN-KAZ (either order)")
    t.add_argument(
        "--assumed-year",
        type=int,
        default=DEFAULT_ASSUMED_YEAR,
        help="year a target without a stated year is judged against "
        f"(default {DEFAULT_ASSUMED_YEAR}, an assumption)",
    )
    add_data_options(t)
    t.add_argument("--format", choices=("json", "csv"), default="json")
    t.set_defaults(func=targets_command)

    m = subparsers.add_parser(
        "mirror",
        help="both countries' reported totals per year and the gap between them",
        description="gap_usd = reporter's figure - partner's figure; gap_pct = gap as a "
        "percentage of the partner's figure. Years where only one side reports have "
        "an empty gap.",
    )
    m.add_argument(
        "--reporter", required=True, type=str.upper, help="first statistics basis (ISO3), e.g. CHN"
    )
    m.add_argument(
        "--partner", required=True, type=str.upper, help="the other country (ISO3), e.g. KAZ"
    )
    add_data_options(m)
    m.add_argument("--format", choices=("json", "csv"), default="json")
    m.set_defaults(func=mirror_command)
