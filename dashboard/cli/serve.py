"""``trade-dashboard serve``: the dashboard in a browser, as the process the user started.

Why ``exec``: running Streamlit as a child left it listening after the parent got SIGTERM (a
service manager's stop, ``kill``), so the next start failed with "Port ... is not available".
Replacing this process with ``python -m streamlit run`` leaves no child: a signal reaches
Streamlit itself, which shuts down and frees the port.

The server listens on 127.0.0.1 (this machine only) unless ``--address`` says otherwise: the
dashboard has no sign-in, so exposing it is a decision, not a default. The app's Streamlit
settings (``.streamlit/config.toml``) are found from a checkout (run with the repository as the
working directory, as before) and from an installed wheel (which carries them beside the app's
entry point, where Streamlit reads a script's own config).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dashboard.cli.common import CommandError

#: ``app/main.py`` behind an ``st.App`` that warms the server up before the first visit.
APP_PATH = Path(__file__).resolve().parents[1] / "app" / "server.py"
#: The repository root in a checkout (holds ``.streamlit/config.toml``); absent from a wheel.
CHECKOUT_ROOT = APP_PATH.parents[2]
DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501


def _options(parser: argparse.ArgumentParser) -> None:
    # Streamlit's own spellings are accepted too, so an old command line keeps working and the
    # address is never passed twice.
    parser.add_argument(
        "--port",
        "--server.port",
        dest="port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--address",
        "--server.address",
        dest="address",
        default=DEFAULT_ADDRESS,
        help=f"address to listen on (default {DEFAULT_ADDRESS}: this machine only; 0.0.0.0 "
        "lets every machine that can reach this one open the dashboard, without sign-in)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` (its help; :func:`parse` reads its arguments, see there)."""
    serve = subparsers.add_parser(
        "serve",
        help="start the dashboard in a browser (Streamlit)",
        description="Start the dashboard. Options this command does not know are passed to "
        "`streamlit run` (e.g. --server.headless true).",
    )
    _options(serve)
    serve.add_argument(
        "streamlit_args",
        nargs=argparse.REMAINDER,
        help="further options passed to `streamlit run`",
    )
    serve.set_defaults(func=run)


def parse(argv: list[str]) -> argparse.Namespace:
    """``serve``'s arguments: its own options, and every other option (with its value) kept for
    ``streamlit run``. (A subparser's parse_known_args would drop those values.)"""
    parser = argparse.ArgumentParser(prog="trade-dashboard serve", add_help=False)
    _options(parser)
    args, unknown = parser.parse_known_args(argv)
    args.streamlit_args = [a for a in unknown if a != "--"]
    args.command = "serve"
    args.func = run
    return args


def serve_command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line ``serve`` execs."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        *args.streamlit_args,
    ]


def run(args: argparse.Namespace) -> int:
    """Replace this process with Streamlit (returns only if that fails)."""
    cmd = serve_command(args)
    if (CHECKOUT_ROOT / ".streamlit" / "config.toml").is_file():
        os.chdir(CHECKOUT_ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(cmd[0], cmd)
    except OSError as exc:
        raise CommandError(f"could not start Streamlit ({cmd[0]}): {exc}") from None
    return 1  # pragma: no cover  (execv does not return)
