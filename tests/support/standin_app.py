"""Streamlit entry for e2e tests before the analytic store is merged: the app with the product
stand-in of :mod:`tests.support.products` installed (test support only, never shipped)."""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboard.ingest.store import LocalStore  # noqa: E402
from tests.support.products import _standin_read  # noqa: E402

if not hasattr(LocalStore, "read_products"):
    LocalStore.read_products = _standin_read

runpy.run_path(str(ROOT / "dashboard" / "app" / "main.py"), run_name="__main__")
