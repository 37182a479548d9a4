"""A mistyped or outdated link says there is no such page, instead of silently showing another."""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_no_exception, open_app


def test_an_unknown_path_says_so_and_links_the_pages(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/no-such-page")
    notice = page.get_by_test_id("stAlertContentWarning").filter(has_text="There is no page at")
    expect(notice).to_contain_text("/no-such-page")
    mirror = notice.get_by_role("link", name="Mirror statistics")
    expect(mirror).to_have_attribute("href", "/mirror")
    expect(page.locator(".st-key-tracker_verdict")).to_be_visible()  # the tracker, as it says
    expect_no_exception(page)


def test_a_hostile_path_is_shown_as_text(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/%3Cimg%20src=x%20onerror=alert(1)%3E**bold**")
    notice = page.get_by_test_id("stAlertContentWarning").filter(has_text="There is no page at")
    expect(notice).to_contain_text("**bold**")
    expect(notice.locator("img, strong")).to_have_count(0)
