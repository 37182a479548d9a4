"""AppTest helpers for the custom components, whose JavaScript AppTest cannot run.

AppTest shows a custom component as an ``UnknownElement``. These helpers find the live scenario
by its component name and read what Python sent it
(the payload: slider values, cards, figure) and play the browser's part of a released slider:
the component's state ``{"scenario": {...values, "revision"}}`` sent as the next run's widget
state, which runs the page's real ``on_change`` callback, as ``setStateValue`` does.
"""

from __future__ import annotations

import json
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, UnknownElement, Widget

LIVE_KEY = "live_scenario"
LIVE_COMPONENT = "trade_dashboard.live_scenario"


def _components(at: AppTest, name: str) -> list[tuple[Block, Any, UnknownElement]]:
    """Every custom component called ``name`` on the page, in page order."""
    found: list[tuple[Block, Any, UnknownElement]] = []

    def walk(block: Block) -> None:
        for idx, child in block.children.items():
            if isinstance(child, UnknownElement) and child.type == "bidi_component":
                if child.proto.component_name == name:
                    found.append((block, idx, child))
            elif isinstance(child, Block):
                walk(child)

    walk(at._tree)
    return found


def _find(at: AppTest) -> tuple[Block, Any, UnknownElement] | None:
    found = _components(at, LIVE_COMPONENT)
    return found[0] if found else None


def _data(element: UnknownElement) -> dict[str, Any]:
    proto = element.proto
    return json.loads(proto.json if proto.WhichOneof("data") == "json" else proto.mixed.json)


def mounted(at: AppTest) -> bool:
    """True when the page drew the live component."""
    return _find(at) is not None


def payload(at: AppTest) -> dict[str, Any]:
    """The ``data`` the page sent the component in the last run."""
    found = _find(at)
    assert found is not None, "the live scenario component is not on the page"
    return _data(found[2])


def kpis(at: AppTest) -> dict[str, str]:
    """The cards as Python computed them: {label: value}."""
    return {k["label"]: k["value"] for k in payload(at)["kpis"]}


def values(at: AppTest) -> dict[str, Any]:
    """The sliders' values as sent."""
    return payload(at)["values"]


def sliders(at: AppTest) -> dict[str, dict[str, Any]]:
    """The component's range inputs by name: {name: {label, min, max, step, ...}}."""
    return {c["name"]: c for c in payload(at)["controls"]}


class _Committed(Widget):
    """The component as the browser reports it after a release: its state as a JSON value."""

    def __init__(self, element: UnknownElement, state: dict[str, Any]) -> None:
        self.id = element.proto.id
        super().__init__(element.proto, element.root)
        self.type = "bidi_component"
        self._value = state

    @property
    def value(self) -> Any:
        return self._value

    @property
    def _widget_state(self) -> WidgetState:
        ws = WidgetState()
        ws.id = self.id
        ws.json_value = json.dumps(self._value)
        return ws


def commit(at: AppTest, **changes: float) -> AppTest:
    """Release the sliders at ``changes`` (e.g. ``growth=7.5``) and run, as the browser would:
    every value the component holds, with the revision it was given."""
    return release(at, **changes).run()


def release(at: AppTest, **changes: float) -> AppTest:
    """Set the component's state as :func:`commit` does, without running (``at.run()`` next)."""
    found = _find(at)
    assert found is not None, "the live scenario component is not on the page"
    block, idx, element = found
    data = json.loads(
        element.proto.json
        if element.proto.WhichOneof("data") == "json"
        else element.proto.mixed.json
    )
    unknown = set(changes) - {c["name"] for c in data["controls"]}
    assert not unknown, f"no slider {sorted(unknown)} on the page"
    scenario = {**data["values"], **changes, "revision": data["revision"]}
    block.children[idx] = _Committed(element, {"scenario": scenario})
    return at
