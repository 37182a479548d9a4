"""The share popover's copy action works from the keyboard alone (issue #14, accessibility)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import open_app, wait_for_app_run


def test_copy_link_is_reachable_and_usable_by_keyboard(browser, app_url: str) -> None:
    """Focus the popover's button, open it with Enter, Tab to "Copy link", press Enter: the
    clipboard then holds exactly the link shown in the popover."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page: Page = context.new_page()
    try:
        open_app(page, app_url)
        page.get_by_role("button", name="Copy link to this view").focus()
        page.keyboard.press("Enter")
        wait_for_app_run(page)
        copy = page.get_by_role("button", name="Copy link", exact=True)
        expect(copy).to_be_visible(timeout=20_000)
        for _ in range(30):  # Tab through the popover until the copy button has the focus
            if copy.evaluate("(el) => el === document.activeElement"):
                break
            page.keyboard.press("Tab")
        assert copy.evaluate("(el) => el === document.activeElement"), "Tab never reached it"
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
        shown = page.get_by_test_id("stCode").inner_text().strip()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == shown and copied.startswith(app_url)
    finally:
        context.close()
