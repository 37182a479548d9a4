"""``trade-dashboard products``: the "What is traded" page's table in a shell.

Reads the pair's product rows from the local store (``--data-dir``), the reported totals from
the merged observations (``--prefer``, as on the pages), builds the same
:class:`~dashboard.report.composition.ProductsView` as the page and prints
:func:`~dashboard.report.composition.products_table` for the year: every chapter (or section) of
each direction with its value, share of the total and the "not allocated" row. CSV by default
(formula-guarded); JSON adds the page's sentences.

Without product rows for the pair the table is empty and a message on stderr says how to fetch
them (exit 0: an empty answer, not a failure); a year without figures is a usage error naming
the years there are.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from dashboard.analysis.composition import LEVELS
from dashboard.cli.common import UsageError, add_data_options, load_observations
from dashboard.ingest import baci
from dashboard.ingest.comtrade.hs import load_hs_names
from dashboard.ingest.store import LocalStore, resolve_data_dir
from dashboard.model import Pair
from dashboard.report.composition import (
    ProductsView,
    build_view,
    lead_sentence,
    products_table,
    residual_sentence,
)
from dashboard.report.files import guard_frame

SOURCES: tuple[str, ...] = ("comtrade", "baci")


def fetch_hint(reporter: str, partner: str) -> str:
    """How to get product data for a pair (the page says the same)."""
    return (
        f"fetch it with `trade-dashboard fetch --products --reporter {reporter} --partner "
        f"{partner} --years 2015-2024`, or from the What is traded page (operator)"
    )


def read_products(data_dir: str | None, reporter: str, partner: str, origin: str) -> pd.DataFrame:
    """The pair's product rows from the local store at ``data_dir`` (one origin)."""
    store = LocalStore(resolve_data_dir(data_dir))
    if origin == "baci":
        return baci.pair_composition(store, reporter, partner).frame
    return store.read_products(reporter, partner, origin=origin)


def products_view(args: argparse.Namespace, level: str) -> ProductsView:
    """The view the page builds for the same pair, basis, source and level."""
    products = read_products(args.data_dir, args.reporter, args.partner, args.source)
    observations = load_observations(args)
    return build_view(
        products,
        observations,
        args.reporter,
        args.partner,
        origin=args.source,
        level=level,
        names=load_hs_names(resolve_data_dir(args.data_dir)),
    )


def _json_rows(table: pd.DataFrame) -> list[dict]:
    records = json.loads(table.to_json(orient="records", force_ascii=False))
    return records


def products_command(args: argparse.Namespace) -> int:
    """Print the year's composition, as the page's table shows it."""
    try:
        Pair.parse(f"{args.reporter}-{args.partner}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    view = products_view(args, args.level)
    if view.empty:
        print(
            f"trade-dashboard products: no product data for {args.reporter} reporting on "
            f"{args.partner} from {args.source}; {fetch_hint(args.reporter, args.partner)}",
            file=sys.stderr,
        )
        table = products_table(view, args.year or 0)
        year = args.year
    else:
        years = view.all_years
        year = args.year if args.year is not None else years[-1]
        if year not in years:
            raise UsageError(
                f"no product data for {year}; years with figures: {', '.join(map(str, years))}"
            )
        table = products_table(view, year)
    if args.format == "json":
        sentences = []
        if not view.empty:
            for flow in ("export", "import"):
                if year in view.years(flow):
                    sentences.append(lead_sentence(view, year, flow))
                    sentences.append(residual_sentence(view, year, flow))
        payload = {
            "reporter": args.reporter,
            "partner": args.partner,
            "year": year,
            "level": args.level,
            "source": args.source,
            "basis": view.basis_words,
            "summary": [s for s in sentences if s],
            "rows": _json_rows(table),
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(guard_frame(table).to_csv(index=False, lineterminator="\n"))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``products`` subcommand."""
    p = subparsers.add_parser(
        "products",
        help="what a pair trades: each HS chapter or section's value and share in one year",
        description="The 'What is traded' page's table: for each direction, every HS chapter "
        "(or section) with its value in US dollars and its share of the reported total, "
        "largest first, and the part of the total not allocated to any chapter (negative when "
        "the chapters add up to more than the total).",
    )
    p.add_argument("--reporter", required=True, type=str.upper, help="whose statistics (ISO3)")
    p.add_argument("--partner", required=True, type=str.upper, help="the partner (ISO3)")
    p.add_argument("--year", type=int, default=None, help="default: the latest with figures")
    p.add_argument("--level", choices=LEVELS, default="chapter")
    p.add_argument(
        "--source",
        choices=SOURCES,
        default="comtrade",
        help="fetched UN Comtrade chapters, or an imported CEPII BACI matrix",
    )
    add_data_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(func=products_command)
