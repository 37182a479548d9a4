"""What every ``trade-dashboard`` command shares: one data loader and one error path.

Every command that reads observations takes ``--data-dir`` and ``--prefer`` and loads them with
:func:`dashboard.ingest.store.load_merged`, the loader the pages use, so the command line
reproduces every number on screen. A handler reports a problem by raising: :class:`UsageError`
(arguments that cannot work, exit 2), :class:`CommandError` (exit 1), or the project's own
DataFileError and SourceError (exit 1); :func:`run` prints one clear message for each, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from dashboard.ingest.errors import SourceError
from dashboard.ingest.store import (
    DATA_DIR_ENV,
    PREFER_CHOICES,
    StoreLocationError,
    load_merged,
)
from dashboard.model import DataFileError

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A command could not do its work; the message says why (exit status 1)."""

    exit_code = 1


class UsageError(CommandError):
    """Arguments that cannot produce a result; reported on one line with exit status 2."""

    exit_code = 2


def add_data_options(parser: argparse.ArgumentParser, prefer: bool = True) -> None:
    """``--data-dir`` (and ``--prefer``): which observations a command reads, as on the pages."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"local store with fetched data (default: ${DATA_DIR_ENV} or the user data directory)",
    )
    if prefer:
        parser.add_argument(
            "--prefer",
            choices=PREFER_CHOICES,
            default=PREFER_CHOICES[0],
            help="which figure wins where the snapshot and the store both have a year (default "
            "auto: the sourced snapshot)",
        )


def load_observations(args: argparse.Namespace) -> pd.DataFrame:
    """The snapshot merged with the local store (``args.data_dir``, ``args.prefer``), exactly as
    the pages merge them. A bad store location is a usage error; a bad file a DataFileError."""
    try:
        return load_merged(args.data_dir, getattr(args, "prefer", PREFER_CHOICES[0]))
    except StoreLocationError as exc:
        raise UsageError(str(exc)) from None


def first_line(exc: BaseException) -> str:
    """An error's first line, saying how many more there are."""
    lines = str(exc).strip().splitlines()
    if len(lines) > 1:
        return f"{lines[0]} (and {len(lines) - 1} more problem(s))"
    return lines[0] if lines else type(exc).__name__


def run(args: argparse.Namespace) -> int:
    """Run ``args.func``; every expected failure becomes a message on stderr and an exit status."""
    command = getattr(args, "command", None)
    prog = f"trade-dashboard {command}" if command else "trade-dashboard"
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        return _fail(prog, str(exc), exc.exit_code)
    except StoreLocationError as exc:
        return _fail(prog, str(exc), UsageError.exit_code)
    except DataFileError as exc:
        # Every problem, each naming file and line; usually one line.
        return _fail(prog, f"bad data file: {exc}", 1)
    except SourceError as exc:
        return _fail(prog, first_line(exc), 1)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code
