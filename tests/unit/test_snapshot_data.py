"""The shipped China–Kazakhstan data: trade-facts.md's figures, sourced, nothing invented."""

import pandas as pd
import pytest

from dashboard.ingest.snapshot import load_observations, load_targets


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return load_observations()


def value(obs, reporter, partner, year, flow="total"):
    row = obs[
        (obs.reporter == reporter)
        & (obs.partner == partner)
        & (obs.year == year)
        & (obs.flow == flow)
    ]
    return None if row.empty else row["value_usd"].item()


def test_headline_figures(obs):
    assert value(obs, "CHN", "KAZ", 2024) == 43.82e9
    assert value(obs, "CHN", "KAZ", 2025) == 48.7e9
    assert value(obs, "CHN", "KAZ", 2025, "export") == 29.7e9
    assert value(obs, "CHN", "KAZ", 2023) == 41.0e9
    assert value(obs, "KAZ", "CHN", 2024) == 30.1e9
    assert value(obs, "KAZ", "CHN", 2013, "export") == 14.334e9


def test_unsourced_years_and_forecasts_are_absent(obs):
    # China's 2014-2016 and 2020 were never found.
    for year in (2014, 2015, 2016, 2020):
        assert value(obs, "CHN", "KAZ", year) is None
    # 2019 on China's side: the ambassador's Dec 2019 forecast ("expected > $20 bn", azernews) is
    # not stored; the row is his outturn "broke through $20 bn" of Jan 2020, a floor.
    row = obs[(obs.reporter == "CHN") & (obs.partner == "KAZ") & (obs.year == 2019)]
    assert row["qualifier"].tolist() == ["at_least"]
    assert not row["source_url"].str.contains("azernews").any()
    # Kazakhstan's 2025 was never found.
    assert value(obs, "KAZ", "CHN", 2025) is None


def test_every_row_carries_its_source(obs):
    ck = obs[obs.reporter.isin(["CHN", "KAZ"]) & obs.partner.isin(["CHN", "KAZ"])]
    assert ck["source_url"].str.startswith(("https://", "http://")).all()
    assert (ck["published"].str.len() >= 4).all()
    assert (ck["source"].str.len() > 3).all()


def test_doubling_pledge_is_in_targets():
    t = load_targets().set_index("id")
    double = t.loc["chn-kaz-2024-double"]
    assert double["announced"] == "2024-07-03"
    assert double["base_year"] == 2023 and double["base_value_usd"] == 41e9
    assert double["target_multiple"] == 2 and pd.isna(double["target_year"])
    assert double["basis"] == "CHN"
