"""``trade-dashboard fetch`` and ``series``: live UN Comtrade data on the command line.

``fetch`` downloads annual totals for one pair into the local store (with ``--products`` also the
HS chapters, stored in the products table); ``series`` prints the merged
observations (snapshot + store) the app would use, with their sources, so every number on screen
can be reproduced and checked from a shell. :func:`register` adds both commands to the main
``trade-dashboard`` parser (:mod:`dashboard.cli.main`); each handler is stored as ``func`` on the
parsed namespace and reports failures through the shared error path (:mod:`dashboard.cli.common`):
exit 1 for a failure (one-line reason on stderr, the store unchanged), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date

import pandas as pd
from tqdm import tqdm

from dashboard.cli.common import (
    CommandError,
    UsageError,
    add_data_options,
    first_line,
    load_observations,
    run,
)
from dashboard.ingest import baci
from dashboard.ingest.comtrade.client import (
    BASE_URL_ENV,
    DEFAULT_REQUEST_DEADLINE,
    ComtradeClient,
    ComtradeError,
    FetchResult,
    ProductFetchResult,
)
from dashboard.ingest.comtrade.codes import UnknownCountryError
from dashboard.ingest.store import LocalStore, WriteSummary
from dashboard.model import YEAR_MIN, DataFileError, known_codes
from dashboard.report.files import guard_frame

#: Seconds a whole ``fetch`` may take: 26 years and the mirror are 52 preview calls at 1/s.
DEFAULT_FETCH_DEADLINE = 900.0

#: Column order for ``series`` output: identity, value, then provenance.
SERIES_COLUMNS: tuple[str, ...] = (
    "reporter",
    "partner",
    "year",
    "flow",
    "value_usd",
    "qualifier",
    "origin",
    "source",
    "source_url",
    "published",
    "retrieved",
    "valuation",
    "confidence",
    "alt_value_usd",
    "alt_origin",
    "alt_source_url",
    "note",
)


#: Where ``series`` reads: the pages' merged observations, or the imported BACI matrix.
SERIES_SOURCES: tuple[str, ...] = ("merged", "baci")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` and ``series`` sub-commands (handlers in ``args.func``)."""
    fetch = subparsers.add_parser(
        "fetch",
        help="download annual totals for a pair from UN Comtrade into the local store",
        description=(
            "Download annual goods exports, imports and totals for REPORTER -> PARTNER from UN "
            "Comtrade (keyless preview, or the full API when COMTRADE_API_KEY is set) into the "
            f"local store. The API host can be changed with {BASE_URL_ENV}. On failure nothing "
            "is stored."
        ),
    )
    fetch.add_argument("--reporter", required=True, help="ISO3 code of the reporter, e.g. CHN")
    fetch.add_argument("--partner", required=True, help="ISO3 code of the partner, e.g. KAZ")
    fetch.add_argument(
        "--years", required=True, help="a year, a range (2000-2025) or a list (2019,2021)"
    )
    fetch.add_argument(
        "--mirror", action="store_true", help="also fetch the partner's own report (mirror flows)"
    )
    fetch.add_argument(
        "--products",
        action="store_true",
        help="also fetch the 97 HS chapters (cmdCode AG2, exports and imports) for the same "
        "years and directions: one more call per year and direction without a key",
    )
    add_data_options(fetch, prefer=False)
    fetch.add_argument(
        "--rate-limit",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="minimum seconds between requests (default 1; Comtrade answers 429 when too fast)",
    )
    fetch.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_FETCH_DEADLINE,
        metavar="SECONDS",
        help=f"give up after this many seconds in all, waits and retries included (default "
        f"{DEFAULT_FETCH_DEADLINE:g}); each request also stops after "
        f"{DEFAULT_REQUEST_DEADLINE:g} s",
    )
    fetch.set_defaults(func=cmd_fetch)

    series = subparsers.add_parser(
        "series",
        help="print the observations the app uses for a pair, with their sources",
        description=(
            "Print the snapshot and local-store observations for REPORTER -> PARTNER as the app "
            "merges them, with origin, source URL and any alternative value."
        ),
    )
    series.add_argument("--reporter", required=True, help="ISO3 code of the reporter, e.g. CHN")
    series.add_argument("--partner", required=True, help="ISO3 code of the partner, e.g. KAZ")
    add_data_options(series)
    series.add_argument(
        "--source",
        choices=SERIES_SOURCES,
        default=SERIES_SOURCES[0],
        help="merged: the snapshot and the local store, as the pages merge them (default); "
        "baci: the imported CEPII BACI matrix (reconciled, FOB), the tracker's BACI basis",
    )
    series.add_argument("--format", choices=("csv", "json"), default="csv")
    series.set_defaults(func=cmd_series)


def parse_years(text: str, this_year: int | None = None) -> list[int]:
    """``"2000-2025"``, ``"2024"`` or ``"2019,2021"`` -> sorted years; ValueError if malformed.

    Years run from YEAR_MIN to the current year: Comtrade has nothing for the future.
    """
    this_year = this_year or date.today().year
    years: set[int] = set()
    for part in text.replace(" ", "").split(","):
        bounds = part.split("-")
        if len(bounds) not in (1, 2) or not all(b.isdigit() and len(b) == 4 for b in bounds):
            raise ValueError(f"bad year range {text!r}; use e.g. 2000-2025, 2024 or 2019,2021")
        lo, hi = int(bounds[0]), int(bounds[-1])
        if lo > hi:
            raise ValueError(f"bad year range {part!r}: the first year is after the last")
        if lo < YEAR_MIN or hi > this_year:
            raise ValueError(f"years must lie in {YEAR_MIN}-{this_year}, got {part!r}")
        years.update(range(lo, hi + 1))
    return sorted(years)


def _country(text: str) -> str:
    code = text.strip().upper()
    if code not in known_codes():
        raise ValueError(f"unknown country code {text!r}; use an ISO3 code such as CHN or KAZ")
    return code


def _pair(args: argparse.Namespace) -> tuple[str, str]:
    reporter, partner = _country(args.reporter), _country(args.partner)
    if reporter == partner:
        raise ValueError("reporter and partner must differ")
    return reporter, partner


def _gaps(no_data: dict[str, tuple[int, ...]]) -> str:
    return "; ".join(
        f"{direction} {', '.join(map(str, years)) if years else 'none'}"
        for direction, years in no_data.items()
    )


def _summary(
    result: FetchResult,
    written: WriteSummary,
    requests: int,
    products: tuple[ProductFetchResult, WriteSummary] | None = None,
) -> str:
    how = "final data (with key)" if result.endpoint == "final" else "preview (no key)"
    elapsed = result.elapsed + (products[0].elapsed if products else 0.0)
    lines = [
        f"UN Comtrade {how}: {requests} requests in {elapsed:.1f} s",
        f"Stored {written.added + written.replaced} rows in {written.path} "
        f"({written.added} new, {written.replaced} replaced; {written.total} in the store)",
        f"Years with no data: {_gaps(result.years_without_data)}",
    ]
    if products is not None:
        got, stored = products
        lines += [
            f"Stored {stored.added + stored.replaced} chapter rows ({stored.added} new, "
            f"{stored.replaced} replaced; {stored.total} product rows in the store)",
            f"Years with no chapters: {_gaps(got.years_without_data)}",
        ]
    return "\n".join(lines)


def cmd_fetch(args: argparse.Namespace) -> int:
    """Handler of ``fetch``: download, validate, then store (nothing stored on any failure)."""
    try:
        reporter, partner = _pair(args)
        years = parse_years(args.years)
        if not (args.rate_limit >= 0 and math.isfinite(args.rate_limit)):
            raise ValueError("--rate-limit must be a number of seconds >= 0")
        if not (args.deadline > 0 and math.isfinite(args.deadline)):
            raise ValueError("--deadline must be a number of seconds > 0")
        store = LocalStore(args.data_dir)
    except ValueError as exc:  # includes StoreLocationError
        raise UsageError(str(exc)) from None
    try:
        store.read()  # a damaged store fails now, before any request is spent
    except DataFileError as exc:
        raise CommandError(f"the local store is damaged: {first_line(exc)}") from None

    client = ComtradeClient(min_interval=args.rate_limit, cache_dir=store.directory)
    try:
        # Resolve the codes before the progress bar starts, so a bad code is one clean line.
        for r, p in [(reporter, partner)] + ([(partner, reporter)] if args.mirror else []):
            client.resolver.reporter_code(r)
            client.resolver.partner_code(p)
    except UnknownCountryError as exc:
        client.close()
        raise UsageError(str(exc)) from None
    planned = client.planned_requests(years, args.mirror) * (2 if args.products else 1)
    bar = tqdm(
        total=planned,
        desc=f"{reporter}-{partner}",
        unit="call",
        file=sys.stderr,
    )
    try:
        result = client.fetch(
            reporter,
            partner,
            years,
            mirror=args.mirror,
            progress=lambda: bar.update(1),
            deadline=args.deadline,
        )
        chapters = None
        if args.products:
            left = args.deadline - result.elapsed
            if left <= 0:
                raise ComtradeError(
                    f"UN Comtrade fetch stopped at its {args.deadline:g} s deadline before the "
                    "chapters; allow more time (--deadline)"
                )
            chapters = client.fetch_products(
                reporter,
                partner,
                years,
                mirror=args.mirror,
                progress=lambda: bar.update(1),
                deadline=left,
            )
    except ComtradeError as exc:
        error: ComtradeError | None = exc
    else:
        error = None
    finally:
        bar.close()  # before any message, so the reason is the last line on stderr
        client.close()
    if error is not None:
        raise CommandError(f"{first_line(error)}; the local store was not changed")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    tell = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        written = store.upsert(result.observations, on_wait=tell)
    except (DataFileError, OSError) as exc:
        raise CommandError(
            f"could not store the data: {first_line(exc)}; the local store was not changed"
        ) from None
    stored_chapters = None
    if chapters is not None:
        try:
            stored_chapters = (chapters, store.upsert_products(chapters.products, on_wait=tell))
        except (DataFileError, OSError) as exc:
            raise CommandError(
                f"stored the totals, but could not store the chapters: {first_line(exc)}; the "
                "products table was not changed"
            ) from None
    # All HTTP attempts, the reference lists resolved before the fetch included.
    print(_summary(result, written, client.requests_made, stored_chapters))
    return 0


def _format_number(v: float) -> str:
    if pd.isna(v):
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def cmd_series(args: argparse.Namespace) -> int:
    """Handler of ``series``: the merged observations for one direction of a pair."""
    try:
        reporter, partner = _pair(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if getattr(args, "source", "merged") == "baci":
        rows = _baci_rows(args, reporter, partner).reindex(columns=list(SERIES_COLUMNS))
        rows[["alt_origin", "alt_source_url"]] = ""
        _print_rows(rows, args.format)
        return 0
    merged = load_observations(args)
    rows = merged[(merged["reporter"] == reporter) & (merged["partner"] == partner)]
    rows = rows[list(SERIES_COLUMNS)].reset_index(drop=True)
    if rows.empty:
        print(
            f"no observations for {reporter}->{partner} in the snapshot or the local store",
            file=sys.stderr,
        )
    _print_rows(rows, args.format)
    return 0


def _baci_rows(args: argparse.Namespace, reporter: str, partner: str) -> pd.DataFrame:
    """The pair's rows from the imported BACI matrix (the tracker's BACI basis); the reason on
    stderr when there are none."""
    try:
        store = LocalStore(args.data_dir)
    except ValueError as exc:  # includes StoreLocationError
        raise UsageError(str(exc)) from None
    result = baci.pair_observations(store, reporter, partner)
    if result.message:
        print(result.message, file=sys.stderr)
    return result.frame


def _print_rows(rows: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(rows.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    else:
        out = rows.copy()
        for col in ("value_usd", "alt_value_usd"):
            out[col] = out[col].map(_format_number)
        # Text from an editable store may start with "=" etc.: guard it for spreadsheets.
        sys.stdout.write(guard_frame(out).to_csv(index=False, lineterminator="\n"))


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with just these commands (for tests and ``python -m``)."""
    parser = argparse.ArgumentParser(prog="trade-dashboard")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``fetch`` or ``series`` without the full CLI; returns the exit code."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
