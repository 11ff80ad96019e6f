"""The shell in a real browser: sign-in, menu, tenant picker, plug-ins page, sign-out."""

import pytest

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
    with page.expect_navigation():
        page.select_option("#tenant-picker", label="Sandbox")
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


def test_narrow_window_keeps_the_menu_usable(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 480, "height": 800})
    link = page.locator("nav.sidenav").get_by_role("link", name="Audit log")
    assert link.is_visible()
    link.click()
    assert page.get_by_role("heading", name="Audit log").is_visible()
