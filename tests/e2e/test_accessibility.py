"""Accessibility as a test: axe-core (bundled by the axe-playwright-python package, so nothing is
fetched at run time) checks every page of a UI walk against WCAG 2.1 A/AA, plus the keyboard
behaviours axe cannot see (skip link, focus after an htmx swap, the focus ring's contrast)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.walk import add_rows_behind_empty_lists

pytestmark = pytest.mark.e2e

WCAG_21_AA = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
BLOCKING = {"critical", "serious"}
# Every table header names its column (an actions column by visually hidden text).
ALSO_REFUSED = {"empty-table-header", "aria-allowed-role", "landmark-unique"}
# Pages reached from places other than the menu: the user menu's profile (API tokens) page,
# the designers, the customer forms and a customer's Services page.
EXTRA_PAGES = [
    "/access/profile/",
    "/profiles/schema/core/",
    "/profiles/schema/extensions/new/",
    "/profiles/customers/new/",
    "/profiles/customers/C000001/edit/",
    "/services/customers/C000001/",
    # the one confirmation page of destructive actions, with and without its inputs
    "/profiles/customers/C000001/delete/",
    "/profiles/customers/C000001/erase/",
    "/maintenance/purge/?limit=2000-01-01T00:00Z&operation=purge.service.all",
]


def _menu_paths(page) -> list[str]:
    hrefs = page.locator("nav.sidenav a").evaluate_all("links => links.map(a => a.href)")
    return [urlsplit(href).path for href in hrefs]


def _first_detail_path(page, list_path: str) -> str | None:
    """The first row link of a list page that leads below the list's own address (a detail)."""
    hrefs = page.locator("main table tbody a[href]").evaluate_all("links => links.map(a => a.href)")
    for href in hrefs:
        path = urlsplit(href).path
        if path.startswith(list_path) and path != list_path:
            return path
    return None


def _audit(page, axe: Axe, path: str) -> list[dict]:
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("load")
    return axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]


def _refused(violation: dict) -> bool:
    """A critical or serious breach of WCAG 2.1 A/AA, or a rule this project holds itself to."""
    if violation["id"] in ALSO_REFUSED:
        return True
    return violation["impact"] in BLOCKING and bool(WCAG_21_AA & set(violation["tags"]))


def _describe(path: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        lines.append(f"{path}: {v['id']} ({v['impact']}, {len(v['nodes'])}x) {targets}")
    return "\n".join(lines)


def test_every_page_of_the_walk_has_no_serious_violations(signed_in_page):
    page = signed_in_page
    add_rows_behind_empty_lists()  # a job and a subscription: their lists have a detail too
    axe = Axe()
    menu = _menu_paths(page)
    assert len(menu) >= 10, menu
    to_visit = [*menu, *EXTRA_PAGES]
    seen: set[str] = set()
    counts: dict[str, Counter] = {}
    failures = []
    while to_visit:
        path = to_visit.pop(0)
        if path in seen:
            continue
        seen.add(path)
        violations = _audit(page, axe, path)
        counts[path] = Counter(f"{v['id']}/{v['impact']}" for v in violations for _ in v["nodes"])
        blocking = [v for v in violations if _refused(v)]
        if blocking:
            failures.append(_describe(path, blocking))
        if path in menu and (detail := _first_detail_path(page, path)):
            to_visit.insert(0, detail)
    print("\naxe (all rules), nodes by rule/impact:")
    for path, counter in counts.items():
        print(f"  {path}: {dict(counter) or 'none'}")
    assert len(seen) >= 30, sorted(seen)  # every menu page and the details behind the lists
    assert not failures, "\n".join(failures)


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _focus_ring_contrast(page, selector: str, background: str) -> float:
    page.locator(selector).first.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    return _contrast(outline, background)


def test_focus_ring_reaches_3_to_1_on_the_page_and_on_the_header(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/customers/")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies from here on
    for background in ("rgb(255, 255, 255)", "rgb(245, 246, 248)"):  # panels, page
        assert _focus_ring_contrast(page, "main tbody a", background) >= 3
    assert _focus_ring_contrast(page, "#tenant-picker", "rgb(20, 33, 61)") >= 3  # dark header


def test_skip_link_reaches_next_page_without_the_menu(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/customers/")
    expect(page.get_by_test_id("next-page")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    menu_links = page.locator("nav.sidenav a").count()
    presses = 0
    while page.evaluate("document.activeElement.dataset.testid") != "next-page":
        assert presses < 40, "Next page is too far, or was not reached"
        page.keyboard.press("Tab")
        presses += 1
        assert page.evaluate("!!document.activeElement.closest('main')"), "left the content"
    assert menu_links > 10  # and not one of the menu's links was passed through


def test_removing_a_designer_row_keeps_focus_on_the_next_row_or_the_add_button(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/schema/extensions/new/")
    rows = page.locator("#rows tr")
    page.get_by_test_id("add-attribute").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_label("Attribute name").fill("Second")
    rows.first.get_by_test_id("remove-attribute").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_label("Attribute name")).to_be_focused()  # the next row's control
    expect(rows.first.get_by_label("Attribute name")).to_have_value("Second")
    rows.first.get_by_test_id("remove-attribute").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(0)
    expect(page.get_by_test_id("add-attribute")).to_be_focused()  # no row left: the add button
