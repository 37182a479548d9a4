"""Build step (not imported at run time): put the shipped data and the app's settings in a wheel.

``data/`` and ``.streamlit/config.toml`` sit at the repository's top level, and ``data/`` stays
the source of truth there; a wheel carries only files inside the package, so an installed
dashboard had no data and no Streamlit settings. ``pyproject.toml`` names :class:`BuildPy` as
setuptools' ``build_py``; it copies, into the built package only:

- ``data/*.csv`` and ``data/README.md`` to ``dashboard/_shipped/data/`` (where
  :mod:`dashboard.ingest.snapshot` looks when there is no checkout's ``data/``);
- ``.streamlit/config.toml`` to ``dashboard/app/.streamlit/``, beside the app's entry point,
  where Streamlit reads a script's own settings whatever the working directory.

An editable install reads the checkout's files, so nothing is copied for it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parents[1]
#: (source in the repository, destination inside the built ``dashboard`` package).
COPIES: tuple[tuple[str, str], ...] = (
    ("data/trade_series.csv", "_shipped/data/trade_series.csv"),
    ("data/targets.csv", "_shipped/data/targets.csv"),
    ("data/README.md", "_shipped/data/README.md"),
    (".streamlit/config.toml", "app/.streamlit/config.toml"),
)


class BuildPy(build_py):
    """setuptools' ``build_py`` plus the copies above (a missing source file fails the build)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        missing = [src for src, _ in COPIES if not (ROOT / src).is_file()]
        if missing:
            raise FileNotFoundError(
                f"cannot build a working wheel: {', '.join(missing)} missing under {ROOT} "
                "(build from a checkout of the repository)"
            )
        package = Path(self.build_lib) / "dashboard"
        for src, dest in COPIES:
            target = package / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / src, target)
