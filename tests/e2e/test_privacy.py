"""A customer's erase from the customer page, in a real browser: the one confirmation page,
the id typed (a wrong one refused by name, GOV.UK style), then the job and the customer gone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CUSTOMER = "C000001"


def test_erase_a_customer_from_its_page(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/customers/{CUSTOMER}/")
    expect(page.get_by_role("button", name="Download data")).to_be_visible()
    page.get_by_test_id("customer-erase").click()
    expect(page.get_by_test_id("confirm-heading")).to_have_text(
        f"Are you sure you want to erase customer {CUSTOMER}?"
    )
    field = page.get_by_label("Customer id")
    expect(field).to_have_attribute("aria-describedby", "id_confirm-hint")
    expect(page.locator("#id_confirm-hint")).to_have_text(
        f"Type {CUSTOMER} exactly as shown to confirm."
    )

    field.fill("C000002")
    page.get_by_test_id("confirm-yes").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Customer id: Enter the customer id exactly as shown")
    expect(page.locator("#id_confirm-error")).to_be_visible()
    expect(page.get_by_label("Customer id")).to_have_attribute("aria-invalid", "true")
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    summary.get_by_role("link", name="Go to customer id").click()
    expect(page.get_by_label("Customer id")).to_be_focused()

    page.get_by_label("Customer id").fill(CUSTOMER)
    page.get_by_test_id("confirm-yes").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/(#.*)?$"))
    expect(page.locator("main")).to_contain_text("Erase started")
    expect(page.locator("main")).to_contain_text("succeeded")
    response = page.goto(f"{page.base_url}/profiles/customers/{CUSTOMER}/")
    assert response.status == 404
