"""The registry as read on screen: one row per target, both bases side by side, in words."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analysis.targets import target_status
from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.model import Pair
from dashboard.report.registry import registry_table

CHN_KAZ = Pair("CHN", "KAZ")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    targets = load_targets()
    mine = targets[(targets["country_a"] == "CHN") & (targets["country_b"] == "KAZ")]
    status = target_status(mine, load_observations(), as_of_year=2026)
    return registry_table(status, targets, CHN_KAZ)


def test_one_row_per_target(table):
    """Ten China–Kazakhstan targets in data/targets.csv, each judged on two bases: ten rows."""
    assert len(table) == 10
    assert table["id"].is_unique


def test_both_statuses_side_by_side_in_words(table):
    """The $35 bn-by-2030 target: China customs 41.0 in 2023 ≥ 35 → met in 2023; Kazakhstan's
    30.1 (2024) < 35 with 2030 ahead → on or off track, not met."""
    row = table.set_index("id").loc["chn-kaz-2022-35bn-2030"]
    assert row["Target"] == "$35 bn by 2030 (2022)"
    assert row["On China customs (GACC)"] == "met in 2023"
    assert row["On Kazakhstan statistics (BNS)"].split(" (")[0] in ("on track", "off track")
    assert row["Announced"] == "2022"


def test_doubling_target_says_what_it_doubles(table):
    """July 2024 pledge: double 2023's $41.0 bn → $82 bn, no year given."""
    row = table.set_index("id").loc["chn-kaz-2024-double"]
    assert row["Target"] == "$82 bn: double 2023's trade, no year given (July 2024)"
    assert row["Announced"] == "July 2024"


def test_no_raw_codes_or_none_in_cells(table):
    text = table.drop(columns=["id", "Source"]).astype(str)
    for bad in ("None", "nan", "<NA>", "at_least", "approx", "chn-kaz"):
        assert not text.apply(lambda col, b=bad: col.str.contains(b, regex=False)).any().any(), bad
