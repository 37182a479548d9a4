"""axe-core on every page, at desktop and phone width: no serious or critical violation.

axe-core comes with the PyPI package ``axe-playwright-python`` (its bundled ``axe.min.js`` is
injected into the page by Playwright), so CI installs it with the test extras. Heading order is
only "moderate" in axe's scale, but a skipped level confuses screen-reader navigation by
headings, so it fails the test too.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.helpers import expect_no_exception, open_app

pytestmark = pytest.mark.e2e

PAGES = {
    "tracker": "",
    "mirror": "mirror",
    "products": "products",
    "targets": "targets",
    "data": "data",
}
WIDTHS = {"desktop": 1280, "phone": 390}
#: What fails the test: axe's two worst impact levels, plus these rules by name.
FAILING_IMPACTS = {"serious", "critical"}
FAILING_RULES = {"heading-order"}


def violations(page) -> list[str]:
    """The failing axe violations, one line each: rule, impact, first offending element, why."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}) at {v['nodes'][0]['target']}: "
        + v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
        for v in found
        if v["impact"] in FAILING_IMPACTS or v["id"] in FAILING_RULES
    ]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_serious_accessibility_violation(browser, app_url, path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_app(page, f"{app_url}/{path}")
        expect_no_exception(page)
        page.wait_for_selector("h1")
        assert violations(page) == []
    finally:
        context.close()
