"""The tracker follows declared targets (issue #14): first choice, verdict, URL, honest edges.

Every pair in the selector is opened; numbers are worked out by hand in the docstrings.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cli.main import main as cli
from tests.support import live_apptest as live
from tests.support.apptest import app, switch_screen

PAIRS = {
    "CHN-KAZ": "China – Kazakhstan",
    "CHN-KGZ": "China – Kyrgyzstan",
    "CHN-RUS": "China – Russia",
    "CHN-TJK": "China – Tajikistan",
    "CHN-TKM": "China – Turkmenistan",
    "CHN-UZB": "China – Uzbekistan",
    "CHN-XCA": "China – Central Asia",
    "IND-XAS": "India – ASEAN",
}
NO_DECLARED_TARGET = {"CHN-KGZ", "CHN-TJK", "CHN-TKM"}
#: How the verdict opens for your own target: a hypothetical, never a government's.
OWN_PREFIX = "Your own target (a hypothetical): "


def opened(**params: str) -> AppTest:
    at = app()
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def verdict(at: AppTest) -> str:
    return at.get_by_key("tracker_verdict").children[0].value.replace("\\", "").strip("*")


def kpis(at: AppTest) -> dict[str, str]:
    return live.kpis(at)


def chart_names(at: AppTest) -> list[str]:
    return [t.get("name", "") for t in live.payload(at)["figure"]["data"]]


def test_default_is_the_july_2024_doubling_pledge_with_a_verdict():
    """Double 2023's $41.0 bn = $82.0 bn, no year given, so 2030 is assumed. China customs:
    latest $48.7 bn (2025); needs (82 / 48.7) ** (1 / 5) - 1 = 11.0% a year, the 2017–2025 trend
    is 13.2%: on track. Chance: median 48.7 × 1.1325 ** 5 = 90.7; ln(90.7 / 82) = 0.101;
    σ√5 = 0.2307 × 2.236 = 0.516; Φ(0.196) = 0.578 → 58%. Kazakhstan's statistics: needs
    (82 / 30.1) ** (1 / 6) - 1 = 18.2% against a 15.7% trend: off track."""
    at = opened()
    assert not at.exception
    assert at.selectbox(key="target").value == "chn-kaz-2024-double"
    assert at.selectbox(key="target").options[0] == (
        "$82 bn: double 2023's trade (Xi and Tokayev, July 2024)"
    )
    assert at.selectbox(key="target").options[-1] == "Your own target (hypothetical)"
    text = verdict(at)
    assert text.startswith("On track on China's customs figures: a 58% chance of $82 bn by 2030")
    assert "on Kazakhstan's statistics, off track" in text
    assert kpis(at)["Declared target (2× 2023)"] == "$82.0 bn"
    assert live.sliders(at)["target_year"]["label"] == "Target year (assumption)"


def test_verdict_status_equals_the_targets_command(capsys):
    """The registry's rule decides the tracker's status word: same target, same basis."""
    at = opened()
    assert cli(["targets", "--pair", "CHN-KAZ", "--format", "json"]) == 0
    rows = {(r["id"], r["basis"]): r["status"] for r in json.loads(capsys.readouterr().out)}
    text = verdict(at)
    chn = rows[("chn-kaz-2024-double", "CHN")]
    kaz = rows[("chn-kaz-2024-double", "KAZ")]
    assert text.startswith(f"{chn.capitalize()} on China's customs figures")
    assert f"on Kazakhstan's statistics, {kaz}" in text


def test_kazakhstan_basis_keeps_the_declared_82_bn_and_says_why():
    """On Kazakhstan's statistics the target stays 2 × $41.0 bn = $82.0 bn (not 2 × its own
    2023 figure), and the page says which base it used."""
    at = opened(basis="Kazakhstan statistics (BNS)")
    assert not at.exception
    assert kpis(at)["Declared target (2× 2023)"] == "$82.0 bn"
    assert verdict(at).startswith("Off track on Kazakhstan's statistics")
    assert any("computed from the base the declaration named" in m.value for m in at.markdown)


def test_opened_target_round_trip_b1():
    """B1: a link naming chn-kaz-2023-40bn-2030 opens that target: $40 bn by 2030 (declared,
    so no assumption slider), and "where the target comes from" describes it."""
    at = opened(target="chn-kaz-2023-40bn-2030")
    assert not at.exception
    assert at.selectbox(key="target").value == "chn-kaz-2023-40bn-2030"
    assert "target_year" not in live.sliders(at)
    assert kpis(at)["Declared target"] == "$40.0 bn"
    origin = next(m.value for m in at.markdown if "Where the target comes from" in m.value)
    assert "17 May 2023" in origin and "double" not in origin
    assert at.query_params["target"] == "chn-kaz-2023-40bn-2030"


def test_garbage_target_id_gives_a_notice_and_the_default():
    at = opened(target="no-such-target")
    assert not at.exception
    assert at.selectbox(key="target").value == "chn-kaz-2024-double"
    assert any("Ignored target=" in i.value for i in at.info)


def test_registry_button_opens_the_target_in_the_tracker():
    """B1 from the registry: "Open chn-kaz-2023-40bn-2030 ..." lands on that target (not the
    doubling pledge), with target=<id> in the URL and its origin described."""
    at = opened()
    switch_screen(at, "targets").run()
    table = at.dataframe[0].value
    # One row per target (both bases side by side); the selection is a row position.
    row = list(table["id"]).index("chn-kaz-2023-40bn-2030")
    at.session_state["targets_table"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    at.button(key="open_in_tracker").click().run()
    assert not at.exception
    assert at.selectbox(key="target").value == "chn-kaz-2023-40bn-2030"
    assert kpis(at)["Declared target"] == "$40.0 bn"
    assert at.query_params["target"] == "chn-kaz-2023-40bn-2030"
    origin = next(m.value for m in at.markdown if "Where the target comes from" in m.value)
    assert "17 May 2023" in origin


def test_the_chosen_target_survives_a_visit_to_another_page():
    at = opened(target="chn-kaz-2023-40bn-2030")
    switch_screen(at, "mirror").run()
    switch_screen(at, "tracker").run()
    assert at.selectbox(key="target").value == "chn-kaz-2023-40bn-2030"


@pytest.mark.parametrize("code", sorted(PAIRS))
def test_every_pair_shows_a_target_a_verdict_and_no_projection_through_the_past(code):
    """B3/B4: a declared target or the labelled own-target note; a verdict sentence; a
    scenario path only from a latest figure at most two years old; and, with only two figures
    (Kyrgyzstan, Tajikistan, ...), fallbacks labelled as such, never "set by hand"."""
    at = opened(pair=PAIRS[code])
    assert not at.exception
    text = verdict(at)
    if code in NO_DECLARED_TARGET:
        # Never read as a government's target, and no chance from two figures.
        assert text.startswith(OWN_PREFIX), text
        text = text.removeprefix(OWN_PREFIX)
        text = text[0].upper() + text[1:]
        assert "%" not in text and "only 2 figures" in text, text
    assert text.split(" on ")[0] in {
        "Met",
        "Missed",
        "On track",
        "Off track",
        "Not assessable",
    } or (text.startswith("Met in"))
    target = at.selectbox(key="target").value
    if code in NO_DECLARED_TARGET:
        assert target == "own"
        assert any("No numeric trade target has been declared" in i.value for i in at.info)
        assert "Your own target (hypothetical, 2× 2024)" in kpis(at)
    else:
        assert target != "own"
        assert not any(label.startswith("Target (") for label in kpis(at))
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    assert not any("set by hand" in t for t in texts), "nobody set anything by hand"
    names = chart_names(at)
    if code == "IND-XAS":
        assert not any(n.startswith("Scenario") for n in names)
        assert any("2013" in w.value for w in at.warning)


def test_china_russia_uses_the_declared_250_bn_by_2024():
    """B3: the registry's $250 bn by 2024, missed on China's figures ($244.8 bn in 2024); no
    "2× 2024" target and no chance of a target whose year has passed."""
    at = opened(pair=PAIRS["CHN-RUS"])
    assert at.selectbox(key="target").value == "chn-rus-2022-250bn-2024"
    assert verdict(at).startswith("Missed on China's customs figures: not reached by 2024")
    assert not any("2×" in label for label in kpis(at))


def test_india_asean_own_target_is_not_projected_from_2013():
    """B4: the latest Indian figure is 2013, 13 years before 2026: a warning names the year and
    nothing is projected, for your own target too."""
    at = opened(pair=PAIRS["IND-XAS"], target="own")
    assert not at.exception
    assert any("**2013**" in w.value for w in at.warning)
    assert not any(n.startswith("Scenario") for n in chart_names(at))
    assert verdict(at).startswith(OWN_PREFIX + "not assessable")


def test_the_command_line_defaults_to_the_pages_target_and_names_it(capsys):
    """`trade-dashboard scenario` with no target option follows the page's default target (the
    July 2024 pledge: 2 × 2023's $41.0 bn = $82.0 bn, no year given so 2030 is assumed) and its
    chance rounds to the page's 58% (worked out in the first test). `--target own` is the
    hypothetical 2 × 2024's $43.82 bn = $87.64 bn."""
    at = opened()
    assert cli(["scenario", "--reporter", "CHN", "--partner", "KAZ"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target_id"] == at.selectbox(key="target").value == "chn-kaz-2024-double"
    assert data["target"] == "$82 bn: double 2023's trade (Xi and Tokayev, July 2024)"
    assert data["target_value_usd"] == pytest.approx(82.0e9)
    assert data["base_year"] == 2023 and data["target_year"] == 2030
    assert f"a {round(data['probability'] * 100)}% chance of $82 bn by 2030" in verdict(at)
    assert cli(["scenario", "--reporter", "CHN", "--partner", "KAZ", "--target", "own"]) == 0
    own = json.loads(capsys.readouterr().out)
    assert own["target_id"] == "own" and own["target_value_usd"] == pytest.approx(87.64e9)
