"""``trade-dashboard import-baci``: a CEPII BACI bulk matrix into the local store (progress bar).

The files (CSV files, BACI's folder or its zip, with the country-codes file) are validated in full
before anything is written; a bad file is reported with its line and leaves the store unchanged.
``series --source baci`` (:mod:`dashboard.cli.data`) and ``products --source baci``
(:func:`baci_products`) read the imported matrix back with the queries the pages use
(:mod:`dashboard.ingest.baci`).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
from tqdm import tqdm

from dashboard.cli.common import CommandError, UsageError, add_data_options, first_line
from dashboard.cli.data import parse_years
from dashboard.ingest import baci
from dashboard.ingest.store import LocalStore, StoreBusyError, StoreLocationError
from dashboard.model import DataFileError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-baci`` (handler in ``args.func``)."""
    p = subparsers.add_parser(
        "import-baci",
        help="import a CEPII BACI bulk matrix (every pair, HS6) into the local store",
        description=(
            "Import CEPII BACI yearly files (BACI_HS17_Y2022_V202401.csv: t,i,j,k,v,q) and its "
            "country-codes file into the local store, so every pair in the matrix can be shown "
            "offline. PATH may be the files, the unzipped folder or BACI's zip. Every file is "
            "validated before anything is written; re-importing a year replaces it."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="BACI files, folder or zip")
    add_data_options(p, prefer=False)
    p.add_argument(
        "--years",
        default=None,
        help="only these years of a folder or zip: 2019-2023, 2023 or 2019,2021",
    )
    p.add_argument(
        "--release",
        default=None,
        metavar="YYYYMM",
        help="BACI version (e.g. 202401) when the file names do not say it",
    )
    p.add_argument(
        "--hs",
        default=None,
        choices=tuple(baci.HS_REVISIONS),
        help="HS revision when the file names do not say it",
    )
    p.set_defaults(func=cmd_import)


def _store(data_dir: str | None) -> LocalStore:
    try:
        return LocalStore(data_dir)
    except (StoreLocationError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def cmd_import(args: argparse.Namespace) -> int:
    """Handler of ``import-baci``: validate every file, then store year by year."""
    try:
        years = parse_years(args.years) if args.years else None
        store = _store(args.data_dir)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    bar = tqdm(total=0, desc="BACI", unit="B", unit_scale=True, file=sys.stderr)

    def total(n: int) -> None:
        bar.total = n
        bar.refresh()

    try:
        summary = baci.import_baci(
            store,
            args.paths,
            release=args.release,
            revision=args.hs,
            years=years,
            progress=bar.update,
            on_total=total,
            on_wait=lambda m: print(m, file=sys.stderr),
        )
    except DataFileError:
        bar.close()
        print("nothing was imported: the local store is unchanged", file=sys.stderr)
        raise
    except ValueError as exc:
        bar.close()
        raise UsageError(str(exc)) from None
    except (StoreBusyError, OSError) as exc:
        bar.close()
        raise CommandError(f"could not store the matrix: {first_line(exc)}") from None
    bar.close()
    print(summary.describe())
    print(f"Local store: {store.directory}")
    return 0


def baci_products(args: argparse.Namespace, reporter: str, partner: str, year: int) -> pd.DataFrame:
    """``products --source baci``: the pair-year's HS chapters from the imported matrix."""
    result = baci.pair_composition(_store(args.data_dir), reporter, partner, year)
    if result.message:
        print(result.message, file=sys.stderr)
    return result.frame
