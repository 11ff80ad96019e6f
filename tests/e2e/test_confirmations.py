"""The tenant picker and the one confirmation page of destructive actions, in the browser."""

import re

import pytest
from playwright.sync_api import expect

from csadmin.tenancy.models import Tenant
from plugins.services.models import BusinessAttribute, BusinessAttributeValue, State

pytestmark = pytest.mark.e2e


def open_active_service(page, customer_id="C000002"):
    page.goto(f"{page.base_url}/services/customers/{customer_id}/")
    page.get_by_test_id("customer-service-table").locator("tbody a").first.click()
    expect(page.get_by_test_id("service-status")).to_have_text("active")


def test_arrow_down_in_the_picker_does_not_switch_the_button_does(signed_in_page):
    page = signed_in_page
    open_active_service(page)
    service_url = page.url
    expect(page.get_by_test_id("current-tenant")).to_contain_text("Environment")
    picker = page.locator("#tenant-picker")
    picker.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)  # give a change handler time to submit, were there one
    assert page.url == service_url
    expect(page.get_by_test_id("current-tenant")).to_contain_text("Environment")
    picker.select_option(label="Sandbox")
    assert page.url == service_url
    page.get_by_test_id("switch-tenant").click()
    page.wait_for_url(re.compile(r"/services/$"))
    expect(page.get_by_test_id("current-tenant")).to_contain_text("Sandbox")
    expect(page.get_by_text("Now working in tenant Sandbox.")).to_be_visible()
    expect(page.locator("h1")).not_to_have_text(re.compile("Not found", re.I))


def test_end_a_state_with_a_disposition_cancel_leaves_it(signed_in_page):
    page = signed_in_page
    environment = Tenant.objects.get(name="Environment")
    attribute, _ = BusinessAttribute.objects.get_or_create(tenant=environment, name="Disposition")
    BusinessAttributeValue.objects.get_or_create(attribute=attribute, name="Resolved")
    open_active_service(page)
    service_url = page.url
    row = page.locator("[data-testid=states] tr[data-status=active]").first
    state_id = row.get_attribute("data-state")
    row.get_by_role("link", name=f"End state {state_id}").click()
    expect(page.get_by_test_id("confirm-heading")).to_have_text(
        re.compile(rf"^Are you sure you want to end state {state_id} of service ")
    )
    expect(page.get_by_test_id("confirm-tenant")).to_have_text("Environment")
    expect(page.get_by_test_id("confirm-goes")).to_contain_text("State: 1")
    page.get_by_test_id("confirm-cancel").click()
    page.wait_for_url(service_url)
    expect(page.locator(f"[data-testid=states] tr[data-state='{state_id}']")).to_have_attribute(
        "data-status", "active"
    )
    page.locator(f"[data-testid=states] tr[data-state='{state_id}']").get_by_role(
        "link", name=f"End state {state_id}"
    ).click()
    page.get_by_label("Disposition", exact=True).select_option("Resolved")
    page.get_by_label("Description of the disposition").fill("Paid in full")
    page.get_by_role("button", name=f"Yes, end state {state_id}").click()
    expect(page.get_by_text(f"State {state_id} ended.")).to_be_visible()
    expect(page.locator(f"[data-testid=states] tr[data-state='{state_id}']")).to_have_attribute(
        "data-status", "completed"
    )
    service_id = service_url.rstrip("/").rsplit("/", 1)[-1]
    state = State.objects.get(
        service__tenant=environment, service__service_id=service_id, state_id=int(state_id)
    )
    assert (state.disposition, state.disposition_desc) == ("Resolved", "Paid in full")
