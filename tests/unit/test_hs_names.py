"""HS chapter and section names: the bundled list, Comtrade's HS.json through a real local server,
the disk cache (fresh, stale, damaged) and the fallback, as the country codes degrade."""

from __future__ import annotations

import json
import os
import time
from datetime import date

import pytest

from dashboard.ingest.comtrade.client import ComtradeClient
from dashboard.ingest.comtrade.hs import (
    HS_PATH,
    SECTION_ORDER,
    SPECIAL_SECTION,
    bundled_hs_names,
    fetch_hs_names,
    load_hs_names,
    parse_hs_chapters,
)
from dashboard.ingest.comtrade.reference import CACHE_SUBDIR
from dashboard.ingest.errors import SourceInterrupted


def _entry(code: str, text: str, parent: str, level: int) -> dict:
    return {"id": code, "text": f"{code} - {text}", "parent": parent, "isLeaf": int(level == 6),
            "aggrLevel": level}  # fmt: skip


#: The shape of Comtrade's HS.json (every level; chapters are the two-digit ids). Synthetic
#: names for 84/85 so a test can tell live names from bundled ones.
HS_PAYLOAD = {
    "more": False,
    "results": [
        _entry("TOTAL", "All Commodities", "#", 0),
        _entry("01", "Animals; live", "TOTAL", 2),
        _entry("0101", "Horses, asses, mules", "01", 4),
        _entry("010121", "Horses; pure-bred", "0101", 6),
        _entry("84", "Live name for machinery", "TOTAL", 2),
        _entry("85", "Live name for electrical", "TOTAL", 2),
    ],
}


@pytest.fixture
def server(_shared_server):
    _shared_server.clear()
    yield _shared_server
    _shared_server.clear()


def client(server) -> ComtradeClient:
    return ComtradeClient(
        server.url_for("/").rstrip("/"),
        api_key="",
        min_interval=0.0,
        backoff_jitter=0.0,
        max_tries=1,
        sleep=lambda s: None,
        timeout=(2.0, 2.0),
        today=lambda: date(2026, 12, 1),
    )


def test_bundled_list_has_every_chapter_and_section():
    names = bundled_hs_names()
    expected = {f"{n:02d}" for n in range(1, 100)}
    assert set(names.chapters) == expected  # 96 in use + 77 reserved + 98 + 99
    assert "Reserved" in names.chapters["77"]
    assert "confidential" in names.chapters["99"]
    assert set(names.sections) == set(SECTION_ORDER) and len(names.sections) == 21
    # Every chapter except the national ones belongs to a section, in HS's contiguous blocks.
    assert {c for c in expected if c not in names.section_of} == {"98", "99"}
    assert names.section_for("99") == SPECIAL_SECTION
    assert names.section_for("84") == names.section_for("85") == "XVI"
    assert names.section_for("27") == "V" and names.section_for("77") == "XV"
    order = [SECTION_ORDER.index(names.section_of[f"{n:02d}"]) for n in range(1, 98)]
    assert order == sorted(order)


def test_bundled_file_names_its_sources():
    from dashboard.ingest.comtrade.hs import HS_FALLBACK_PATH

    data = json.loads(HS_FALLBACK_PATH.read_text(encoding="utf-8"))
    assert "comtradeapi.un.org/files/v1/app/reference/HS.json" in data["_about"]
    assert "github.com/datasets/harmonized-system" in data["_source"]["chapters_and_sections"]
    assert "wcoomd.org" in data["_source"]["chapters_98_99"]


def test_labels():
    names = bundled_hs_names()
    assert names.chapter_short("85").startswith("85 Electrical machinery")
    assert ";" not in names.chapter_short("85") and len(names.chapter_short("85")) <= 52
    assert "confidential" in names.chapter_short("99")
    assert names.section_label("XVI") == "XVI Machinery and electrical equipment"
    assert "confidential" in names.section_label(SPECIAL_SECTION)
    assert "no name" in names.chapter_name("00")


def test_parse_hs_chapters_keeps_two_digit_ids_and_strips_the_prefix():
    assert parse_hs_chapters(HS_PAYLOAD) == {
        "01": "Animals; live",
        "84": "Live name for machinery",
        "85": "Live name for electrical",
    }
    with pytest.raises(ValueError, match="'results' list"):
        parse_hs_chapters({"data": []})
    with pytest.raises(ValueError, match="no two-digit chapters"):
        parse_hs_chapters({"results": [{"id": "TOTAL", "text": "All"}]})


def test_fetch_uses_live_names_caches_only_chapters_then_reads_the_cache(server, tmp_path):
    server.expect_request(HS_PATH).respond_with_json(HS_PAYLOAD)
    names = fetch_hs_names(client(server).get_json, tmp_path)
    assert names.source == "live" and names.warnings == ()
    assert names.chapters["84"] == "Live name for machinery"
    assert names.chapters["77"].startswith("Reserved")  # absent live: bundled name kept
    assert names.section_for("84") == "XVI"  # sections always bundled
    cached = json.loads((tmp_path / CACHE_SUBDIR / "HS.json").read_text())
    assert {e["id"] for e in cached["results"]} == {"01", "84", "85"}  # no HS4/HS6 rows

    # The page never goes to the network: it reads the cache a fetch left behind.
    server.clear()
    offline = load_hs_names(tmp_path)
    assert offline.source == "cache" and offline.chapters["85"] == "Live name for electrical"
    assert len(server.log) == 0
    again = fetch_hs_names(client(server).get_json, tmp_path)  # fresh cache: no request
    assert again.source == "cache" and len(server.log) == 0


def test_list_down_uses_stale_cache_then_bundled(server, tmp_path):
    server.expect_request(HS_PATH).respond_with_data("gone", status=404)
    names = fetch_hs_names(client(server).get_json, tmp_path)
    assert names.source == "bundled"
    assert names.chapters == bundled_hs_names().chapters
    assert any("bundled HS chapter names" in w for w in names.warnings)

    cache = tmp_path / CACHE_SUBDIR
    cache.mkdir(exist_ok=True)
    (cache / "HS.json").write_text(json.dumps(HS_PAYLOAD))
    old = time.time() - 90 * 86400
    os.utime(cache / "HS.json", (old, old))
    stale = fetch_hs_names(client(server).get_json, tmp_path)
    assert stale.source == "stale cache" and stale.chapters["84"] == "Live name for machinery"
    assert any("older cached copy" in w for w in stale.warnings)


def test_damaged_cache_is_not_trusted(tmp_path):
    cache = tmp_path / CACHE_SUBDIR
    cache.mkdir()
    (cache / "HS.json").write_text('{"results": [{"id": "84", "te')  # cut mid-write
    assert load_hs_names(tmp_path).source == "bundled"


def test_cancel_is_not_a_reason_to_fall_back(tmp_path):
    def cancelled(path):
        raise SourceInterrupted("cancelled")

    with pytest.raises(SourceInterrupted):
        fetch_hs_names(cancelled, tmp_path)
