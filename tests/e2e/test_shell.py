"""The shell in a real browser: sign-in, menu, tenant picker, plug-ins page, sign-out."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_sign_in_shows_the_shell_and_menu_headings(signed_in_page):
    page = signed_in_page
    nav = page.locator("nav.sidenav")
    for heading in ("Dashboard", "Operations", "Administration"):
        assert nav.get_by_role("heading", name=heading).is_visible()
    assert page.locator("#tenant-picker").input_value() != ""
    assert page.locator("[data-widget=notes] [data-testid=note-count]").inner_text() == "1"


def test_wrong_password_is_refused(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "not-it")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    assert page.url.startswith(f"{live_server.url}/login/")


def test_tenant_picker_changes_what_is_shown(signed_in_page):
    page = signed_in_page
    assert "Environment" in page.locator("h1").inner_text()
    page.select_option("#tenant-picker", label="Sandbox")
    with page.expect_navigation():  # selecting switches nothing; the Switch button does
        page.get_by_test_id("switch-tenant").click()
    assert "Sandbox" in page.locator("h1").inner_text()
    assert page.locator("[data-widget=notes] [data-testid=note-count]").inner_text() == "0"
    page.reload()
    assert page.locator("#tenant-picker option:checked").inner_text() == "Sandbox"


def test_disabling_a_plugin_removes_its_menu_in_that_tenant(signed_in_page):
    page = signed_in_page
    page.get_by_role("link", name="Plug-ins").click()
    card = page.locator("[data-plugin=sample]")
    card.get_by_role("button", name="Disable for this tenant").click()
    assert page.get_by_text("Plug-in sample disabled").is_visible()
    assert page.locator("nav.sidenav").get_by_role("link", name="Notes").count() == 0
    page.goto(f"{page.base_url}/sample/notes/")
    assert page.get_by_role("heading", name="Not found").is_visible()


def test_keyboard_users_can_skip_to_content_and_sign_out(signed_in_page):
    page = signed_in_page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    page.goto(f"{page.base_url}/")
    assert "/login/" in page.url


def test_narrow_screen_menu_collapses_behind_a_button(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/profiles/customers/")
    nav = page.locator("nav.sidenav")
    toggle = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The content comes first: its heading sits right under the header, not after the menu.
    assert page.get_by_role("heading", name="Customers").bounding_box()["y"] < 250
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    link = nav.get_by_role("link", name="Audit log")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(nav).to_be_hidden()  # every page starts with the menu folded
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(nav).to_be_visible()
    expect(toggle).to_be_hidden()


def test_token_page_gives_a_ready_curl_call_to_copy(signed_in_page):
    page = signed_in_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base_url)
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("link", name="API documentation (OpenAPI)")).to_be_visible()
    page.get_by_role("link", name="Profile and API tokens").click()
    page.fill("#token-name", "script")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token-key").inner_text().strip()
    example = page.get_by_test_id("curl-example")
    expect(example).to_contain_text(f"Authorization: Token {key}")
    tenant_id = page.locator("#tenant-picker").input_value()
    expect(example).to_contain_text(f"ContactCenterId: {tenant_id}")
    page.get_by_test_id("copy-curl").click()
    expect(page.get_by_test_id("copy-curl").locator("+ .copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == example.inner_text().strip()


def test_at_390_px_the_header_takes_at_most_two_rows(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/profiles/customers/")
    parts = page.locator(
        ".topbar .nav-toggle, .topbar .brand, .topbar .mode, .tenant-current, #tenant-picker,"
        " [data-testid=switch-tenant], [data-testid=user-menu]"
    )
    boxes = [parts.nth(i).bounding_box() for i in range(parts.count())]
    assert len(boxes) == 7 and all(boxes), boxes  # every part is shown, the tenant named
    rows = sorted({round(box["y"] + box["height"] / 2) for box in boxes})
    merged = [y for i, y in enumerate(rows) if i == 0 or y - rows[i - 1] > 12]
    assert len(merged) <= 2, boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
