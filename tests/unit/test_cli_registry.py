"""`targets` and `mirror` subcommands (dashboard.cli.registry), run through a parser built with
their own ``register()``, on the shipped snapshot."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from dashboard.cli.main import main
from dashboard.cli.registry import TARGET_OUTPUT_COLUMNS
from dashboard.ingest.snapshot import load_targets


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Through the console script's entry point, which registers these commands."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_targets_json_for_one_pair_either_order(capsys):
    """The $35 bn target: met in 2023 on China customs (41.0); on Kazakhstan's figures 30.1 in 2024
    is 0.86 of it, not met."""
    code, out, err = run(["targets", "--pair", "kaz-chn", "--format", "json"], capsys)
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert {r["pair"] for r in rows} == {"CHN-KAZ"}
    assert list(rows[0]) == list(TARGET_OUTPUT_COLUMNS)
    t35 = {r["basis"]: r for r in rows if r["id"] == "chn-kaz-2022-35bn-2030"}
    assert t35["CHN"]["status"] == "met" and t35["CHN"]["reached_year"] == 2023
    assert t35["KAZ"]["status"] != "met" and t35["KAZ"]["reached_year"] is None
    assert t35["KAZ"]["progress"] == pytest.approx(0.86)
    assert t35["KAZ"]["target_value_usd"] == 35_000_000_000
    double = next(r for r in rows if r["id"] == "chn-kaz-2024-double" and r["basis"] == "CHN")
    assert double["target_year"] is None and "assumed 2030" in double["note"]


def test_targets_csv_lists_every_target(capsys):
    code, out, _ = run(["targets", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == list(TARGET_OUTPUT_COLUMNS)
    assert set(df["id"]) == set(load_targets()["id"])
    assert df.loc[df["id"] == "chn-rus-2019-200bn-2024", "reached_year"].tolist() == [2023]
    assert "200000000000" in out  # whole dollars, no ".0"


def test_targets_assumed_year_changes_open_targets(capsys):
    """$100 bn with no year, from 48.7 (2025): by 2030 needs 15.5% a year (off track against 13.2%);
    by an assumed 2040, (100/48.7)^(1/15) − 1 = 4.9%: on track."""
    _, out, _ = run(["targets", "--pair", "CHN-KAZ", "--assumed-year", "2040"], capsys)
    row = next(
        r for r in json.loads(out) if r["id"] == "chn-kaz-2024-100bn" and r["basis"] == "CHN"
    )
    assert row["status"] == "on track" and "assumed 2040" in row["note"]


def test_mirror_json_gap_in_usd_and_percent(capsys):
    """2013: 28.6 − 22.53 = 6.07 bn; 6.07 / 22.53 = 0.269419 = 26.9419% of Kazakhstan's figure.
    2025: China's 48.7, no Kazakh figure, so no gap."""
    code, out, _ = run(["mirror", "--reporter", "chn", "--partner", "KAZ"], capsys)
    assert code == 0
    rows = {r["year"]: r for r in json.loads(out)}
    r = rows[2013]
    assert r["CHN_total_usd"] == 28_600_000_000 and r["KAZ_total_usd"] == 22_530_000_000
    assert r["gap_usd"] == 6_070_000_000
    assert r["gap_pct"] == pytest.approx(26.941855, rel=1e-6)
    assert rows[2025]["KAZ_total_usd"] is None and rows[2025]["gap_usd"] is None


def test_mirror_csv_reversed_reporter(capsys):
    code, out, _ = run(
        ["mirror", "--reporter", "KAZ", "--partner", "CHN", "--format", "csv"], capsys
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out)).set_index("year")
    assert list(df.columns) == ["KAZ_total_usd", "CHN_total_usd", "gap_usd", "gap_pct"]
    assert df.loc[2024, "gap_usd"] == -13_720_000_000
    assert df.loc[2024, "gap_pct"] == pytest.approx(-13.72 / 43.82 * 100)
    assert pd.isna(df.loc[2025, "gap_usd"])


@pytest.mark.parametrize(
    "argv, words",
    [
        (["mirror", "--reporter", "CHN", "--partner", "XXX"], "XXX"),
        (["mirror", "--reporter", "IND", "--partner", "USA"], "no total-trade data"),
        (["mirror", "--reporter", "CHN", "--partner", "CHN"], "two different"),
        (["targets", "--pair", "CHN-USA"], "no declared targets for CHN-USA"),
        (["targets", "--pair", "nonsense"], "CHN-KAZ"),
    ],
)
def test_unknown_pair_exits_2_with_one_line(capsys, argv, words):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and words in err


# -- the merged data (snapshot + local store), as the pages use it -------------------------------


def _store_kaz_totals(directory, values: dict[int, float]) -> None:
    """Synthetic Comtrade-style KAZ->CHN totals in a local store (test data, not real figures)."""
    from dashboard.ingest.store import LocalStore

    rows = [
        {
            "reporter": "KAZ", "partner": "CHN", "year": y, "flow": "total", "value_usd": v,
            "qualifier": "reported", "source": "UN Comtrade (synthetic test row)",
            "source_url": f"https://example.org/comtrade/{y}", "published": "2026-01-15",
            "confidence": "high", "note": "", "valuation": "", "retrieved": "2026-01-15",
        }
        for y, v in values.items()
    ]  # fmt: skip
    LocalStore(directory).upsert(pd.DataFrame(rows))


def test_mirror_reads_the_local_store_like_the_page(tmp_path, capsys):
    """Bug 3: the snapshot has no KAZ->CHN total for 2025; the store adds 30e9. The mirror page
    shows it, so `mirror --data-dir` must too: gap = 48.7e9 (CHN, snapshot) - 30e9 = 18.7e9,
    18.7/30 = 62.333% of Kazakhstan's figure."""
    store = tmp_path / "store"
    _store_kaz_totals(store, {2025: 30e9})
    code, out, err = run(
        ["mirror", "--reporter", "CHN", "--partner", "KAZ", "--data-dir", str(store)], capsys
    )
    assert code == 0, err
    row = {r["year"]: r for r in json.loads(out)}[2025]
    assert row["KAZ_total_usd"] == 30_000_000_000 and row["gap_usd"] == 18_700_000_000
    assert row["gap_pct"] == pytest.approx(100 * 18.7 / 30)


def test_targets_read_the_local_store_and_prefer(tmp_path, capsys):
    """Bug 3: the store's KAZ->CHN 2024 = 36e9 differs from the snapshot's 30.1e9. With the
    default preference the snapshot wins (progress 30.1/35 = 0.86, not met); with --prefer
    comtrade the store wins: 36 >= 35, met in 2024."""
    store = tmp_path / "store"
    _store_kaz_totals(store, {2024: 36e9})
    argv = ["targets", "--pair", "CHN-KAZ", "--data-dir", str(store)]

    def kaz_35bn(extra: list[str]) -> dict:
        code, out, err = run(argv + extra, capsys)
        assert code == 0, err
        rows = json.loads(out)
        return next(r for r in rows if r["id"] == "chn-kaz-2022-35bn-2030" and r["basis"] == "KAZ")

    assert kaz_35bn([])["progress"] == pytest.approx(0.86)
    met = kaz_35bn(["--prefer", "comtrade"])
    assert met["status"] == "met" and met["reached_year"] == 2024


def test_registry_commands_report_a_damaged_store_in_one_line(tmp_path, capsys):
    """A damaged store is the project's DataFileError: exit 1, file and line, no traceback."""
    store = tmp_path / "store"
    _store_kaz_totals(store, {2023: 30e9})
    from dashboard.ingest.store import LocalStore
    from tests.support.store_files import set_cell

    [path] = LocalStore(store).files()
    set_cell(path, 0, "year", "20x3")
    for argv in (["mirror", "--reporter", "CHN", "--partner", "KAZ"], ["targets"]):
        code, out, err = run([*argv, "--data-dir", str(store)], capsys)
        assert code == 1 and out == ""
        assert f"{path.name}: row 1: column 'year'" in err and "Traceback" not in err
