"""``trade-dashboard products`` prints the page's table; the composition charts carry the data."""

from __future__ import annotations

import io
import json
import os

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.analysis.composition import NOT_ALLOCATED
from dashboard.charts.composition import contribution_figure, over_time_figure, top_figure
from dashboard.cli.main import main
from dashboard.ingest.comtrade.hs import bundled_hs_names
from dashboard.ingest.snapshot import load_observations
from dashboard.report.composition import (
    build_view,
    contributions_table,
    over_time_table,
    products_table,
    top_table,
)
from tests.support.products import chn_kaz_rows, write_products


@pytest.fixture
def store_dir(monkeypatch) -> str:
    directory = os.environ["TRADE_DASHBOARD_DATA_DIR"]
    write_products(directory, chn_kaz_rows())
    return directory


def view(level: str = "chapter"):
    return build_view(
        chn_kaz_rows(),
        load_observations(),
        "CHN",
        "KAZ",
        origin="comtrade",
        level=level,
        names=bundled_hs_names(),
    )


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["products", "--reporter", "CHN", "--partner", "KAZ", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("level", ["chapter", "section"])
def test_cli_csv_equals_the_pages_table(store_dir, capsys, level):
    code, out, _ = run_cli(capsys, "--year", "2023", "--level", level)
    assert code == 0
    printed = pd.read_csv(io.StringIO(out), dtype={"code": str, "section": str})
    expected = products_table(view(level), 2023)
    assert printed["code"].tolist() == expected["code"].tolist()
    assert printed["value_usd"].tolist() == pytest.approx(expected["value_usd"].tolist())
    assert printed["share"].tolist() == pytest.approx(expected["share"].tolist())


def test_cli_numbers_hand_checked(store_dir, capsys):
    """2023 exports: 84 = 8.0 of the reported 24.7 bn = 32.4%; 22.0 of chapters, 2.7 not
    allocated."""
    code, out, _ = run_cli(capsys, "--year", "2023", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    rows = [r for r in payload["rows"] if r["direction"] == "export"]
    assert rows[0]["code"] == "84" and rows[0]["share"] == pytest.approx(8.0 / 24.7)
    residual = next(r for r in rows if r["code"] == NOT_ALLOCATED)
    assert residual["value_usd"] == pytest.approx(2.7e9)
    assert any("not allocated" in s for s in payload["summary"])


def test_cli_latest_year_by_default_and_unknown_year(store_dir, capsys):
    code, out, _ = run_cli(capsys)
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["year"]) == {2024}
    code, _, err = run_cli(capsys, "--year", "2019")
    assert code == 2 and "years with figures: 2021, 2023, 2024" in err


def test_cli_pair_without_products_says_how_to_fetch(monkeypatch, capsys):
    code, out, err = run_cli(capsys)
    assert code == 0
    assert out.strip().startswith("year,direction,rank,code")  # header only
    assert "trade-dashboard fetch --products" in err


def test_top_figure_holds_every_row_with_not_allocated_last():
    top = top_table(view(), 2023, "export")
    fig = top_figure(top, title="China's exports to Kazakhstan, 2023")
    go.Figure(fig.to_dict())  # valid Plotly
    bar = fig.data[0]
    assert list(bar.y) == top["label"].tolist() and bar.y[-1] == "Not allocated"
    assert list(bar.x) == pytest.approx([8.0, 6.0, 5.0, 2.0, 1.0, 2.7])
    assert fig.layout.title.text == "China's exports to Kazakhstan, 2023"


def test_over_time_bars_for_gappy_years_and_area_for_consecutive():
    long = over_time_table(view("section"), "export")
    fig = over_time_figure(long, title="Exports by section")
    assert {t.type for t in fig.data} == {"bar"}  # 2021, 2023, 2024: a gap
    assert "Not allocated" in [t.name for t in fig.data]
    per_year = {}
    for t in fig.data:
        for x, y in zip(t.x, t.y, strict=True):
            per_year[x] = per_year.get(x, 0) + y
    assert per_year[2023] == pytest.approx(24.7)  # the stack reaches the reported total
    consecutive = long[long["year"] >= 2023]
    fig2 = over_time_figure(consecutive, title="t")
    assert {t.type for t in fig2.data} == {"scatter"}
    go.Figure(fig2.to_dict())


def test_contribution_figure_points():
    table = contributions_table(view(), "export", 2021, 2023)
    fig = contribution_figure(table, title="Contribution")
    assert list(fig.data[0].x) == pytest.approx(table["points"].tolist())
    assert sum(fig.data[0].x) == pytest.approx((24.7 - 14.0) / 14.0 * 100)
