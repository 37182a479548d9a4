"""The December 2026 additions and corrections to the shipped China–Kazakhstan data.

Every expected value, URL, date, qualifier and confidence below is copied by hand from
``/work/shared/reference/trade-facts-2026-12.md`` (the project's reference sheet), never from
``data/trade_series.csv``, so a typo in either shows up here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.ingest.snapshot import load_observations


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return load_observations()


def _row(obs: pd.DataFrame, reporter: str, year: int, flow: str = "total") -> pd.Series | None:
    partner = "KAZ" if reporter == "CHN" else "CHN"
    hit = obs[
        (obs.reporter == reporter)
        & (obs.partner == partner)
        & (obs.year == year)
        & (obs.flow == flow)
    ]
    return None if hit.empty else hit.iloc[0]


#: (reporter, year, flow, value_usd, qualifier, source_url, published, confidence):
#: "New rows" table of trade-facts-2026-12.md. Rows marked "same" there take the row above's.
NEW_ROWS = [
    (
        "CHN", 2019, "total", 20_000_000_000, "at_least",
        "https://overseaschinese.com/portal.php?aid=311555&mod=view", "2020-01-11", "medium",
    ),
    (
        "CHN", 2011, "total", 25_000_000_000, "reported",
        "http://www.globaltimes.cn/content/728943.shtml", "2012-08-24", "low",
    ),
    (
        "KAZ", 2023, "total", 31_400_000_000, "reported",
        "https://en.trend.az/casia/kazakhstan/3879898.html", "2024-04-01", "medium",
    ),
    (
        "KAZ", 2023, "export", 14_700_000_000, "reported",
        "https://en.trend.az/casia/kazakhstan/3879898.html", "2024-04-01", "medium",
    ),
    (
        "KAZ", 2018, "total", 11_700_000_000, "reported",
        "https://en.trend.az/business/economy/3094691.html", "2019-07-23", "medium",
    ),
    (
        "KAZ", 2017, "total", 11_000_000_000, "approx",
        "https://www.inform.kz/en/nursultan-nazarbayev-invites-xi-jinping-for-official-visit-to-kazakhstan_a3280168",
        "2018-06", "medium",
    ),
    (
        "KAZ", 2014, "total", 17_200_000_000, "reported",
        "https://capital.ua/ru/publication/57310-kazakhstan-stanovitsya-chempionom-po-druzhbe-s-kitaem",
        "2015", "low",
    ),
]  # fmt: skip

#: "Better sources for rows already shipped": (reporter, year, flow, value_usd, qualifier,
#: source_url, published, confidence, text of the replaced source that the note must keep).
#: Where the sheet gives no new qualifier or confidence the shipped one stays (CHN 2013
#: reported/medium, KAZ 2024 import reported/medium).
BETTER_SOURCES = [
    (
        "CHN", 1992, "total", 368_000_000, "reported",
        "http://news.cn/world/2022-09/13/c_1128999762.htm", "2022-09-13", "high",
        "hasakesitana.com",
    ),
    (
        "CHN", 2021, "total", 25_250_000_000, "reported",
        "http://news.cn/world/2022-09/13/c_1128999762.htm", "2022-09-13", "high",
        "about $25 bn",
    ),
    (
        "CHN", 2013, "total", 28_600_000_000, "reported",
        "http://kz.chineseembassy.org/dszc/201412/t20141217_1276288.htm", "2014-12-17", "medium",
        "28.5",
    ),
    (
        "KAZ", 2024, "import", 15_300_000_000, "reported",
        "https://cn.inform.kz/news/jinzhongguoyubing-929d41/", "2025-12-05", "medium",
        "en.ckhq.net",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "reporter, year, flow, value, qualifier, url, published, confidence", NEW_ROWS
)
def test_new_rows_match_the_reference(
    obs, reporter, year, flow, value, qualifier, url, published, confidence
):
    row = _row(obs, reporter, year, flow)
    assert row is not None, f"{reporter} {year} {flow} missing"
    assert row["value_usd"] == value
    assert (row["qualifier"], row["source_url"], row["published"], row["confidence"]) == (
        qualifier,
        url,
        published,
        confidence,
    )


@pytest.mark.parametrize(
    "reporter, year, flow, value, qualifier, url, published, confidence, previous",
    BETTER_SOURCES,
)
def test_better_sources_replace_the_old_and_keep_it_in_the_note(
    obs, reporter, year, flow, value, qualifier, url, published, confidence, previous
):
    row = _row(obs, reporter, year, flow)
    assert row is not None
    assert row["value_usd"] == value
    assert (row["qualifier"], row["source_url"], row["published"], row["confidence"]) == (
        qualifier,
        url,
        published,
        confidence,
    )
    assert previous in row["note"], "the replaced source or figure must stay in the note"


def test_chn_2023_mentions_xinhua_figure_without_citing_the_mirror(obs):
    """410.2亿美元 is noted; the row still cites its shipped source and value (41.0)."""
    row = _row(obs, "CHN", 2023)
    assert row["value_usd"] == 41_000_000_000
    assert (
        row["source_url"]
        == "https://wenewsenglish.pk/china-central-asia-trade-hits-89-4-billion-in-2023"
    )
    assert "410.2" in row["note"]


def test_corrected_notes(obs):
    kaz_2021 = _row(obs, "KAZ", 2021)["note"]
    assert "January–November 2021" in kaz_2021 and "probably a preliminary" not in kaz_2021
    kaz_2023 = _row(obs, "KAZ", 2023)["note"]
    assert "Xinjiang" in kaz_2023
    kaz_2009 = _row(obs, "KAZ", 2009)["note"]
    assert "16.49" in kaz_2009 and "https://en.trend.az/business/energy/1804551.html" in kaz_2009
    assert "label may be wrong" not in _row(obs, "KAZ", 2010)["note"]


def test_years_still_without_a_sourced_figure_stay_missing(obs):
    """The sheet's closing list: CHN 1993–2007, 2009, 2012, 2014–2016, 2020; KAZ 1992–2008,
    2011, 2015, 2016, 2025 (no total, export or import row for any of them)."""
    missing = {
        "CHN": [*range(1993, 2008), 2009, 2012, 2014, 2015, 2016, 2020],
        "KAZ": [*range(1992, 2009), 2011, 2015, 2016, 2025],
    }
    for reporter, years in missing.items():
        for year in years:
            for flow in ("total", "export", "import"):
                assert _row(obs, reporter, year, flow) is None, (reporter, year, flow)
