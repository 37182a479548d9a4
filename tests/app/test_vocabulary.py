"""One home for each rule: the CLI's options, the page's widgets and the vocabulary agree.

The growth presets (and their order), the uncertainty methods and the controls' defaults and
ranges are defined once in :mod:`dashboard.analysis.scenario`; the page used to offer the presets
in another order than the analysis, and kept its own defaults.
"""

from __future__ import annotations

import argparse

from streamlit.testing.v1 import AppTest

from dashboard.analysis import scenario as vocab
from dashboard.analysis.outlook import METHOD_LABELS
from dashboard.app.screens.tracker_controls import PRESET_LABELS
from dashboard.cli.main import build_parser
from dashboard.cli.scenario import request_from
from dashboard.ingest.store import PREFER_CHOICES
from tests.support import live_apptest as live
from tests.support.paths import APP


def _options(command: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices[command]._actions}


def test_cli_choices_and_defaults_are_the_vocabulary():
    opts = _options("scenario")
    assert tuple(opts["preset"].choices) == vocab.PRESET_KEYS
    assert tuple(opts["method"].choices) == vocab.METHODS == tuple(METHOD_LABELS)
    assert opts["method"].default == vocab.DEFAULT_METHOD
    # Your own target's options default to None (so the page's declared target is the default)
    # and resolve to the vocabulary's defaults.
    args = build_parser().parse_args(["scenario", "--reporter", "CHN", "--partner", "KAZ"])
    own = request_from(args)
    assert own.base_year == vocab.DEFAULT_BASE_YEAR
    assert own.multiple == vocab.DEFAULT_MULTIPLE
    assert own.target_year == vocab.DEFAULT_TARGET_YEAR
    for command in ("scenario", "series", "targets", "mirror"):
        opts = _options(command)
        assert tuple(opts["prefer"].choices) == PREFER_CHOICES, command
        assert "data_dir" in opts, command


def test_page_widgets_offer_the_vocabulary_in_its_order():
    """The tracker as a visitor opens it: the preset selector lists the presets in PRESET_KEYS
    order and starts at the default; the method radio likewise; the sliders start at the
    default multiple and target year and span the shared ranges."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["target"] = "own"  # the multiple is a slider only for your own target
    at.run()
    assert not at.exception
    preset = at.selectbox(key="preset")
    assert preset.options == [PRESET_LABELS[k] for k in vocab.PRESET_KEYS]
    assert preset.value == vocab.DEFAULT_PRESET
    method = at.radio(key="method")
    assert method.options == [METHOD_LABELS[m] for m in vocab.METHODS]
    assert method.value == vocab.DEFAULT_METHOD
    # The sliders are the live component's range inputs: what Python sent it.
    sliders, values = live.sliders(at), live.values(at)
    assert values["multiple"] == vocab.DEFAULT_MULTIPLE
    assert (sliders["multiple"]["min"], sliders["multiple"]["max"]) == vocab.MULTIPLE_RANGE
    assert values["target_year"] == vocab.DEFAULT_TARGET_YEAR
    assert (sliders["growth"]["min"], sliders["growth"]["max"]) == vocab.GROWTH_RANGE
    assert (sliders["volatility"]["min"], sliders["volatility"]["max"]) == vocab.VOLATILITY_RANGE
    assert (sliders["shock_size"]["min"], sliders["shock_size"]["max"]) == vocab.SHOCK_RANGE
