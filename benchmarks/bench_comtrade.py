"""Benchmark: requests and wall time to fetch 25 years of one pair from UN Comtrade.

Runs against a local HTTP server started in-process (pytest-httpserver's ``HTTPServer`` on
werkzeug) that answers like Comtrade (47-field records, synthetic values), so the numbers show
what the client itself costs: with the real 1 request/second rate limit (the wall time a user
waits) and with the limiter off (HTTP + parsing + mapping + validation overhead). Keyless
(preview: one period per call) and keyed (final data: 12 periods per call) are both measured,
plus writing the result into a fresh local store.

    /work/venv/bin/python benchmarks/bench_comtrade.py [--years 25] [--skip-throttled]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.ingest.comtrade.client import FINAL_PATH, PREVIEW_PATH, ComtradeClient  # noqa: E402
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH  # noqa: E402
from dashboard.ingest.store import LocalStore  # noqa: E402
from dashboard.ingest.validation import validate_observations  # noqa: E402

FIXTURES = ROOT / "tests" / "support" / "fixtures" / "comtrade"


def _load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _serve(server: HTTPServer) -> None:
    template = _load("preview_chn_kaz_2023.json")["data"]  # synthetic [export, import]

    def data(request: Request) -> Response:
        recs = []
        for p in request.args["period"].split(","):
            year = int(p)
            for rec in template:
                r = dict(rec, refYear=year, period=p, refPeriodId=year * 10000 + 101)
                value = float(rec["primaryValue"]) * (1 + (year - 2000) / 10)
                r.update(
                    primaryValue=value,
                    fobvalue=value if rec["flowCode"] == "X" else None,
                    cifvalue=value if rec["flowCode"] == "M" else None,
                )
                recs.append(r)
        payload = {"elapsedTime": "0.01 secs", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(payload), content_type="application/json")

    server.expect_request(REPORTERS_PATH).respond_with_json(_load("reporters.json"))
    server.expect_request(PARTNERS_PATH).respond_with_json(_load("partnerAreas.json"))
    server.expect_request(PREVIEW_PATH).respond_with_handler(data)
    server.expect_request(FINAL_PATH).respond_with_handler(data)


def _run(base_url: str, years: list[int], keyed: bool, interval: float) -> dict:
    slept = [0.0]

    def sleep(seconds: float) -> None:
        slept[0] += seconds
        time.sleep(seconds)

    client = ComtradeClient(
        base_url, api_key="benchmark-key" if keyed else "", min_interval=interval, sleep=sleep
    )
    start = time.perf_counter()
    result = client.fetch("CHN", "KAZ", years)
    wall = time.perf_counter() - start
    client.close()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        LocalStore(tmp).upsert(result.observations)
        store_s = time.perf_counter() - t0
    return {
        "mode": "keyed (12 periods/call)" if keyed else "preview (1 period/call)",
        "interval": interval,
        "requests": result.requests,
        "rows": len(result.observations),
        "wall": wall,
        "slept": slept[0],
        "store": store_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=25, help="number of years (default 25)")
    parser.add_argument(
        "--skip-throttled", action="store_true", help="skip the real 1 req/s runs (~30 s)"
    )
    args = parser.parse_args(argv)
    years = list(range(2000, 2000 + args.years))

    # Warm-up: pandera loads its backends on the first validation (~0.3 s, once per process).
    validate_observations(_warm_frame())

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    server = HTTPServer()
    server.start()
    try:
        _serve(server)
        base = server.url_for("").rstrip("/")
        intervals = [0.0] if args.skip_throttled else [1.0, 0.0]
        rows = [_run(base, years, keyed, iv) for iv in intervals for keyed in (False, True)]
    finally:
        server.stop()

    print(
        f"Fetching {args.years} years of CHN->KAZ (2 reference lists + data calls), local "
        "server in-process:\n"
    )
    print(
        "| endpoint | rate limit | requests | rows | wall (s) | waiting on limiter (s) "
        "| client overhead (s) | overhead / request (ms) | store write (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        overhead = r["wall"] - r["slept"]
        limit = f"{1 / r['interval']:.0f} req/s" if r["interval"] else "off"
        print(
            f"| {r['mode']} | {limit} | {r['requests']} | {r['rows']} | {r['wall']:.2f} "
            f"| {r['slept']:.2f} | {overhead:.3f} | {1000 * overhead / r['requests']:.1f} "
            f"| {r['store']:.3f} |"
        )
    print(
        f"\nCommand: /work/venv/bin/python benchmarks/bench_comtrade.py --years {args.years}"
        + (" --skip-throttled" if args.skip_throttled else "")
    )
    return 0


def _warm_frame():
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "reporter": "CHN",
                "partner": "KAZ",
                "year": 2000,
                "flow": "total",
                "value_usd": 1.0,
                "qualifier": "reported",
                "source": "warm-up",
                "source_url": "https://example.org",
                "published": "2000",
                "confidence": "low",
                "note": "",
            }
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
