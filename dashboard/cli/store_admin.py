"""``trade-dashboard store check`` and ``store restore``: the operator's recovery for the store.

A damaged store file no longer stops the app (visitors get the shipped data and a short warning);
these commands tell the operator what is wrong and put the previous version back. ``check``
verifies every file of the current and the previous version (rows, bytes, sha256, validation;
temp files a killed write left are removed first); ``restore`` makes the previous version
current, keeping the replaced version's manifest and files. Exit status: 0 fine, 1 damaged or
not restorable, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from dashboard.ingest.store import (
    DATA_DIR_ENV,
    LocalStore,
    StoreBusyError,
    StoreLocationError,
    StoreRestoreError,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``store`` with its ``check`` and ``restore`` sub-commands (handlers in ``args.func``)."""
    store = subparsers.add_parser(
        "store",
        help="check the local store, or restore its previous version",
        description="Check the local store's files, or restore the version before the last write.",
    )
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, func, text in (
        ("check", cmd_check, "verify every store file (rows, checksum, validation)"),
        ("restore", cmd_restore, "put the previous version back (the current file is kept)"),
    ):
        p = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument(
            "--data-dir",
            default=None,
            help=f"local store directory (default: ${DATA_DIR_ENV} or the user data directory)",
        )
        p.set_defaults(func=func)


def _open(args: argparse.Namespace, command: str) -> LocalStore | None:
    try:
        return LocalStore.open(args.data_dir)
    except (StoreLocationError, ValueError) as exc:
        print(f"trade-dashboard store {command}: error: {exc}", file=sys.stderr)
        return None


def restore_command(store: LocalStore) -> str:
    """The command that restores ``store``'s previous version, ready to paste."""
    return f"trade-dashboard store restore --data-dir {shlex.quote(str(store.directory))}"


def cmd_check(args: argparse.Namespace) -> int:
    """Handler of ``store check``: one line per file; exit 1 if the current version is damaged."""
    store = _open(args, "check")
    if store is None:
        return 2
    print(f"Local store: {store.directory}")
    if store.migration_note:
        print(store.migration_note)
    checks = store.check()
    for c in checks:
        if not c.present and c.ok:
            print(f"{c.version}: {c.name}: absent")
        elif c.ok:
            size = f", {c.bytes:,} bytes" if c.bytes is not None else ""
            print(f"{c.version}: {c.name}: {c.rows} rows{size}, verified")
        else:
            print(
                f"{c.version}: {c.name}: DAMAGED\n  " + "\n  ".join(str(c.problem).splitlines()[:5])
            )
    current = [c for c in checks if c.version == "current"]
    previous = [c for c in checks if c.version == "previous"]
    if all(c.ok for c in current):
        return 0
    if previous and all(c.ok and c.present for c in previous):
        rows = sum(c.rows or 0 for c in previous if c.name.startswith("observations"))
        print(f"To put the previous version ({rows} observations) back: {restore_command(store)}")
    else:
        print("No usable previous version: fix the file(s) named above, or move the store "
              "directory away to start an empty store and fetch again.")  # fmt: skip
    return 1


def cmd_restore(args: argparse.Namespace) -> int:
    """Handler of ``store restore``: the previous version becomes current; exit 1 if it cannot."""
    store = _open(args, "restore")
    if store is None:
        return 2
    try:
        done = store.restore_previous()
    except (StoreRestoreError, StoreBusyError) as exc:
        print(f"trade-dashboard store restore: error: {exc}", file=sys.stderr)
        return 1
    kept = f"; the replaced version is kept as {done.kept_as.name}" if done.kept_as else ""
    print(f"Restored the previous version ({done.rows} rows) in {store.directory}{kept}.")
    return 0
