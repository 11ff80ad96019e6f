import pytest

pytestmark = pytest.mark.e2e


def test_sign_in_shows_menu_headings(signed_in_page):
    page = signed_in_page
    nav = page.locator("nav.sidenav")
    for heading in ("Dashboard", "Administration"):
        assert nav.get_by_role("heading", name=heading).is_visible()
