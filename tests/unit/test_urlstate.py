"""Shared links: garbage in the URL falls back to defaults with a notice, and never raises."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.app.urlstate import (
    ParamSpec,
    boolean,
    choice,
    encode_params,
    int_range,
    integer,
    multichoice,
    number,
    sanitize_params,
    snap_to_step,
)

# The tracker page's controls (dashboard/app/screens/tracker.py), plus the other kinds.
SPECS: dict[str, ParamSpec] = {
    "pair": choice("CHN-KAZ", ["CHN-KAZ", "CHN-RUS", "CHN-UZB"]),
    "basis": choice("CHN", ["CHN", "KAZ"]),
    "base_year": choice(2024, [2013, 2021, 2022, 2023, 2024]),
    "target_year": integer(2030, 2026, 2050),
    "multiple": number(2.0, 1.0, 5.0, 0.1),
    "growth": number(13.2, -10.0, 30.0, 0.1),
    "bands": boolean(True),
    "years": int_range((2000, 2025), 1990, 2030),
    "partners": multichoice(["KAZ"], ["KAZ", "UZB", "KGZ"]),
}


def test_valid_values_are_parsed_to_their_types():
    values, notices = sanitize_params(
        {
            "pair": ["CHN-RUS"],
            "base_year": ["2022"],
            "target_year": ["2035"],
            "multiple": ["2.5"],
            "growth": ["-3.4"],
            "bands": ["false"],
            "years": ["2010", "2020"],
            "partners": ["UZB", "KAZ"],
        },
        SPECS,
    )
    assert notices == []
    assert values == {
        "pair": "CHN-RUS",
        "base_year": 2022,
        "target_year": 2035,
        "multiple": 2.5,
        "growth": -3.4,
        "bands": False,
        "years": (2010, 2020),
        "partners": ["UZB", "KAZ"],
    }


def test_absent_keys_are_absent_and_unknown_keys_ignored():
    values, notices = sanitize_params({"embed": ["true"], "utm_source": ["x"]}, SPECS)
    assert values == {} and notices == []


def test_not_a_whole_number_falls_back_with_the_documented_notice():
    values, notices = sanitize_params({"target_year": ["abc"]}, SPECS)
    assert values == {"target_year": 2030}
    assert notices == ["Ignored target_year=abc: not a whole number; using 2030."]


def test_unknown_pair_falls_back():
    values, notices = sanitize_params({"pair": ["USA-MARS"]}, SPECS)
    assert values == {"pair": "CHN-KAZ"}
    [notice] = notices
    assert notice.startswith("Ignored pair=USA\\-MARS: not one of CHN\\-KAZ")
    assert notice.endswith("using CHN\\-KAZ.")


def test_choice_matching_ignores_case():
    values, notices = sanitize_params({"pair": ["chn-uzb"], "basis": ["kaz"]}, SPECS)
    assert values == {"pair": "CHN-UZB", "basis": "KAZ"} and notices == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2051", "outside 2026 to 2050"),
        ("2025", "outside 2026 to 2050"),
        ("2030.5", "not a whole number"),
        ("２０３０", "not a whole number"),  # full-width digits: int() would accept them
        ("99999999999999999999999", "not a whole number"),
        ("", "empty value"),
        ("   ", "empty value"),
    ],
)
def test_bad_integers_fall_back_to_the_default(raw, reason):
    values, notices = sanitize_params({"target_year": [raw]}, SPECS)
    assert values == {"target_year": 2030}
    assert reason in notices[0]
    assert notices[0].endswith("using 2030.")


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "0x10", "1_0"])
def test_non_finite_and_odd_floats_fall_back(raw):
    values, notices = sanitize_params({"growth": [raw]}, SPECS)
    assert values == {"growth": 13.2}
    assert len(notices) == 1 and "using 13\\.2." in notices[0]


def test_out_of_range_floats_are_not_clamped():
    values, notices = sanitize_params({"multiple": ["7"]}, SPECS)
    assert values == {"multiple": 2.0}
    assert "outside 1\\.0 to 5\\.0" in notices[0]


def test_floats_snap_to_the_slider_step():
    """growth 13.26 on a 0.1 grid from -10: (13.26 + 10) / 0.1 = 232.6 → 233 steps → 13.3."""
    values, notices = sanitize_params({"growth": ["13.26"], "multiple": ["1.04"]}, SPECS)
    assert values == {"growth": 13.3, "multiple": 1.0}
    assert notices == []


def test_repeated_key_uses_the_last_value_and_says_so():
    values, notices = sanitize_params({"target_year": ["2035", "2040"]}, SPECS)
    assert values == {"target_year": 2040}
    assert notices == ["target_year was given 2 times in the link; using the last value, 2040."]


def test_plain_string_values_are_accepted():
    values, _ = sanitize_params({"target_year": "2040"}, SPECS)
    assert values == {"target_year": 2040}


@pytest.mark.parametrize("raw", ["true", "TRUE", "1", "yes", "on"])
def test_bool_true_spellings(raw):
    assert sanitize_params({"bands": [raw]}, SPECS)[0] == {"bands": True}


def test_bool_garbage_falls_back():
    values, notices = sanitize_params({"bands": ["maybe"]}, SPECS)
    assert values == {"bands": True}
    assert "not true or false" in notices[0]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (["2020"], "a range needs two values, got 1"),
        (["2025", "2000"], "start is after its end"),
        (["1980", "2000"], "outside 1990 to 2030"),
        (["a", "2000"], "not a whole number"),
    ],
)
def test_bad_ranges_fall_back(raw, reason):
    values, notices = sanitize_params({"years": raw}, SPECS)
    assert values == {"years": (2000, 2025)}
    assert reason in notices[0]


def test_multichoice_drops_unknown_options_and_duplicates():
    values, notices = sanitize_params({"partners": ["UZB", "MARS", "UZB", "kgz"]}, SPECS)
    assert values == {"partners": ["UZB", "KGZ"]}
    assert notices == ["Ignored partners=MARS: not among the options."]


def test_long_and_hostile_values_are_cut_and_escaped_in_notices():
    raw = "<script>alert(1)</script>**" + "x" * 500
    values, notices = sanitize_params({"pair": [raw]}, SPECS)
    assert values == {"pair": "CHN-KAZ"}
    [notice] = notices
    shown = notice.split(":", 1)[0].removeprefix("Ignored pair=")
    assert "\\<script\\>" in shown and "<script>" not in notice.replace("\\<", "")
    assert "x" * 40 not in notice  # cut to ~40 characters
    assert "…" in shown


def test_unicode_and_control_characters_in_values():
    values, notices = sanitize_params({"basis": ["Қазақ\u202e\x00стан"]}, SPECS)
    assert values == {"basis": "CHN"}
    assert "Қазақстан" in notices[0]


def test_snap_to_step_examples():
    """0.1 steps from -10: 13.26 → 13.3; 0.3 steps from 1 capped at 5: 1 + 13 × 0.3 = 4.9."""
    assert snap_to_step(13.26, -10.0, 0.1) == 13.3
    assert snap_to_step(5.0, 1.0, 0.3, 5.0) == 4.9
    assert snap_to_step(0.1 + 0.2, 0.0, 0.1) == 0.3
    assert snap_to_step(2031, 2026, 5, 2050) == 2031
    assert snap_to_step(-50, -10.0, 0.1) == -10.0


def test_spec_rejects_a_default_it_does_not_allow():
    with pytest.raises(ValueError, match="default"):
        integer(2060, 2026, 2050)
    with pytest.raises(ValueError, match="min and max"):
        ParamSpec("int", 1)


# --- properties ---------------------------------------------------------------------------------

_KEYS = st.one_of(st.sampled_from(sorted(SPECS)), st.text(max_size=8))
_VALUES = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.integers(-5000, 5000).map(str),
        st.floats().map(str),
        st.sampled_from(["CHN-KAZ", "true", "2030", "13.2", "1e308", "-0", "+2030", "nan"]),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=10))
def test_arbitrary_query_strings_never_raise_and_stay_in_spec(raw):
    values, notices = sanitize_params(raw, SPECS)
    assert set(values) <= set(SPECS) & set(raw)
    assert set(values) == set(SPECS) & set(raw)
    for key, value in values.items():
        assert SPECS[key].accepts(value), (key, value)
        if isinstance(value, float):
            assert math.isfinite(value)
    assert all(isinstance(n, str) and len(n) < 400 for n in notices)


@st.composite
def _valid_values(draw) -> dict[str, object]:
    picks = {
        "pair": st.sampled_from(SPECS["pair"].choices),
        "base_year": st.sampled_from(SPECS["base_year"].choices),
        "target_year": st.integers(2026, 2050),
        "multiple": st.integers(10, 50).map(lambda k: round(k / 10, 1)),
        "bands": st.booleans(),
        "years": st.tuples(st.integers(1990, 2030), st.integers(1990, 2030)).map(
            lambda t: tuple(sorted(t))
        ),
        "partners": st.lists(st.sampled_from(["KAZ", "UZB", "KGZ"]), unique=True),
    }
    keys = draw(st.lists(st.sampled_from(sorted(picks)), unique=True))
    return {k: draw(picks[k]) for k in keys}


@settings(max_examples=200, deadline=None)
@given(_valid_values())
def test_encode_then_sanitize_round_trips(values):
    encoded = encode_params(values, SPECS)
    back, notices = sanitize_params(encoded, SPECS)
    assert notices == []
    expected = {k: v for k, v in values.items() if v != SPECS[k].default}
    assert back == expected
