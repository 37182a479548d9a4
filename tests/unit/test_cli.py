"""`trade-dashboard scenario` and CLI error handling, via main(argv) and a real process."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from dashboard.cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenario_json_has_the_page_numbers(capsys):
    """Same numbers as the tracker test: required 12.47%, year reached 2030 at 13.25%."""
    code, out, _ = run(
        capsys,
        "scenario",
        "--reporter",
        "CHN",
        "--partner",
        "KAZ",
        "--base-year",
        "2024",
        "--multiple",
        "2",
        "--target-year",
        "2030",
    )
    assert code == 0
    data = json.loads(out)
    for key in (
        "latest_year",
        "latest_value_usd",
        "base_year",
        "base_value_usd",
        "target_value_usd",
        "target_year",
        "required_cagr",
        "historical_cagr",
        "growth",
        "year_reached",
        "path",
    ):
        assert key in data
    assert data["latest_year"] == 2025 and data["latest_value_usd"] == 48.7e9
    assert data["target_value_usd"] == pytest.approx(87.64e9)
    assert data["required_cagr"] == pytest.approx(0.12470, abs=1e-5)
    assert data["year_reached"] == 2030
    kinds = {row["kind"] for row in data["path"]}
    assert kinds == {"observed", "scenario", "required"}
    observed = [r for r in data["path"] if r["kind"] == "observed"]
    assert {"year": 2024, "value_usd": 43.82e9, "kind": "observed"} in observed


def test_scenario_growth_as_percent_and_null_year(capsys):
    code, out, _ = run(
        capsys, "scenario", "--reporter", "chn", "--partner", "kaz", "--growth", "0%"
    )
    assert code == 0
    data = json.loads(out)
    assert data["growth"] == 0.0 and data["year_reached"] is None


def test_scenario_csv_parses_and_carries_parameters(capsys):
    code, out, _ = run(
        capsys,
        "scenario",
        "--reporter",
        "CHN",
        "--partner",
        "KAZ",
        "--target",
        "own",
        "--growth",
        "0.10",
        "--format",
        "csv",
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert set(df["kind"]) == {"observed", "scenario", "required", "target"}
    assert (df["param_growth"] == 0.10).all() and (df["param_base_year"] == 2024).all()
    # 10% a year from 48.7 in 2025: 2027 = 48.7 * 1.21 = 58.927 bn
    row = df[(df.kind == "scenario") & (df.year == 2027)]
    assert row["value_usd"].item() == pytest.approx(58.927e9)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reporter", "CHN", "--partner", "USA"], "no data for CHN reporting trade with USA"),
        (["--reporter", "CHN", "--partner", "ZZZ"], "unknown country code"),
        # China customs have no 2020 figure (trade-facts-2026-12: still without a sourced figure).
        (["--reporter", "CHN", "--partner", "KAZ", "--base-year", "2020"], "base year 2020"),
        (["--reporter", "CHN", "--partner", "KAZ", "--target-year", "2024"], "must be after"),
        (
            ["--reporter", "CHN", "--partner", "KAZ", "--target", "chn-kaz-2030-1bn"],
            "no declared target 'chn-kaz-2030-1bn' for CHN-KAZ (its targets: chn-kaz-2024-double",
        ),
        (
            [
                "--reporter",
                "CHN",
                "--partner",
                "KAZ",
                "--target",
                "chn-kaz-2024-double",
                "--multiple",
                "3",
            ],
            "--base-year/--multiple apply to --target own",
        ),
    ],
)
def test_scenario_usage_errors_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, "scenario", *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_bad_data_file_exits_1_naming_the_line(capsys, data_copy):
    path = data_copy / "trade_series.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",2022,total,", ",2022,totl,"), encoding="utf-8"
    )
    code, _, err = run(capsys, "scenario", "--reporter", "CHN", "--partner", "KAZ")
    assert code == 1
    assert "trade_series.csv, line" in err and "flow" in err


def test_python_dash_m_and_argparse_errors():
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard", "scenario", "--reporter", "CHN"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "--partner" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "serve" in proc.stdout and "scenario" in proc.stdout


def test_scenario_uncertainty_fields(capsys):
    """With growth = required CAGR, the median hits the target exactly in 2030: probability 0.5.
    Fan at 2030 with sigma = 0.2: p90 = 87.64 * exp(1.28155 * 0.2 * sqrt(5)) = 87.64 * 1.77316
    = 155.40 bn."""
    code, out, _ = run(capsys, "scenario", "--reporter", "CHN", "--partner", "KAZ", "--target",
                       "own", "--preset", "required", "--volatility", "20%")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["probability"] == pytest.approx(0.5, abs=1e-9)
    assert data["volatility"] == 0.2 and data["volatility_source"] == "user"
    assert data["year_50"] == 2030
    fan2030 = next(r for r in data["fan"] if r["year"] == 2030)
    assert fan2030["p50"] == pytest.approx(87.64e9, rel=1e-9)
    assert fan2030["p90"] == pytest.approx(155.40e9, rel=1e-3)
    assert set(fan2030) == {"year", "p10", "p25", "p50", "p75", "p90"}


def test_scenario_shock_and_bootstrap_are_reproducible(capsys):
    """A -30% shock in 2027 at 13.25%: 48.7 * 1.13248**5 * 0.7 = 63.4 bn in 2030, below 87.64."""
    argv = ["scenario", "--reporter", "CHN", "--partner", "KAZ", "--target", "own",
            "--method", "bootstrap",
            "--shock-year", "2027", "--shock-size=-30%", "--seed", "7"]  # fmt: skip
    _, first, _ = run(capsys, *argv)
    _, second, _ = run(capsys, *argv)
    assert first == second
    data = json.loads(first)
    assert data["method"] == "bootstrap" and data["seed"] == 7
    scen2030 = next(r for r in data["path"] if r["kind"] == "scenario" and r["year"] == 2030)
    assert scen2030["value_usd"] == pytest.approx(48.7e9 * 1.132484**5 * 0.7, rel=1e-4)
    assert data["probability"] < 0.5 and data["year_reached"] > 2030


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shock-year", "2020", "--shock-size", "-0.3"], "shock year 2020"),
        (["--volatility", "-0.1"], "volatility"),
        (["--growth", "0.1", "--preset", "recent"], "either --growth or --preset"),
    ],
)
def test_scenario_uncertainty_usage_errors(capsys, argv, message):
    code, _, err = run(capsys, "scenario", "--reporter", "CHN", "--partner", "KAZ", *argv)
    assert code == 2 and message in err


def test_serve_starts_the_app_and_passes_streamlit_options(tmp_path):
    """`serve --port P --server.address 127.0.0.1` runs Streamlit there (an unknown option of
    ours would have been rejected, so the address option reached Streamlit)."""
    import socket
    import time

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        health = requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=5)
        assert health.text == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_scenario_presets_come_from_the_page_resolver(capsys):
    """One resolver: each `--preset` gives the growth the page's `resolve` gives for the same
    controls. With no preset and no rate, and with `--preset custom` alone, the growth is the
    recent trend (where the page's custom slider starts): 13.2484% a year, as above."""
    from dashboard.analysis.scenario import PRESET_KEYS, Controls, resolve
    from dashboard.analysis.series import basis_series
    from dashboard.ingest.store import load_merged
    from dashboard.model import Pair

    series = basis_series(load_merged(), "CHN", "KAZ")
    base = dict(basis="CHN", base_year=2024, multiple=2.0, target_year=2030, growth=0.0,
                vol_manual=False, volatility=20.0, method="closed", compare=False,
                shock_year=2027, shock_size=0.0)  # fmt: skip

    def cli_growth(*extra: str) -> float:
        code, out, err = run(capsys, "scenario", "--reporter", "CHN", "--partner", "KAZ",
                             "--target", "own", *extra)  # fmt: skip
        assert code == 0, err
        return json.loads(out)["growth"]

    for preset in [k for k in PRESET_KEYS if k != "custom"]:
        page = resolve(Pair("CHN", "KAZ"), "CHN", series, Controls(preset=preset, **base))
        assert cli_growth("--preset", preset) == page.growth.rate, preset
    assert cli_growth() == pytest.approx(0.132484, abs=1e-6)
    assert cli_growth("--preset", "custom") == cli_growth()
