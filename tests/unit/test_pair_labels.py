"""Which pairs the selector offers and how they are named: only pairs with data, alphabetical,
and a region never counts the country it is paired with."""

from __future__ import annotations

import pandas as pd

from dashboard.analysis.series import pairs_with_data
from dashboard.model import Pair, region_definition


def _obs(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"reporter": r, "partner": p, "flow": f, "year": 2024, "value_usd": 1e9}
            for r, p, f in rows
        ]
    )


def test_only_pairs_with_total_trade_figures_alphabetical_by_label():
    """Russia–India has only an export figure (no total to track), so it is left out; the rest
    sort by label: "China – Kazakhstan" < "China – Russia" < "India – ASEAN"."""
    obs = _obs(
        [
            ("IND", "XAS", "total"),
            ("RUS", "CHN", "total"),
            ("KAZ", "CHN", "total"),
            ("CHN", "KAZ", "total"),
            ("RUS", "IND", "export"),
        ]
    )
    labels = [p.label for p in pairs_with_data(obs)]
    assert labels == ["China – Kazakhstan", "China – Russia", "India – ASEAN"]


def test_region_label_leaves_out_the_country_itself():
    """Kazakhstan is one of Central Asia's five: paired with it, the region is the other four."""
    kaz = Pair("KAZ", "XCA")
    assert kaz.label == "Kazakhstan – rest of Central Asia"
    assert "KAZ" not in kaz.label
    text = region_definition(kaz)
    assert "Kyrgyzstan, Tajikistan, Turkmenistan and Uzbekistan" in text
    assert "Kazakhstan, " not in text and "and Kazakhstan" not in text


def test_region_label_for_an_outside_country_names_all_members():
    chn = Pair("CHN", "XCA")
    assert chn.label == "China – Central Asia"
    assert "Kazakhstan, Kyrgyzstan, Tajikistan, Turkmenistan and Uzbekistan" in region_definition(
        chn
    )
    assert region_definition(Pair("CHN", "KAZ")) is None
