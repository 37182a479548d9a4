"""Garbage in the URL never breaks a page: hypothesis-made query strings through AppTest."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from tests.support.apptest import switch_screen
from tests.support.paths import APP

KEYS = ["pair", "basis", "base_year", "multiple", "target_year", "preset", "growth",
        "vol_manual", "volatility", "method", "compare", "shock_year", "shock_size", "prefer",
        "cif_fob", "all_pairs"]  # fmt: skip
VALUES = hs.one_of(
    hs.text(max_size=30),
    hs.sampled_from(["", "nan", "inf", "-1e308", "2030", "2.5", "CHN", "true", "0x1F",
                     "China – Kazakhstan", "<script>alert(1)</script>", "9" * 400]),
    hs.integers(-10**12, 10**12).map(str),
    hs.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip
PAGES = [None, "mirror", "targets", "data"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=hs.dictionaries(hs.sampled_from(KEYS), hs.lists(VALUES, min_size=1, max_size=3),
                           max_size=6),
    page=hs.sampled_from(PAGES),
)  # fmt: skip
def test_any_query_string_renders_without_exception(params, page):
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, values in params.items():
        at.query_params[key] = values
    at.run()
    if page:
        switch_screen(at, page).run()
    assert not at.exception, (params, page, at.exception)
    # Every page still shows its title: the fallback is a working page, not a blank one.
    assert at.title, (params, page)
