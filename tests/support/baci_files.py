"""Small CEPII BACI-format files for tests: a country-codes file and yearly ``t,i,j,k,v,q`` files.

The values are random but seeded; tests compute what the store must answer from the same rows
with pandas (the ground truth), never from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

RELEASE = "V202401"
#: BACI's numeric codes for a few countries, as in its country-codes file (USA is 842 in BACI).
COUNTRIES = pd.DataFrame(
    {
        "country_code": [156, 398, 842, 276, 643, 860, 490],
        "country_name": [
            "China",
            "Kazakhstan",
            "USA",
            "Germany",
            "Russian Federation",
            "Uzbekistan",
            "Other Asia, nes",
        ],
        "country_iso2": ["CN", "KZ", "US", "DE", "RU", "UZ", ""],
        "country_iso3": ["CHN", "KAZ", "USA", "DEU", "RUS", "UZB", "S19"],
    }
)
ISO3 = dict(zip(COUNTRIES["country_code"], COUNTRIES["country_iso3"], strict=True))


def random_flows(year: int, rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """``rows`` distinct BACI flows for ``year`` among :data:`COUNTRIES` (no Germany–Uzbekistan
    trade, so that pair is absent), HS6 codes in chapters 01–97 as six-character text."""
    rng = np.random.default_rng(seed + year)
    codes = COUNTRIES["country_code"].to_numpy()
    hs6 = np.array(
        [f"{c:02d}{n:04d}" for c in (1, 2, 9, 27, 72, 84, 85, 87, 97) for n in (101, 290, 3000)]
    )
    i = rng.choice(codes, rows * 3)
    j = rng.choice(codes, rows * 3)
    k = rng.choice(hs6, rows * 3)
    df = pd.DataFrame({"t": year, "i": i, "j": j, "k": k})
    banned = {(276, 860), (860, 276)}
    df = df[(df.i != df.j) & ~df[["i", "j"]].apply(tuple, axis=1).isin(banned)]
    df = df.drop_duplicates(["i", "j", "k"]).head(rows).reset_index(drop=True)
    df["v"] = np.round(rng.lognormal(2.0, 2.0, len(df)), 3)
    df["q"] = np.round(rng.lognormal(0.0, 1.0, len(df)), 3)
    return df


def write_countries(directory: Path, frame: pd.DataFrame | None = None) -> Path:
    path = directory / f"country_codes_{RELEASE}.csv"
    (COUNTRIES if frame is None else frame).to_csv(path, index=False)
    return path


def flow_path(directory: Path, year: int) -> Path:
    return directory / f"BACI_HS17_Y{year}_{RELEASE}.csv"


def write_flows(directory: Path, flows: pd.DataFrame, year: int, na_every: int = 7) -> Path:
    """Write ``flows`` as BACI does: ``k`` with its leading zero, every ``na_every``-th ``q``
    as ``NA`` and some numbers padded with spaces."""
    out = flows.copy()
    q = out["q"].map(lambda x: f"{x:g}").astype(object)
    q[::na_every] = "NA"
    out["q"] = q
    out["v"] = out["v"].map(lambda x: f"{x:>12.3f}")
    path = flow_path(directory, year)
    out[["t", "i", "j", "k", "v", "q"]].to_csv(path, index=False)
    return path


def write_matrix(directory: Path, years: dict[int, pd.DataFrame]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    write_countries(directory)
    return [write_flows(directory, df, year) for year, df in years.items()]


def with_iso3(flows: pd.DataFrame) -> pd.DataFrame:
    """The flows with ISO3 exporter/importer and value in US dollars (pandas ground truth)."""
    out = flows.copy()
    out["exporter"] = out["i"].map(ISO3)
    out["importer"] = out["j"].map(ISO3)
    out["value_usd"] = out["v"] * 1000.0
    out["hs2"] = out["k"].str[:2]
    out["year"] = out["t"]
    return out
