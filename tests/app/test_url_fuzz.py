"""Garbage in the URL never breaks a page: every bound URL key, empty or hypothesis-made."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from tests.support import live_apptest as live
from tests.support.apptest import switch_screen
from tests.support.paths import APP

#: Every URL key the app binds, by the page whose widget binds it (None: the tracker, home).
#: ``test_every_bound_key_is_fuzzed`` reads the widgets' own bindings, so a new one cannot be
#: left out here unnoticed (``view`` once was, and ``/?view=`` crashed the tracker).
#: "own" is the tracker opened on your own target (``target=own``), which adds the base year
#: and multiple the declared default target fixes.
TRACKER_KEYS = ["basis", "vol_manual", "method", "compare", "view"]
KEYS_BY_PAGE = {
    None: TRACKER_KEYS,
    "own": [*TRACKER_KEYS, "base_year"],
    "mirror": ["cif_fob"],
    "targets": ["all_pairs"],
    "data": ["prefer"],
}  # fmt: skip
#: Keys a page reads from the URL itself rather than through a bound widget: the target, named
#: by its registry id, the pair, by its code (``pair=CHN-KAZ``; a bound selectbox would write a
#: label), read by the sidebar on every page, and the tracker's growth scenario and live
#: component's sliders (dashboard/app/screens/tracker_live.py).
LIVE_KEYS = ["target", "preset", "target_year", "growth", "volatility", "shock_year", "shock_size"]
READ_KEYS_BY_PAGE = {
    None: [*LIVE_KEYS, "pair"],
    "own": [*LIVE_KEYS, "multiple", "pair"],
    "mirror": ["pair"],
    "targets": ["pair"],
    "data": ["pair"],
}
KEYS = sorted({k for keys in [*KEYS_BY_PAGE.values(), *READ_KEYS_BY_PAGE.values()] for k in keys})
VALUES = hs.one_of(
    hs.text(max_size=30),
    hs.sampled_from(["", "nan", "inf", "-1e308", "2030", "2.5", "CHN", "true", "0x1F",
                     "China – Kazakhstan", "<script>alert(1)</script>", "9" * 400,
                     "BRA-ARG", "kaz-chn", "W00-W00", "CHN-CHN", "XCA-KAZ", "USA-W00"]),
    hs.integers(-10**12, 10**12).map(str),
    hs.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip
PAGES = list(KEYS_BY_PAGE)


def _open(params: dict[str, list[str]], page: str | None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    if page == "own":
        at.query_params["target"] = "own"
    for key, values in params.items():
        at.query_params[key] = values
    if page and page != "own":
        switch_screen(at, page)  # opened directly, as a link to /mirror?... is
    return at.run()


def _bound_keys(node) -> set[str]:
    """The URL keys of the widgets under ``node`` (their protos' ``query_param_key``)."""
    proto = getattr(node, "proto", None)
    keys = {proto.query_param_key} if getattr(proto, "query_param_key", "") else set()
    for child in getattr(node, "children", {}).values():
        keys |= _bound_keys(child)
    return keys


@pytest.mark.parametrize("page", PAGES)
def test_every_bound_key_is_fuzzed(page):
    """The page's widgets bind exactly the keys listed for it."""
    at = _open({}, page)
    assert _bound_keys(at._tree) == set(KEYS_BY_PAGE[page])


@pytest.mark.parametrize(
    ("page", "key"),
    [
        (page, key)
        for by_page in (KEYS_BY_PAGE, READ_KEYS_BY_PAGE)
        for page, keys in by_page.items()
        for key in keys
    ],
)
def test_an_empty_value_shows_the_default_page_and_a_notice(page, key):
    """``/?KEY=`` (empty): the page renders as without the key, and says it ignored it."""
    at = _open({key: [""]}, page)
    assert not at.exception, (key, page, [e.value for e in at.exception])
    notices = " ".join(i.value for i in at.info)
    assert f"Ignored {key}=(empty)" in notices, notices
    if page in (None, "own"):
        # The default chart (observations, target, paths), not the chance-by-year chart.
        names = [trace.get("name", "") for trace in live.payload(at)["figure"]["data"]]
        assert any("target" in name.lower() and ": $" in name for name in names), names
        assert any(name.startswith("Scenario") for name in names), names


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=hs.dictionaries(hs.sampled_from(KEYS), hs.lists(VALUES, min_size=1, max_size=3),
                           max_size=6),
    page=hs.sampled_from(PAGES),
)  # fmt: skip
def test_any_query_string_renders_without_exception(params, page):
    at = _open(params, page)
    assert not at.exception, (params, page, at.exception)
    # Every page still shows its title: the fallback is a working page, not a blank one.
    assert at.title, (params, page)
