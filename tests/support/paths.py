"""Where the repository, its shipped data and the app's entry point are, for every test."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
APP = ROOT / "dashboard" / "app" / "main.py"
SERVER_APP = ROOT / "dashboard" / "app" / "server.py"
