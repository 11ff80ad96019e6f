"""Services in the browser, on the demo data of tenant Environment. The customer page belongs to
the profiles plug-in; its Services tab is opened here through the tab's own URL (full page)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def open_customer_tab(page, customer_id="C000001"):
    page.goto(f"{page.base_url}/services/customers/{customer_id}/")
    return page.get_by_test_id("customer-services")


def test_customer_tab_switches_active_completed_and_opens_a_service(signed_in_page):
    page = signed_in_page
    tab = open_customer_tab(page)
    table = tab.get_by_test_id("customer-service-table")
    expect(table).to_have_attribute("data-status", "active")
    expect(tab.get_by_test_id("count-active")).to_have_text("1")
    expect(tab.get_by_test_id("count-completed")).to_have_text("1")
    url_before = page.url
    tab.get_by_role("tab", name=re.compile("Completed")).click()
    expect(page.get_by_test_id("customer-service-table")).to_have_attribute(
        "data-status", "completed"
    )
    assert page.url == url_before  # swapped in place by htmx, no navigation
    expect(page.get_by_test_id("customer-service-table").locator("tbody tr")).to_have_count(1)
    page.get_by_role("tab", name=re.compile("Active")).click()
    expect(page.get_by_test_id("customer-service-table")).to_have_attribute("data-status", "active")
    page.get_by_test_id("customer-service-table").locator("tbody a").first.click()
    expect(page.get_by_test_id("service-status")).to_have_text("active")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("g.bar-service")).to_have_count(1)
    expect(timeline.locator("g.bar-state")).to_have_count(3)
    expect(timeline.locator("g.bar-active").first).to_be_visible()
    started = page.get_by_test_id("started-data")
    expect(started).to_contain_text('"order"')
    expect(started).to_contain_text("ORD-")


def test_end_a_state_and_see_it_completed(signed_in_page):
    page = signed_in_page
    open_customer_tab(page, "C000002").get_by_test_id("customer-service-table").locator(
        "tbody a"
    ).first.click()
    active_state = page.locator("[data-testid=states] tr[data-status=active]").first
    state_id = active_state.get_attribute("data-state")
    active_state.get_by_role("link", name=f"End state {state_id}").click()
    expect(page.get_by_test_id("confirm-heading")).to_contain_text(f"end state {state_id}")
    expect(page.get_by_test_id("confirm-tenant")).to_have_text("Environment")
    page.get_by_role("button", name=f"Yes, end state {state_id}").click()
    expect(page.get_by_text(f"State {state_id} ended.")).to_be_visible()
    expect(page.locator(f"[data-testid=states] tr[data-state='{state_id}']")).to_have_attribute(
        "data-status", "completed"
    )


def test_associate_an_anonymous_service_and_find_it_under_the_customer(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/services/?anonymous=yes&status=active")
    link = page.get_by_test_id("service-table").locator("tbody a").first
    service_id = link.inner_text()
    link.click()
    expect(page.get_by_test_id("service-customer")).to_have_text("anonymous")
    field = page.get_by_label("Associate with customer")
    field.press_sequentially("C00004")
    expect(page.locator("#customer-ids option[value='C000042']")).to_have_count(1)
    field.fill("C000042")
    page.get_by_role("button", name="Associate").click()
    expect(page.get_by_test_id("service-customer")).to_contain_text("C000042")  # after its name
    tab = open_customer_tab(page, "C000042")
    expect(tab.get_by_role("link", name=service_id)).to_be_visible()


def test_delete_a_service_after_confirming(signed_in_page):
    page = signed_in_page
    open_customer_tab(page, "C000003").get_by_role("tab", name=re.compile("Completed")).click()
    link = page.get_by_test_id("customer-service-table").locator("tbody a").first
    service_id = link.inner_text()
    link.click()
    page.get_by_role("link", name="Delete…").click()
    expect(
        page.get_by_role("heading", name=f"Are you sure you want to delete service {service_id}?")
    ).to_be_visible()
    expect(page.get_by_test_id("confirm-tenant")).to_have_text("Environment")
    expect(page.get_by_test_id("confirm-goes")).to_contain_text("Service: 1")
    page.get_by_role("button", name=f"Yes, delete service {service_id}").click()
    expect(page.get_by_text(f"Service {service_id} deleted.")).to_be_visible()
    page.goto(f"{page.base_url}/services/s/{service_id}/")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_timeline_keeps_readable_labels_and_time_ticks(signed_in_page, width, height):
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": height})
    open_customer_tab(page).get_by_test_id("customer-service-table").locator(
        "tbody a"
    ).first.click()
    timeline = page.get_by_test_id("timeline")
    ticks = timeline.get_by_test_id("timeline-tick")
    expect(ticks.first).to_be_visible()
    assert ticks.count() >= 2
    assert all(re.fullmatch(r"[\d:\- ]+", t) for t in ticks.locator("text").all_text_contents())
    label = timeline.locator("g.bar-service text.label")
    expect(label).to_be_visible()
    # The 11px labels are drawn at no less than 10 px, whatever the window's width.
    assert label.bounding_box()["height"] >= 10


def test_a_business_value_is_edited_in_its_row_and_focus_stays_there(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/services/attributes/")
    section = page.locator("[data-attribute='Service.type']")
    row = section.locator("tbody tr").first
    name = row.locator("td").nth(1).inner_text()
    expect(page.locator("tr.editing")).to_have_count(0)
    row.get_by_test_id("edit-value").click()
    field = page.get_by_label(f"Name of Service.type value {name}", exact=True)
    expect(field).to_be_focused()  # the row's first input takes focus
    expect(page.locator("tr.editing")).to_have_count(1)  # one row at a time
    field.fill(f"{name}X")
    page.get_by_test_id("save-value").click()
    saved = section.locator(f"tr[data-value='{name}X']")
    expect(saved.get_by_test_id("edit-value")).to_be_focused()  # back on the row's Edit link
    expect(page.locator("tr.editing")).to_have_count(0)
    page.reload()
    expect(section.locator(f"tr[data-value='{name}X']")).to_have_count(1)
    saved = section.locator(f"tr[data-value='{name}X']")
    saved.get_by_test_id("edit-value").click()
    page.get_by_test_id("cancel-edit").click()
    expect(saved.get_by_test_id("edit-value")).to_be_focused()
    expect(page.locator("tr.editing")).to_have_count(0)
