"""Realistic UN Comtrade answers for tests: fixture-shaped records and a data-endpoint handler.

Shared by the client, CLI and page tests, which all serve these from a real local HTTP server
(pytest-httpserver), and :class:`SlowServer`, a raw-socket server that answers 1 byte at a time
(or not at all) for the deadline and cancel tests. All values are synthetic test data.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from werkzeug import Request, Response

from dashboard.ingest.comtrade.client import API_KEY_ENV, BASE_URL_ENV, ComtradeClient
from dashboard.ingest.comtrade.codes import PARTNERS_PATH, REPORTERS_PATH

FIXTURES = Path(__file__).parent / "fixtures" / "comtrade"
CHN = ("CHN", 156, "China")
KAZ = ("KAZ", 398, "Kazakhstan")


def load(name: str):
    """A fixture file from tests/support/fixtures/comtrade, parsed."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def records_for(year, export, imp, reporter=CHN, partner=KAZ) -> list[dict]:
    """Fixture-shaped records (47 fields) for one year; ``None`` leaves that flow out."""
    template = load("preview_chn_kaz_2023.json")["data"]  # [export, import]
    out = []
    for rec, value in zip(template, (export, imp), strict=True):
        if value is None:
            continue
        r = dict(rec)
        r.update(
            refYear=year,
            period=str(year),
            refPeriodId=year * 10000 + 101,
            reporterISO=reporter[0],
            reporterCode=reporter[1],
            reporterDesc=reporter[2],
            partnerISO=partner[0],
            partnerCode=partner[1],
            partnerDesc=partner[2],
            primaryValue=value,
            fobvalue=value if r["flowCode"] == "X" else None,
            cifvalue=value if r["flowCode"] == "M" else None,
        )
        out.append(r)
    return out


def pair_data_handler(values: dict[tuple[int, int], tuple]):
    """A data endpoint for CHN and KAZ reporting on each other.

    ``values`` maps (reporterCode, year) to (export, import); any other year answers count 0.
    """

    def handle(request: Request) -> Response:
        rc = int(request.args["reporterCode"])
        reporter, partner = (CHN, KAZ) if rc == CHN[1] else (KAZ, CHN)
        recs = []
        for p in request.args["period"].split(","):
            if (rc, int(p)) in values:
                recs += records_for(int(p), *values[(rc, int(p))], reporter, partner)
        payload = {"elapsedTime": "0.1 secs", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(payload), content_type="application/json")

    return handle


def preview_query(year: int, reporter: int = CHN[1], partner: int = KAZ[1]) -> dict[str, str]:
    """The exact query the client sends for one year of annual goods totals (keyless preview)."""
    return {
        "reporterCode": str(reporter),
        "partnerCode": str(partner),
        "period": str(year),
        "cmdCode": "TOTAL",
        "flowCode": "X,M",
        "partner2Code": "0",
        "customsCode": "C00",
        "motCode": "0",
        "includeDesc": "true",
    }


class SlowServer:
    """A real TCP server that answers HTTP as slowly as a hostile or broken upstream does.

    Paths in ``fast`` (path -> JSON-able payload) are answered at once; every other request gets
    ``body`` in the chosen ``mode``:

    - ``"body"``: status and headers at once, then the body one byte every ``interval`` seconds;
    - ``"headers"``: even the status line and headers one byte every ``interval`` seconds;
    - ``"silent"``: nothing at all, the connection held open.

    A read timeout restarts on every byte, so only a wall-clock deadline stops such a server.
    ``data_requests`` counts the slow requests. Runs in daemon threads; ``stop()`` ends them.
    """

    def __init__(self, body: bytes, mode: str = "body", interval: float = 1.0, fast=None):
        import socket
        import threading

        self.body, self.mode, self.interval = body, mode, interval
        self.fast = {path: json.dumps(payload).encode() for path, payload in (fast or {}).items()}
        self.data_requests = 0
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def __enter__(self) -> SlowServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        import threading

        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn) -> None:
        with conn:
            conn.settimeout(0.1)
            request = b""
            while b"\r\n\r\n" not in request and not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                request += chunk
            if self._stop.is_set():
                return
            path = request.split(b" ", 2)[1].decode().split("?", 1)[0]
            if path in self.fast:
                conn.sendall(self._head(len(self.fast[path])) + self.fast[path])
                return
            self.data_requests += 1
            head = self._head(len(self.body))
            if self.mode == "silent":
                self._stop.wait()
                return
            dribble = head + self.body if self.mode == "headers" else self.body
            try:
                if self.mode == "body":
                    conn.sendall(head)
                for i in range(len(dribble)):
                    if self._stop.wait(self.interval):
                        return
                    conn.sendall(dribble[i : i + 1])
            except OSError:
                return  # the client hung up: what a deadline should make it do

    @staticmethod
    def _head(length: int) -> bytes:
        return (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        ).encode()


# -- HS chapters (cmdCode=AG2) -------------------------------------------------------------------


def chapter_records(
    year: int,
    values: dict[tuple[str, str], float],
    reporter=CHN,
    partner=KAZ,
    classification: str = "H6",
) -> list[dict]:
    """Fixture-shaped chapter records (47 fields, as the TOTAL rows but ``cmdCode`` a chapter,
    ``aggrLevel`` 2, ``isLeaf`` false) for one year; ``values`` maps (flowCode, chapter) to
    primaryValue."""
    template = {r["flowCode"]: r for r in load("preview_chn_kaz_2023.json")["data"]}
    out = []
    for (flow, code), value in values.items():
        r = dict(template[flow])
        r.update(
            refYear=year,
            period=str(year),
            refPeriodId=year * 10000 + 101,
            reporterISO=reporter[0],
            reporterCode=reporter[1],
            reporterDesc=reporter[2],
            partnerISO=partner[0],
            partnerCode=partner[1],
            partnerDesc=partner[2],
            classificationCode=classification,
            cmdCode=code,
            cmdDesc=f"Chapter {code} (synthetic description)",
            aggrLevel=2,
            isLeaf=False,
            primaryValue=value,
            fobvalue=value if flow == "X" else None,
            cifvalue=value if flow == "M" else None,
        )
        out.append(r)
    return out


def chapter_values(year: int, reporter_code: int, chapters=range(1, 98)) -> dict:
    """Synthetic chapter values: export 1e6 x chapter + year, import 2e6 x chapter + year."""
    return {
        (flow, f"{c:02d}"): scale * c + year
        for flow, scale in (("X", 1e6), ("M", 2e6))
        for c in chapters
    }


def comtrade_handler(
    totals: dict[tuple[int, int], tuple] | None = None,
    chapters: dict[tuple[int, int], dict] | None = None,
    *,
    classification=lambda year: "H6",
    extra=lambda rc, year: [],
):
    """A data endpoint answering TOTAL queries like :func:`pair_data_handler` and AG2 queries
    with chapter records, for CHN and KAZ reporting on each other (any period list).

    ``chapters`` maps (reporterCode, year) to {(flowCode, chapter): value}; a year not in it
    answers count 0. ``extra(rc, year)`` adds records to an AG2 answer (a TOTAL row, other
    partners, finer levels: what Comtrade may put next to the chapters).
    """
    totals_handler = pair_data_handler(totals or {})

    def handle(request: Request) -> Response:
        if request.args.get("cmdCode") != "AG2":
            return totals_handler(request)
        rc = int(request.args["reporterCode"])
        reporter, partner = (CHN, KAZ) if rc == CHN[1] else (KAZ, CHN)
        recs: list[dict] = []
        for p in request.args["period"].split(","):
            year = int(p)
            values = (chapters or {}).get((rc, year))
            if values is not None:
                recs += chapter_records(year, values, reporter, partner, classification(year))
                recs += extra(rc, year)
        payload = {"elapsedTime": "0.1 secs", "count": len(recs), "data": recs, "error": ""}
        return Response(json.dumps(payload), content_type="application/json")

    return handle


def point_app_at(server, monkeypatch, data_dir: Path, module, reporters: dict, partners: dict):
    """Point the app's fetches at the stand-in ``server`` (keyless, store in ``data_dir``) with
    quick retries and pace in ``module``'s ComtradeClient, so a failing fetch ends in seconds
    (the client's own defaults are tested in tests/unit/test_comtrade.py); the server answers
    the reporter and partner lists."""
    server.clear()
    monkeypatch.setenv(BASE_URL_ENV, server.url_for("").rstrip("/"))
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.setenv("TRADE_DASHBOARD_DATA_DIR", str(data_dir))
    fast = functools.partial(ComtradeClient, min_interval=0.05, backoff_factor=0.01,
                             backoff_jitter=0.0)  # fmt: skip
    monkeypatch.setattr(module, "ComtradeClient", fast)
    server.expect_request(REPORTERS_PATH).respond_with_json(reporters)
    server.expect_request(PARTNERS_PATH).respond_with_json(partners)
