"""CEPII BACI import and queries, against generated BACI files and a real local store.

Ground truths are computed in each test with pandas from the rows written to the files; bad
files must leave every store file byte-identical (hashed before and after).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard.cli.main import main
from dashboard.ingest import baci
from dashboard.ingest.store import LocalStore
from dashboard.model import PRODUCT_COLUMNS, DataFileError, Pair
from tests.support.baci_files import (
    flow_path,
    random_flows,
    with_iso3,
    write_countries,
    write_flows,
    write_matrix,
)

YEARS = (2021, 2022)


@pytest.fixture
def matrix(tmp_path: Path) -> dict[int, pd.DataFrame]:
    years = {y: random_flows(y, 400) for y in YEARS}
    write_matrix(tmp_path / "baci", years)
    return years


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def _digest(directory: Path) -> dict[str, str]:
    if not directory.exists():
        return {}
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "store.lock"
    }


def _truth_series(years: dict[int, pd.DataFrame], a: str, b: str) -> pd.DataFrame:
    flows = with_iso3(pd.concat(years.values()))
    out = flows[(flows.exporter == a) & (flows.importer == b)].groupby("year")["value_usd"].sum()
    back = flows[(flows.exporter == b) & (flows.importer == a)].groupby("year")["value_usd"].sum()
    return pd.DataFrame({"export": out, "import": back}).assign(
        total=lambda d: d["export"].fillna(0) + d["import"].fillna(0)
    )


def test_series_equals_pandas_ground_truth(tmp_path, matrix, store):
    summary = baci.import_baci(store, [tmp_path / "baci"])
    assert summary.years == YEARS
    assert summary.rows == sum(len(df) for df in matrix.values())
    truth = _truth_series(matrix, "CHN", "KAZ")
    result = baci.pair_observations(store, "CHN", "KAZ")
    assert result.message == ""
    got = result.frame.pivot(index="year", columns="flow", values="value_usd")
    pd.testing.assert_series_equal(
        got["total"], truth["total"], check_names=False, check_index_type=False, rtol=1e-12
    )
    pd.testing.assert_series_equal(
        got["export"], truth["export"], check_names=False, check_index_type=False, rtol=1e-12
    )
    frame = result.frame
    assert set(frame["origin"]) == {"baci"} and set(frame["source"]) == {"CEPII BACI"}
    assert set(frame["valuation"]) == {"FOB"} and set(frame["published"]) == {"2024-01"}
    assert frame["note"].str.contains("reconciles").all()
    assert frame["source_url"].str.startswith("https://www.cepii.fr/").all()


def test_flows_are_sorted_and_stored_in_us_dollars(tmp_path, matrix, store):
    baci.import_baci(store, [tmp_path / "baci"])
    files = sorted((store.directory / baci.FLOWS_TABLE).rglob("*.parquet"))
    assert len(files) == len(YEARS)
    for path in files:
        table = pq.read_table(path).to_pandas()
        keys = list(zip(table.exporter, table.importer, table.hs6, strict=True))
        assert keys == sorted(keys)
        assert table["hs6"].str.fullmatch(r"\d{6}").all()
    stored = store.query(
        f"SELECT sum(value_usd) AS v, count(*) AS n FROM {baci.FLOWS_TABLE} WHERE hs6 LIKE '0%'"
    )
    flows = with_iso3(pd.concat(matrix.values()))
    zero = flows[flows.k.str.startswith("0")]
    assert int(stored["n"].iloc[0]) == len(zero) > 0  # leading zeros survived
    assert stored["v"].iloc[0] == pytest.approx(zero["value_usd"].sum(), rel=1e-12)


def test_composition_equals_pandas_ground_truth(tmp_path, matrix, store):
    baci.import_baci(store, [tmp_path / "baci"])
    result = baci.pair_composition(store, "KAZ", "CHN", 2022)
    frame = result.frame
    assert list(frame.columns) == list(PRODUCT_COLUMNS)
    flows = with_iso3(matrix[2022])
    out = (
        flows[(flows.exporter == "KAZ") & (flows.importer == "CHN")]
        .groupby("hs2")["value_usd"]
        .sum()
    )
    back = (
        flows[(flows.exporter == "CHN") & (flows.importer == "KAZ")]
        .groupby("hs2")["value_usd"]
        .sum()
    )
    for flow, truth in (("export", out), ("import", back)):
        got = frame[frame.flow == flow].set_index("code")["value_usd"].sort_index()
        pd.testing.assert_series_equal(got, truth.sort_index(), check_names=False, rtol=1e-12)
    assert set(frame["classification"]) == {"H5"}
    # Chapters add up to the series' figures: nothing is "not allocated".
    series = baci.pair_observations(store, "KAZ", "CHN").frame
    export_2022 = series[(series.year == 2022) & (series.flow == "export")]["value_usd"].iloc[0]
    assert frame[frame.flow == "export"]["value_usd"].sum() == pytest.approx(export_2022)


def test_absent_pair_and_year_give_a_message_not_an_error(tmp_path, matrix, store):
    empty = baci.pair_observations(store, "CHN", "KAZ")
    assert empty.empty and "import-baci" in empty.message
    baci.import_baci(store, [tmp_path / "baci"])
    absent = baci.pair_observations(store, "DEU", "UZB")
    assert absent.empty and "Germany" in absent.message and "Uzbekistan" in absent.message
    assert list(absent.frame.columns) == list(baci.OBSERVATION_FRAME_COLUMNS)
    year = baci.pair_composition(store, "CHN", "KAZ", 1999)
    assert year.empty and "no 1999" in year.message
    pairs = baci.baci_pairs(store)
    assert Pair("CHN", "KAZ") in pairs and Pair("DEU", "UZB") not in pairs
    assert all("S19" not in (p.a, p.b) for p in pairs)  # BACI-only codes are not offered


def test_reimport_replaces_a_year(tmp_path, matrix, store):
    baci.import_baci(store, [tmp_path / "baci"])
    before = baci.pair_observations(store, "CHN", "KAZ").frame
    baci.import_baci(store, [tmp_path / "baci"])  # same files again: same answers
    pd.testing.assert_frame_equal(baci.pair_observations(store, "CHN", "KAZ").frame, before)
    # A revised 2022 replaces the stored one; 2021 stays.
    revised = matrix[2022].copy()
    revised["v"] = revised["v"] * 2
    newer = tmp_path / "newer"
    newer.mkdir()
    write_countries(newer)
    write_flows(newer, revised, 2022)
    baci.import_baci(store, [newer])
    after = baci.pair_observations(store, "CHN", "KAZ").frame.set_index(["year", "flow"])
    old = before.set_index(["year", "flow"])["value_usd"]
    assert after.loc[(2021, "total"), "value_usd"] == old[(2021, "total")]
    assert after.loc[(2022, "total"), "value_usd"] == pytest.approx(2 * old[(2022, "total")])
    n = store.query(f"SELECT count(*) AS n FROM {baci.FLOWS_TABLE}")["n"].iloc[0]
    assert n == len(matrix[2021]) + len(revised)


def _broken(tmp_path: Path, mutate) -> Path:
    d = tmp_path / "broken"
    d.mkdir()
    write_countries(d)
    write_flows(d, random_flows(2023, 50), 2023)
    path = flow_path(d, 2023)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(mutate(lines)) + "\n")
    return d


@pytest.mark.parametrize(
    ("mutate", "line", "words"),
    [
        (lambda ls: [ls[0].replace(",v,", ",value,"), *ls[1:]], 1, "missing column(s) v"),
        (
            lambda ls: [*ls[:5], "2023,156,999,010101,1.0,1.0", *ls[5:]],
            6,
            "999 is not in the country-codes file",
        ),
        (lambda ls: [*ls[:3], "2023,156,398,010101,abc,1.0", *ls[3:]], 4, "'abc' is not a number"),
        (lambda ls: [*ls[:3], "2023,156,398,010101,-5.0,1.0", *ls[3:]], 4, "negative"),
        (lambda ls: [*ls[:3], "2023,156,398,0101,5.0,1.0", *ls[3:]], 4, "six-character HS code"),
        (lambda ls: [*ls[:3], "2023,156,398,010101,5.0", *ls[3:]], 4, "5 fields, the header has 6"),
        (lambda ls: [*ls, ls[1]], 52, "also on line 2"),
    ],
)
def test_bad_files_are_refused_and_the_store_is_byte_identical(
    tmp_path, matrix, store, mutate, line, words
):
    baci.import_baci(store, [tmp_path / "baci"])
    before = _digest(store.directory)
    bad = _broken(tmp_path, mutate)
    # The good directory and the bad file together: nothing at all may be written.
    with pytest.raises(DataFileError) as err:
        baci.import_baci(store, [tmp_path / "baci" / "BACI_HS17_Y2021_V202401.csv", bad])
    message = str(err.value)
    assert f"BACI_HS17_Y2023_V202401.csv, line {line}:" in message or (
        line == 1 and "line 1" in message
    ), message
    assert words in message
    assert _digest(store.directory) == before


def test_two_country_files_or_none_are_refused(tmp_path, store):
    d = tmp_path / "only"
    d.mkdir()
    write_flows(d, random_flows(2023, 20), 2023)
    with pytest.raises(DataFileError, match="country-codes file"):
        baci.import_baci(store, [d])
    assert _digest(store.directory) == {}


def test_old_country_layout_and_zip_are_read(tmp_path, matrix, store):
    d = tmp_path / "baci"
    old = pd.read_csv(d / "country_codes_V202401.csv", keep_default_na=False).rename(
        columns={
            "country_name": "country_name_abbreviation",
            "country_iso2": "iso_2digit_alpha",
            "country_iso3": "iso_3digit_alpha",
        }
    )
    archive = tmp_path / "BACI_HS17_V202401.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("country_codes_V202401.csv", old.to_csv(index=False))
        for year in YEARS:
            zf.write(flow_path(d, year), flow_path(d, year).name)
        zf.writestr("Readme.txt", "not a csv")
    summary = baci.import_baci(store, [archive])
    assert summary.years == YEARS
    truth = _truth_series(matrix, "CHN", "USA")["total"]
    got = baci.pair_observations(store, "CHN", "USA").frame
    got = got[got.flow == "total"].set_index("year")["value_usd"]
    np.testing.assert_allclose(got.to_numpy(), truth.to_numpy(), rtol=1e-12)


def test_five_digit_codes_get_their_leading_zero_back(tmp_path, store):
    d = tmp_path / "excel"
    d.mkdir()
    write_countries(d)
    flow_path(d, 2023).write_text(
        "t,i,j,k,v,q\n2023,156,398,10121,1.5,NA\n2023,156,398,851712,2,\n"
    )
    baci.import_baci(store, [d])
    comp = baci.pair_composition(store, "CHN", "KAZ", 2023).frame
    assert sorted(comp["code"]) == ["01", "85"]
    assert store.query(f"SELECT hs6 FROM {baci.FLOWS_TABLE} ORDER BY hs6")["hs6"].tolist() == [
        "010121",
        "851712",
    ]


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_import_and_series_print_the_page_numbers(tmp_path, matrix):
    store_dir = tmp_path / "cli-store"
    code, out, err = _cli("import-baci", str(tmp_path / "baci"), "--data-dir", str(store_dir))
    assert code == 0, err
    assert "Imported 800 CEPII BACI flows for 2 year(s) (2021, 2022)" in out
    code, out, err = _cli(
        "series",
        "--source",
        "baci",
        "--reporter",
        "CHN",
        "--partner",
        "KAZ",
        "--data-dir",
        str(store_dir),
        "--format",
        "json",
    )
    assert code == 0, err
    printed = pd.DataFrame(json.loads(out))
    page = baci.pair_observations(LocalStore(store_dir), "CHN", "KAZ").frame
    assert printed["value_usd"].tolist() == page["value_usd"].tolist()
    assert printed["year"].tolist() == page["year"].tolist()
    assert set(printed["origin"]) == {"baci"}
    # An absent pair: exit 0, no rows, the reason on stderr.
    code, out, err = _cli(
        "series",
        "--source",
        "baci",
        "--reporter",
        "DEU",
        "--partner",
        "UZB",
        "--data-dir",
        str(store_dir),
    )
    assert code == 0 and "records no trade" in err
    assert out.strip().count("\n") == 0  # the header only


def test_cli_bad_file_exits_1_and_leaves_the_store(tmp_path, matrix):
    store_dir = tmp_path / "cli-store"
    assert _cli("import-baci", str(tmp_path / "baci"), "--data-dir", str(store_dir))[0] == 0
    before = _digest(store_dir)
    bad = _broken(tmp_path, lambda ls: [*ls[:3], "2023,156,398,010101,-5.0,1.0", *ls[3:]])
    code, _out, err = _cli("import-baci", str(bad), "--data-dir", str(store_dir))
    assert code == 1
    assert "line 4" in err and "negative" in err and "unchanged" in err
    assert _digest(store_dir) == before


def test_cli_products_from_baci_equal_the_matrix_and_leave_nothing_unallocated(
    tmp_path, matrix, capsys
):
    """`products --source baci` for KAZ–CHN in 2022: each chapter's export value is the sum of
    the generated HS6 flows KAZ → CHN in that chapter (pandas, below), and the chapters are the
    whole total (BACI's totals are its flows' sums), so no "not allocated" row is printed."""
    from dashboard.analysis.composition import NOT_ALLOCATED
    from dashboard.cli.main import main

    store_dir = tmp_path / "cli-store"
    assert _cli("import-baci", str(tmp_path / "baci"), "--data-dir", str(store_dir))[0] == 0
    capsys.readouterr()
    argv = ["products", "--source", "baci", "--reporter", "KAZ", "--partner", "CHN",
            "--year", "2022", "--format", "json", "--data-dir", str(store_dir)]  # fmt: skip
    assert main(argv) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["rows"] if r["direction"] == "export"]
    flows = with_iso3(matrix[2022])
    truth = (
        flows[(flows.exporter == "KAZ") & (flows.importer == "CHN")]
        .groupby("hs2")["value_usd"]
        .sum()
    )
    printed = {r["code"]: r["value_usd"] for r in rows}
    assert NOT_ALLOCATED not in printed
    assert printed == pytest.approx(truth.to_dict(), rel=1e-12)


def test_an_import_is_one_manifest_swap_for_its_three_tables(tmp_path, matrix, store):
    """Flows, pair-chapter and pair-total tables arrive together: the store's version moves by
    exactly one per import, so no reader or crash can see the tables disagree."""
    import json

    baci.import_baci(store, [tmp_path / "baci"])
    manifest = json.loads((store.directory / "manifest.json").read_text())
    assert manifest["version"] == 1
    assert {"baci_flows", "baci_pair_hs2", "baci_pair_totals"} <= set(store.tables())
    baci.import_baci(store, [tmp_path / "baci"])
    assert json.loads((store.directory / "manifest.json").read_text())["version"] == 2


def test_a_baci_year_says_its_total_is_its_chapters_sum(tmp_path, matrix, store):
    """BACI has no separate reported total: the products page must not say "No reported total"
    (as for a fetched year without one) but that the chapters are the whole total; the amount is
    the pandas sum of KAZ -> CHN flows in 2022."""
    from dashboard.ingest.comtrade.hs import bundled_hs_names
    from dashboard.report.composition import build_view, residual_sentence

    baci.import_baci(store, [tmp_path / "baci"])
    rows = baci.pair_composition(store, "KAZ", "CHN").frame
    view = build_view(rows, None, "KAZ", "CHN", origin="baci", level="chapter",
                      names=bundled_hs_names())  # fmt: skip
    text = residual_sentence(view, 2022, "export")
    assert text.startswith("CEPII BACI's total for 2022 is the sum of its chapters (")
    assert "nothing is unallocated" in text
    flows = with_iso3(matrix[2022])
    total = flows[(flows.exporter == "KAZ") & (flows.importer == "CHN")]["value_usd"].sum()
    assert view.comp.query("year == 2022 and flow == 'export'")["value_usd"].sum() == (
        pytest.approx(total)
    )
