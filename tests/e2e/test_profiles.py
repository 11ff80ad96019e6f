"""The profiles pages in a real browser: schema designer, production mode, customers."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ROW = "#rows tr"


def _fill_row(page, index, name, type_=None, length=None):
    row = page.locator(ROW).nth(index)
    row.get_by_label("Attribute name").fill(name)
    if type_:
        row.get_by_label("Attribute type").select_option(type_)
    if length:
        row.get_by_label("Length").fill(length)


def test_design_a_multi_valued_schema_in_the_form(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/schema/extensions/new/")
    page.fill("#id_name", "1 bad name")
    expect(page.locator("#designer-errors")).to_contain_text("must start with a letter")
    page.fill("#id_name", "Shipping")
    expect(page.locator("#designer-errors")).to_be_empty()
    page.select_option("#id_type", "multi-valued")

    for count in range(2, 6):  # one row is there already: five rows, then remove one
        page.get_by_test_id("add-attribute").click()
        expect(page.locator(ROW)).to_have_count(count)
    _fill_row(page, 0, "Street")
    _fill_row(page, 1, "Mistake")
    _fill_row(page, 2, "PostCode", length="10")
    _fill_row(page, 3, "Country", length="2")
    _fill_row(page, 4, "Floor", type_="integer")
    page.locator(ROW).nth(1).get_by_test_id("remove-attribute").click()
    expect(page.locator(ROW)).to_have_count(4)

    _fill_row(page, 3, "floor", type_="integer")  # differs from nothing: fine
    _fill_row(page, 1, "STREET")
    expect(page.locator(ROW).nth(1)).to_contain_text("duplicates the name of attribute 0")
    _fill_row(page, 1, "PostCode", length="10")
    expect(page.locator(ROW).nth(1)).not_to_contain_text("duplicates")

    keys = page.get_by_test_id("unique-item")
    expect(keys).to_have_count(1)  # only the "new key" slot
    expect(keys.first).to_contain_text("Country")
    keys.first.get_by_label("PostCode").check()
    expect(keys).to_have_count(2)  # key 1 holds PostCode; a new empty slot follows
    keys.first.get_by_label("Country").check()  # composite: a second name in the same key
    expect(page.get_by_test_id("json-preview")).to_contain_text(
        '"unique": [\n    [\n      "PostCode",\n      "Country"\n    ]\n  ]'
    )
    page.get_by_test_id("save-schema").click()

    expect(page.locator("[data-schema=Shipping]")).to_contain_text("multi-valued")
    api = page.request.get(f"{page.base_url}/genesys/1/cs/metadata/profiles/extensions/Shipping")
    assert api.status == 200
    body = api.json()
    assert [a["name"] for a in body["attributes"]] == ["Street", "PostCode", "Country", "floor"]
    assert body["unique"] == [["PostCode", "Country"]]


def test_production_mode_disables_the_form(signed_in_page):
    page = signed_in_page
    response = page.request.post(
        f"{page.base_url}/genesys/1/cs/server/mode",
        data={"mode": "production"},
        headers={"X-CSRFToken": _csrf(page)},
    )
    assert response.status == 200, response.text()
    page.goto(f"{page.base_url}/profiles/schema/extensions/Address/")
    expect(page.get_by_test_id("production-notice")).to_be_visible()
    expect(page.locator(ROW).first.get_by_label("Attribute name")).to_be_disabled()
    expect(page.get_by_test_id("save-schema")).to_have_count(0)
    expect(page.get_by_test_id("add-attribute")).to_have_count(0)


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def test_create_customer_add_two_records_duplicate_refused(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/customers/new/")
    page.fill("#f-customer_id", "E2E1")
    page.fill("#f-LastName", "Hopper")
    page.fill("#f-FirstName", "Grace")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("profile-props")).to_contain_text("Hopper")

    page.get_by_role("tab", name="Extensions").click()
    add = page.get_by_test_id("add-Address")

    def add_address(kind, street, post_code):
        form = page.get_by_test_id("add-Address")
        form.locator("[name='Address.AddressType']").fill(kind)
        form.locator("[name='Address.Address']").fill(street)
        form.locator("[name='Address.PostCode']").fill(post_code)
        form.locator("[name='Address.Country']").fill("BE")
        form.get_by_role("button", name="Add Address").click()

    expect(add).to_be_visible()
    add_address("1", "1 Main St", "1000")
    expect(page.get_by_test_id("records-Address").locator("tr[data-record]")).to_have_count(1)
    add_address("2", "2 Side St", "2000")
    expect(page.get_by_test_id("records-Address").locator("tr[data-record]")).to_have_count(2)
    add_address("3", "3 Copy St", "2000")  # same PostCode + Country as the second
    expect(page.get_by_test_id("record-errors")).to_contain_text("unique PostCode, Country")
    expect(page.get_by_test_id("records-Address").locator("tr[data-record]")).to_have_count(2)


def test_search_a_customer_by_identification_key(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/profiles/customers/")
    page.select_option("#key", "ByPhone")
    page.get_by_label("PhoneNumber").fill("+32 2 555 0042")
    page.get_by_role("button", name="Identify").click()
    rows = page.get_by_test_id("customer-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("customer-id")).to_have_text("C000042")  # beside the name
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/profiles/customers/C000042/$"))
