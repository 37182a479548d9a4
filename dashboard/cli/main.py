"""The ``trade-dashboard`` command line: serve the app, and reproduce every number it shows.

``main(argv)`` returns an exit status instead of exiting, so tests call it directly. Each
command lives in its own module with a ``register(subparsers)``: :mod:`~dashboard.cli.serve`,
:mod:`~dashboard.cli.scenario`, :mod:`~dashboard.cli.data` (``fetch``, ``series``) and
:mod:`~dashboard.cli.registry` (``targets``, ``mirror``). They share one data loader and one
error path (:mod:`dashboard.cli.common`): exit status 2 means the arguments cannot work
(unknown pair, missing base year, ...), 1 that a data file or source failed; either way the
message is on stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from dashboard.cli import serve
from dashboard.cli.common import CommandError, UsageError, run

__all__ = ["CommandError", "UsageError", "build_parser", "main", "parse_args"]

#: Modules that add their own subcommands (each has ``register(subparsers)``), in help order.
COMMAND_MODULES = (
    "dashboard.cli.serve",
    "dashboard.cli.scenario",
    "dashboard.cli.data",
    "dashboard.cli.baci",
    "dashboard.cli.registry",
    "dashboard.cli.products",
    "dashboard.cli.store_admin",
    "dashboard.cli.proxy",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="trade-dashboard",
        description="Is a declared bilateral trade target on track? Data, scenarios and the app.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` as a namespace with ``func`` (exits on an argparse error, as argparse does)."""
    parser = build_parser()
    if argv[:1] == ["serve"] and not {"-h", "--help"} & set(argv[1:]):
        # `serve` hands every option it does not know, with its value, to `streamlit run`.
        return serve.parse(argv[1:])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status."""
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
