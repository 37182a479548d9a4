"""The imported CEPII BACI matrix in the app: its pairs in the selector, its basis in the tracker
(named "CEPII BACI (reconciled, FOB)"), the data page's "Import a bulk matrix" for visitors."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest import baci
from dashboard.ingest.store import DATA_DIR_ENV, LocalStore
from tests.support.apptest import switch_screen
from tests.support.baci_files import random_flows, write_matrix
from tests.support.paths import APP

TIMEOUT = 60


def _import(tmp_path: Path) -> LocalStore:
    write_matrix(tmp_path / "baci", {y: random_flows(y, 300) for y in (2020, 2021, 2022)})
    store = LocalStore(os.environ[DATA_DIR_ENV])
    baci.import_baci(store, [tmp_path / "baci"])
    return store


def test_a_pair_only_in_baci_is_offered_and_tracked_on_the_baci_basis(tmp_path):
    store = _import(tmp_path)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    # Offered as a pair with figures (from the matrix alone: nothing was fetched).
    assert "Russia · figures stored" in at.selectbox(key="pair_country").options
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["pair"] = "RUS-USA"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["pair"] == "RUS-USA"
    basis = at.selectbox(key="basis")
    assert basis.value == "baci"
    # The verdict names the basis its figures are (BACI's), not Russia's own statistics.
    verdict = at.get_by_key("tracker_verdict").children[0].value.replace("\\", "")
    assert baci.BASIS_LABEL in verdict and "Russia's statistics" not in verdict, verdict
    shown = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    assert baci.BASIS_LABEL in shown or baci.BASIS_LABEL in str(basis.options)
    # The numbers behind the basis are the query's: the latest total equals the ground truth.
    frame = baci.pair_observations(store, "RUS", "USA").frame
    assert not frame.empty
    flows = pd.concat(random_flows(y, 300) for y in (2020, 2021, 2022))
    pair_rows = flows[flows.i.isin([643, 842]) & flows.j.isin([643, 842])]
    truth = pair_rows.groupby("t")["v"].sum() * 1000
    got = frame[frame.flow == "total"].set_index("year")["value_usd"]
    assert list(got.index) == list(truth.index)
    assert got.to_numpy() == pytest.approx(truth.to_numpy(), rel=1e-12)


def test_data_page_tells_visitors_how_to_import(tmp_path):
    _import(tmp_path)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    switch_screen(at, "data").run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    assert "Import a bulk matrix" in "\n".join(h.value for h in at.header)
    assert "Years imported: 2020, 2021, 2022" in text
    assert "trade-dashboard import-baci" in text.replace("\\", "")
