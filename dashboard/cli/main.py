"""The ``trade-dashboard`` command line: serve the app, and reproduce every number it shows.

``main(argv)`` returns an exit status instead of exiting, so tests call it directly. Exit status 2
means the arguments cannot work (unknown pair, missing base year, ...): the message is one line on
stderr. Subcommands from other modules register themselves through ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import import_module
from pathlib import Path

from dashboard.model import DataFileError, Pair

#: ``app/main.py`` behind an ``st.App`` that warms the server up before the first visit.
APP_PATH = Path(__file__).resolve().parents[1] / "app" / "server.py"
#: Modules that add their own subcommands (each has ``register(subparsers)``).
COMMAND_MODULES = ("dashboard.cli.data", "dashboard.cli.registry")


class UsageError(Exception):
    """Arguments that cannot produce a result; reported on one line with exit status 2."""


def _serve(args: argparse.Namespace) -> int:
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.port",
        str(args.port),
        *args.streamlit_args,
    ]
    try:
        return subprocess.call(cmd, cwd=APP_PATH.parents[2])
    except KeyboardInterrupt:
        return 130


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


def _scenario(args: argparse.Namespace) -> int:
    from dashboard.analysis.outlook import assess
    from dashboard.analysis.scenario import scenario_presets
    from dashboard.analysis.series import basis_series
    from dashboard.analysis.tracker import ScenarioError, TrackerInputs, track
    from dashboard.report.tables import outlook_fields, scenario_csv, scenario_json

    observations = _load_observations(args)
    pair = _pair_with_data(args.reporter, args.partner, observations)
    if args.growth is not None and args.preset is not None:
        raise UsageError("give either --growth or --preset, not both")
    growth = args.growth
    source = None if growth is None else "given with --growth"
    try:
        if args.preset is not None and args.preset != "custom":
            series = basis_series(observations, args.reporter, args.partner)
            if args.base_year not in series.index:
                raise ScenarioError(
                    f"no {args.reporter} observation for base year {args.base_year}"
                )
            target = float(series[args.base_year]) * args.multiple
            preset = scenario_presets(series, target, args.target_year)[args.preset]
            growth, source = preset.growth, preset.label
        inputs = TrackerInputs(
            pair=pair, reporter=args.reporter, base_year=args.base_year, multiple=args.multiple,
            target_year=args.target_year, growth=growth, shock_year=args.shock_year,
            shock_size=args.shock_size, growth_source=source,
        )  # fmt: skip
        result = track(observations, inputs)
        outlook = assess(result, volatility=args.volatility, method=args.method, seed=args.seed)
    except (ScenarioError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        out = scenario_json(result, extra=outlook_fields(outlook))
    else:
        out = scenario_csv(result, outlook.projection.fan)
    sys.stdout.write(out)
    return 0


def _load_observations(args: argparse.Namespace):
    """The snapshot merged with the local store, as the app uses them."""
    from dashboard.ingest.store import StoreLocationError, load_merged

    try:
        return load_merged(args.data_dir, args.prefer)
    except StoreLocationError as exc:
        raise UsageError(str(exc)) from None


def _pair_with_data(reporter: str, partner: str, observations) -> Pair:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trade-dashboard",
        description="Is a declared bilateral trade target on track? Data, scenarios and the app.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="start the dashboard in a browser (Streamlit)")
    serve.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    serve.add_argument(
        "streamlit_args",
        nargs=argparse.REMAINDER,
        help="further options passed to `streamlit run` (e.g. --server.headless true)",
    )
    serve.set_defaults(func=_serve)

    sc = sub.add_parser("scenario", help="the tracker's numbers for one pair, as JSON or CSV")
    sc.add_argument(
        "--reporter",
        required=True,
        type=str.upper,
        help="whose statistics (ISO3), e.g. CHN for China customs",
    )
    sc.add_argument("--partner", required=True, type=str.upper, help="partner country (ISO3)")
    sc.add_argument("--base-year", type=_year, default=2024, help="base year (default 2024)")
    sc.add_argument(
        "--multiple",
        type=float,
        default=2.0,
        help="target = base-year value x multiple (default 2, doubling)",
    )
    sc.add_argument(
        "--target-year",
        type=_year,
        default=2030,
        help="year the target should be met (default 2030, an assumption)",
    )
    sc.add_argument(
        "--growth",
        type=_rate,
        default=None,
        help="scenario growth per year, 0.10 or 10%% (default: historical CAGR)",
    )
    sc.add_argument(
        "--preset",
        choices=("recent", "long_run", "required", "custom"),
        help="take the growth from a preset instead of --growth",
    )
    sc.add_argument(
        "--volatility",
        type=_rate,
        default=None,
        help="std dev of annual log growth, 0.2 or 20%% (default: estimated)",
    )
    sc.add_argument(
        "--method",
        choices=("closed", "bootstrap"),
        default="closed",
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
    sc.add_argument(
        "--data-dir",
        default=None,
        help="local store with fetched data (default: $TRADE_DASHBOARD_DATA_DIR or "
        "the user data directory)",
    )
    sc.add_argument(
        "--prefer",
        choices=("auto", "snapshot", "comtrade"),
        default="auto",
        help="which source wins where snapshot and store both have a year",
    )
    sc.add_argument("--format", choices=("json", "csv"), default="json")
    sc.set_defaults(func=_scenario)

    for name in COMMAND_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        # `serve` hands every option it does not know, with its value, to `streamlit run`.
        # (A subparser's parse_known_args would drop those values, so it gets its own parser.)
        serve_parser = argparse.ArgumentParser(prog="trade-dashboard serve", add_help=False)
        serve_parser.add_argument("--port", type=int, default=8501)
        if {"-h", "--help"} & set(argv[1:]):
            parser.parse_args(argv)  # prints serve's help and exits
        args, unknown = serve_parser.parse_known_args(argv[1:])
        args.streamlit_args = [a for a in unknown if a != "--"]
        args.func = _serve
    else:
        args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"trade-dashboard: error: {exc}", file=sys.stderr)
        return 2
    except DataFileError as exc:
        print(f"trade-dashboard: bad data file:\n{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
