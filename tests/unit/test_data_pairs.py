"""The pairs added beyond China–Kazakhstan: values as the reference sheet gives them, provenance on
every row, and the figures that must NOT be stored (other currencies, fiscal years)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.ingest.snapshot import load_observations, load_targets
from dashboard.model import REGION_CODES

BN = 1e9

#: Reference sheet values in $ bn: §4 (GACC per country and the China–Central Asia aggregate) and
#: §6 (China–Russia, ASEAN–India).
EXPECTED = {
    ("CHN", "KGZ", 2024, "total"): 22.71,
    ("CHN", "UZB", 2024, "total"): 13.78,
    ("CHN", "TKM", 2024, "total"): 10.65,
    ("CHN", "TJK", 2024, "total"): 3.86,
    ("CHN", "KGZ", 2025, "total"): 27.2,
    ("CHN", "UZB", 2025, "total"): 16.2,
    ("CHN", "TKM", 2025, "total"): 10.0,
    ("CHN", "TJK", 2025, "total"): 4.3,
    ("CHN", "KGZ", 2025, "export"): 22.0,
    ("CHN", "KGZ", 2025, "import"): 5.2,
    ("CHN", "XCA", 2021, "total"): 49.5,
    ("CHN", "XCA", 2022, "total"): 70.2,
    ("CHN", "XCA", 2023, "total"): 89.4,
    ("CHN", "XCA", 2023, "export"): 61.4,
    ("CHN", "XCA", 2023, "import"): 28.0,
    ("CHN", "XCA", 2024, "total"): 94.82,
    ("CHN", "XCA", 2025, "total"): 106.3,
    ("CHN", "XCA", 2025, "export"): 71.2,
    ("CHN", "XCA", 2025, "import"): 35.1,
    ("CHN", "RUS", 2022, "total"): 185.0,
    ("CHN", "RUS", 2023, "total"): 240.11,
    ("CHN", "RUS", 2023, "export"): 110.97,
    ("CHN", "RUS", 2023, "import"): 129.14,
    ("CHN", "RUS", 2024, "total"): 244.8,
    ("CHN", "RUS", 2025, "total"): 228.1,
    ("IND", "XAS", 2012, "total"): 80.0,
    ("IND", "XAS", 2013, "total"): 76.0,
}
NEW_PARTNERS = {"KGZ", "UZB", "TKM", "TJK", "XCA", "RUS", "XAS"}


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return load_observations()


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_targets().set_index("id")


def _value(obs: pd.DataFrame, key: tuple) -> float:
    r, p, y, f = key
    rows = obs[
        (obs["reporter"] == r) & (obs["partner"] == p) & (obs["year"] == y) & (obs["flow"] == f)
    ]
    assert len(rows) == 1, key
    return float(rows["value_usd"].iloc[0])


def test_values_as_in_the_reference(obs):
    for key, bn in EXPECTED.items():
        assert _value(obs, key) == round(bn * BN), key  # whole dollars: exact
    new = obs[obs["partner"].isin(NEW_PARTNERS)]
    assert len(new) == len(EXPECTED)  # nothing stored beyond the reference's figures


def test_splits_and_country_figures_add_up(obs):
    """KGZ 2025: 22 + 5.2 = 27.2. China–Central Asia 2023: 61.4 + 28.0 = 89.4; 2025: 71.2 + 35.1
    = 106.3. China–Russia 2023: 110.97 + 129.14 = 240.11. GACC 2024 per country: 43.82 (KAZ) +
    22.71 + 13.78 + 10.65 + 3.86 = 94.82, the Central Asia total."""
    for r, p, y in (
        ("CHN", "KGZ", 2025),
        ("CHN", "XCA", 2023),
        ("CHN", "XCA", 2025),
        ("CHN", "RUS", 2023),
    ):
        parts = _value(obs, (r, p, y, "export")) + _value(obs, (r, p, y, "import"))
        assert parts == pytest.approx(_value(obs, (r, p, y, "total")), abs=1), (p, y)
    countries = sum(
        _value(obs, ("CHN", c, 2024, "total")) for c in ("KAZ", "KGZ", "UZB", "TKM", "TJK")
    )
    assert countries == pytest.approx(_value(obs, ("CHN", "XCA", 2024, "total")), abs=1)


def test_floors_and_low_confidence_flagged(obs):
    def row(key):
        r, p, y, f = key
        return obs[
            (obs["reporter"] == r) & (obs["partner"] == p) & (obs["year"] == y) & (obs["flow"] == f)
        ].iloc[0]

    assert row(("CHN", "XCA", 2021, "total"))["qualifier"] == "at_least"  # "slightly above"
    rus = row(("CHN", "RUS", 2022, "total"))
    assert rus["qualifier"] == "at_least" and rus["confidence"] == "low"  # "over $185 bn"
    assert (obs.loc[obs["partner"] == "XAS", "confidence"] == "low").all()


def test_not_stored_other_currencies_and_years_without_a_usd_figure(obs):
    """2013 China–Central Asia is known only in yuan (CNY 312.04 bn): no row. No India–US, India–
    Russia, India–UAE or India–UK observations (fiscal years, pounds, or no date)."""
    xca = obs[(obs["reporter"] == "CHN") & (obs["partner"] == "XCA")]
    assert 2013 not in set(xca["year"])
    india = obs[
        (obs["reporter"].isin(["IND", "USA", "RUS", "ARE", "GBR"]))
        & (obs["partner"].isin(["IND", "USA", "ARE", "GBR"]))
    ]
    assert india.empty


def test_provenance_on_every_new_row(obs):
    new = obs[obs["partner"].isin(NEW_PARTNERS)]
    assert new["source_url"].str.startswith("https://").all()
    published_year = new["published"].str[:4].astype(int)
    # A figure cannot be published before the year it describes.
    assert (new["year"] <= published_year).all()
    assert (new["note"].str.len() > 0).all()


def test_region_codes_are_project_defined(obs, targets):
    used = set(obs["partner"]) | set(targets["country_a"]) | set(targets["country_b"])
    assert {"XCA", "XAS"} <= used
    assert {c for c in used if c.startswith("X")} <= set(REGION_CODES)


def test_targets_added(targets):
    """Reference §6: every dated target, in US dollars."""
    expected = {
        "chn-rus-2019-200bn-2024": ("CHN", "RUS", 200, 2024),
        "chn-rus-2022-250bn-2024": ("CHN", "RUS", 250, 2024),
        "ind-usa-2025-500bn-2030": ("IND", "USA", 500, 2030),
        "ind-rus-2024-100bn-2030": ("IND", "RUS", 100, 2030),
        "ind-are-2023-100bn-nonoil-2030": ("IND", "ARE", 100, 2030),
        "ind-gbr-2025-120bn-2030": ("IND", "GBR", 120, 2030),
        "chn-uzb-2023-20bn-2028": ("CHN", "UZB", 20, 2028),
        "chn-xca-2023-100bn-2030": ("CHN", "XCA", 100, 2030),
        "kaz-xca-2023-15bn": ("KAZ", "XCA", 15, None),
        "xas-ind-2012-100bn-2015": ("XAS", "IND", 100, 2015),
        "xas-ind-2015-200bn-2022": ("XAS", "IND", 200, 2022),
    }
    for id_, (a, b, bn, year) in expected.items():
        t = targets.loc[id_]
        assert (t["country_a"], t["country_b"]) == (a, b), id_
        assert t["target_value_usd"] == bn * BN, id_
        assert pd.isna(t["target_year"]) if year is None else t["target_year"] == year, id_
        assert t["source_url"].startswith("https://"), id_


def test_target_wording_kept(targets):
    assert targets.loc["ind-are-2023-100bn-nonoil-2030", "scope"] == "non-oil goods"
    uzb = targets.loc["chn-uzb-2023-20bn-2028"]
    assert "next five years" in uzb["target_year_note"] and uzb["announced"] == "2023-10-17"
    assert "Kazakh proposal" in targets.loc["chn-xca-2023-100bn-2030", "note"]
    assert "£25.5 bn" in targets.loc["ind-gbr-2025-120bn-2030", "note"]
    assert "not stored as US dollars" in targets.loc["ind-gbr-2025-120bn-2030", "note"]
    kaz = targets.loc["kaz-xca-2023-15bn"]
    assert kaz["basis"] == "" and "no year given" in kaz["target_year_note"]


def test_targets_announced_no_later_than_published(targets):
    new = targets[~targets.index.str.startswith("chn-kaz-")]
    assert (new["announced"].str[:4].astype(int) <= new["published"].str[:4].astype(int)).all()
