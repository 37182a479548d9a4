"""``trade-dashboard scenario``: the tracker's numbers for one pair, as JSON or CSV.

The options are the page's controls in domain units; their choices and defaults come from
:mod:`dashboard.analysis.scenario`, and the scenario is resolved by the page's own
:func:`~dashboard.analysis.scenario.resolve_request`, so a number on screen and here agree to
the digit.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from dashboard.analysis.outlook import assess
from dashboard.analysis.scenario import (
    DEFAULT_BASE_YEAR,
    DEFAULT_METHOD,
    DEFAULT_MULTIPLE,
    DEFAULT_TARGET_YEAR,
    METHODS,
    PRESET_KEYS,
    ScenarioRequest,
    resolve_request,
)
from dashboard.analysis.series import basis_series
from dashboard.analysis.targets import OWN_TARGET, TrackedTarget, tracker_targets
from dashboard.analysis.tracker import ScenarioError, track
from dashboard.cli.common import UsageError, add_data_options, load_observations
from dashboard.ingest.snapshot import load_targets
from dashboard.model import Pair, current_year
from dashboard.report.tables import outlook_fields, scenario_csv, scenario_json


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None


def _rate(text: str) -> float:
    """A growth rate as a fraction (0.10) or a percentage (10%)."""
    t = text.strip()
    try:
        return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r} (use 0.10 or 10%)") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scenario`` subcommand."""
    sc = subparsers.add_parser(
        "scenario", help="the tracker's numbers for one pair, as JSON or CSV"
    )
    sc.add_argument(
        "--reporter",
        required=True,
        type=str.upper,
        help="whose statistics (ISO3), e.g. CHN for China customs",
    )
    sc.add_argument("--partner", required=True, type=str.upper, help="partner country (ISO3)")
    sc.add_argument(
        "--target",
        default=None,
        metavar="ID",
        help="a declared target's id from `trade-dashboard targets`, or 'own' for your own "
        "(hypothetical) target of --multiple x --base-year (default: the page's default, the "
        "pair's newest open declared target; 'own' when the pair has none or when --base-year "
        "or --multiple is given)",
    )
    sc.add_argument(
        "--base-year",
        type=_year,
        default=None,
        help=f"base year of your own target (default {DEFAULT_BASE_YEAR})",
    )
    sc.add_argument(
        "--multiple",
        type=float,
        default=None,
        help="your own target = base-year value x multiple "
        f"(default {DEFAULT_MULTIPLE:g}, doubling)",
    )
    sc.add_argument(
        "--target-year",
        type=_year,
        default=None,
        help="year the target should be met: a declared target's own year; for your own target "
        f"or a declared one without a year, an assumption (default {DEFAULT_TARGET_YEAR})",
    )
    sc.add_argument(
        "--growth",
        type=_rate,
        default=None,
        help="scenario growth per year, 0.10 or 10%% (a custom scenario; default: the "
        f"{PRESET_KEYS[0]} preset, the historical CAGR)",
    )
    sc.add_argument(
        "--preset",
        choices=PRESET_KEYS,
        default=None,
        help=f"take the growth from a preset instead of --growth (default {PRESET_KEYS[0]})",
    )
    sc.add_argument(
        "--volatility",
        type=_rate,
        default=None,
        help="std dev of annual log growth, 0.2 or 20%% (default: estimated)",
    )
    sc.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help="closed-form log-normal (default) or bootstrap of past growth",
    )
    sc.add_argument("--shock-year", type=_year, default=None, help="year of a one-year shock")
    sc.add_argument(
        "--shock-size",
        type=_rate,
        default=0.0,
        help="size of the shock, e.g. -0.3 or -30%% (default 0: none)",
    )
    sc.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap")
    add_data_options(sc)
    sc.add_argument("--format", choices=("json", "csv"), default="json")
    sc.set_defaults(func=scenario_command)


def choose_target(args: argparse.Namespace, pair: Pair) -> TrackedTarget | None:
    """The declared target ``--target`` names (None: your own), by the page's rule and order.

    Without ``--target`` the page's default: the pair's first declared target
    (:func:`tracker_targets`), unless ``--base-year``/``--multiple`` describe your own.
    """
    declared = tracker_targets(load_targets(), pair, current_year())
    wanted = args.target
    if wanted is None:
        own_asked = args.base_year is not None or args.multiple is not None
        return None if own_asked or not declared else declared[0]
    if wanted == OWN_TARGET:
        return None
    found = next((t for t in declared if t.id == wanted), None)
    if found is None:
        ids = ", ".join(t.id for t in declared) or "none"
        raise UsageError(
            f"no declared target {wanted!r} for {pair.a}-{pair.b} (its targets: {ids}; or 'own')"
        )
    if args.base_year is not None or args.multiple is not None:
        raise UsageError(
            f"{wanted} fixes its own base and value: --base-year/--multiple apply to --target own"
        )
    return found


def request_from(
    args: argparse.Namespace, declared: TrackedTarget | None = None
) -> ScenarioRequest:
    """The options as the scenario they ask for: ``--growth`` alone is a custom scenario; a
    declared target's year (when it has one) is the target year."""
    if args.growth is not None and args.preset is not None:
        raise UsageError("give either --growth or --preset, not both")
    preset = args.preset or ("custom" if args.growth is not None else PRESET_KEYS[0])
    target_year = args.target_year if args.target_year is not None else DEFAULT_TARGET_YEAR
    if declared is not None and declared.year is not None:
        if args.target_year is not None and args.target_year != declared.year:
            raise UsageError(
                f"{declared.id} was declared for {declared.year}; --target-year applies to "
                "targets without a year"
            )
        target_year = declared.year
    return ScenarioRequest(
        base_year=args.base_year if args.base_year is not None else DEFAULT_BASE_YEAR,
        multiple=args.multiple if args.multiple is not None else DEFAULT_MULTIPLE,
        target_year=target_year,
        preset=preset,
        growth=args.growth,
        volatility=args.volatility,
        method=args.method,
        shock_year=args.shock_year,
        shock_size=args.shock_size,
    )


def _pair_with_data(reporter: str, partner: str, observations: pd.DataFrame) -> Pair:
    try:
        pair = Pair.parse(f"{reporter}-{partner}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    have = observations[
        (observations["reporter"] == reporter) & (observations["partner"] == partner)
    ]
    if have.empty:
        raise UsageError(f"no data for {reporter} reporting trade with {partner}")
    return pair


def scenario_command(args: argparse.Namespace) -> int:
    """Resolve the scenario as the page does (same default target), track it, assess its odds,
    print it."""
    observations = load_observations(args)
    pair = _pair_with_data(args.reporter, args.partner, observations)
    declared = choose_target(args, pair)
    request = request_from(args, declared)
    try:
        series = basis_series(observations, args.reporter, args.partner)
        scenario = resolve_request(pair, args.reporter, series, request, declared=declared)
        result = track(observations, scenario.inputs)
        outlook = assess(
            result, volatility=scenario.volatility, method=scenario.method, seed=args.seed
        )
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        out = scenario_json(result, extra=outlook_fields(outlook))
    else:
        out = scenario_csv(result, outlook.projection.fan)
    sys.stdout.write(out)
    return 0
