"""Realistic UN Comtrade answers for tests: fixture-shaped records and a data-endpoint handler.

Shared by the client, CLI and page tests, which all serve these from a real local HTTP server
(pytest-httpserver). All values are synthetic test data.
"""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug import Request, Response

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
