"""The "What is traded" page through AppTest, on product rows written into the local store."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import switch_screen
from tests.support.paths import APP
from tests.support.products import chn_kaz_rows, write_products

TIMEOUT = 60


@pytest.fixture
def store_dir(monkeypatch) -> str:
    return os.environ["TRADE_DASHBOARD_DATA_DIR"]


def open_products(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    switch_screen(at, "products").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption).replace("\\", "")


def test_without_product_data_the_page_says_how_to_fetch(store_dir):
    """A visitor (no operator token) is given the command; the fetch itself is tested in
    tests/app/test_products_fetch.py."""
    at = open_products()
    info = " ".join(i.value for i in at.info)
    assert "no product data for China – Kazakhstan" in info
    assert "Only the operator can" in texts(at)
    assert "trade-dashboard fetch --reporter CHN --partner KAZ --years" in texts(at)
    assert "--products" in texts(at)
    assert "fetch_products" not in {b.key for b in at.button}
    assert not at.get("plotly_chart")  # never an empty chart


def test_answer_in_words_then_charts(store_dir):
    """2024 exports (no reported total: shares of the chapters' sum 24.2 bn): 84 = 8.8 bn
    = 36.4%, 85 = 6.6 bn = 27.3%, 87 = 5.5 bn = 22.7%."""
    write_products(store_dir, chn_kaz_rows())
    at = open_products()
    body = texts(at)
    assert (
        "In 2024 China's exports to Kazakhstan were led by 84 Machinery and mechanical "
        "appliances, boilers, nuclear reactors (36.4% of the $24.2 bn total)"
    ) in body
    assert "then 85 Electrical machinery and equipment and parts thereof (27.3%)" in body
    assert "China's imports from Kazakhstan were led by 27 Mineral fuels" in body
    assert "No reported total for 2024" in captions(at)
    # top exports, top imports, over time, contributions
    assert len(at.get("plotly_chart")) == 4
    # The table the CLI prints: every chapter of both directions, and the total direction.
    assert at.dataframe[-1].value["direction"].tolist().count("export") == 5


def test_year_with_reported_total_shows_not_allocated(store_dir):
    """2023 exports: chapters 22.0 bn of a reported 24.7 bn: 2.7 bn (10.9%) not allocated."""
    write_products(store_dir, chn_kaz_rows())
    at = open_products({"year": "2023"})
    assert at.selectbox(key="year").value == 2023
    assert "$2.7 bn (10.9%) of the reported total of $24.7 bn is not allocated" in captions(at)
    table = at.dataframe[-1].value
    assert "not allocated" in table["code"].tolist()


def test_contributions_and_sections_follow_the_controls(store_dir):
    """Both directions 2021 -> 2023: chapters 13.2 + 9.0 -> 22.0 + 15.0; reported turnover 25.25
    -> 41.0 bn: +15.75 bn, +62.4 points of 25.25."""
    write_products(store_dir, chn_kaz_rows())
    at = open_products({"level": "Sections", "from_year": "2021", "to_year": "2023"})
    body = texts(at)
    assert "grew by $15.8 bn (+62.4 points)" in body
    assert "XVI Machinery and electrical equipment" in body
    assert at.segmented_control(key="level").value == "section"


def test_garbage_in_the_link_is_explained(store_dir):
    write_products(store_dir, chn_kaz_rows())
    at = open_products({"year": "1850", "level": "atoms"})
    notice = " ".join(i.value for i in at.info)
    assert "Ignored year=1850" in notice and "Ignored level=atoms" in notice
    assert not at.exception


def test_what_if_is_labelled_and_tied_to_the_target(store_dir):
    write_products(store_dir, chn_kaz_rows())
    at = open_products()
    body = texts(at)
    assert "This is a what-if, not a forecast." in body
    assert "CAGR 2021–2024 (3 years)" in body
