"""Which JavaScript functions a slider move keeps busy in the browser: a sampled CPU profile.

Run: ``python benchmarks/profile_move.py [--app dashboard|reference] [--moves 8] [--top 40]``.

Starts the app like the other benchmarks, makes a few warm-up moves of the growth slider, then
records Chrome's sampling profiler (DevTools ``Profiler`` domain, 50 µs interval) over
``--moves`` more and prints, per move, the functions with the most time: self time, then
inclusive time (the function and everything it called). The bundle is minified, so each line
shows the start of the function's source as the server sends it, which is usually enough to
tell React, Plotly, Streamlit's widgets and their styling apart. ``trace_move.py`` says *when*
the browser is busy during one move; this says *with what*, across several. It found the tab
panel's focus scan (see ARCHITECTURE.md, "A chart selector, not tabs").
"""

from __future__ import annotations

import argparse
import collections
import urllib.request

from common import (  # the benchmarks folder is on sys.path when run as a script
    CHROMIUM_ARGS,
    DASHBOARD,
    REFERENCE,
    add_run_options,
    open_for_moves,
    require_chromium,
    running_app,
    watchdog,
)
from playwright.sync_api import sync_playwright
from trace_move import move

NOT_JS = {"(program)", "(idle)", "(garbage collector)", "(root)"}
Key = tuple[str, str, int, int]  # function name, script file, line, column


def _totals(profile: dict) -> tuple[collections.Counter, collections.Counter]:
    """(self ms, inclusive ms) per function, from a DevTools ``Profiler.Profile``."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    per_node: collections.Counter = collections.Counter()
    for node_id, delta_us in zip(profile["samples"], profile["timeDeltas"], strict=True):
        per_node[node_id] += delta_us / 1000

    def key(node: dict) -> Key:
        f = node["callFrame"]
        return f["functionName"], f["url"].rsplit("/", 1)[-1], f["lineNumber"], f["columnNumber"]

    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    for node_id, ms in per_node.items():
        own[key(nodes[node_id])] += ms
        seen: set[Key] = set()  # recursion: count a function once per sample
        while node_id is not None:
            k = key(nodes[node_id])
            if k not in seen:
                inclusive[k] += ms
                seen.add(k)
            node_id = parent.get(node_id)
    return own, inclusive


class _Sources:
    """The app's JavaScript files, fetched once each, to show where a function starts."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.files: dict[str, list[str] | None] = {}

    def snippet(self, key: Key, width: int = 70) -> str:
        _, name, line, column = key
        if not name.endswith(".js"):
            return ""
        if name not in self.files:
            try:
                with urllib.request.urlopen(f"{self.base_url}/static/js/{name}", timeout=10) as r:
                    self.files[name] = r.read().decode("utf-8", "replace").split("\n")
            except OSError:
                self.files[name] = None
        lines = self.files[name]
        if not lines or line >= len(lines):
            return ""
        return lines[line][column : column + width].replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("dashboard", "reference"), default="dashboard")
    parser.add_argument("--moves", type=int, default=8, help="profiled moves")
    parser.add_argument("--top", type=int, default=40, help="functions listed per table")
    add_run_options(parser, timeout=300)
    args = parser.parse_args()
    chromium = require_chromium()
    watchdog(args.timeout)
    app = DASHBOARD if args.app == "dashboard" else REFERENCE
    with sync_playwright() as p, running_app(app) as (_, url):
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = open_for_moves(browser, app, url)
        for _ in range(3):
            move(page, app)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 50})
        cdp.send("Profiler.start")
        for _ in range(args.moves):
            move(page, app)
        profile = cdp.send("Profiler.stop")["profile"]
        own, inclusive = _totals(profile)
        sources = _Sources(url)
        n = args.moves
        busy = sum(ms for k, ms in own.items() if k[0] not in NOT_JS)
        print(f"## Where a slider move's browser time goes: {app.name}\n")
        print(f"{n} moves profiled; JavaScript and browser work {busy / n:.0f} ms a move.\n")
        for title, table in (("self time", own), ("inclusive time", inclusive)):
            print(f"| ms a move ({title}) | function | file | starts with |")
            print("|---:|---|---|---|")
            shown = 0
            for k, ms in table.most_common():
                if k[0] in NOT_JS or (title == "inclusive time" and not k[1]):
                    continue
                name = k[0] or "(anonymous)"
                print(f"| {ms / n:.1f} | {name} | {k[1]} | `{sources.snippet(k)}` |")
                shown += 1
                if shown == args.top:
                    break
            print()
        browser.close()


if __name__ == "__main__":
    main()
