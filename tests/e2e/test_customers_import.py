"""The customers import form of the Maintenance page in a browser: upload, the one
confirmation page (checked by axe), then the job's page with its arguments, counts and error
report."""

import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from csadmin.tenancy.models import Tenant
from plugins.profiles.models import Customer
from tests.e2e.test_accessibility import _describe, _refused

pytestmark = pytest.mark.e2e


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return tmp_path


def test_customer_import_asks_first_then_shows_counts_and_the_error_report(signed_in_page, files):
    page = signed_in_page
    rows = [
        {"EmailAddress": "new.one@example.com", "LastName": "Newone", "FirstName": "<b>Ann"},
        {"customer_id": "E2E-2", "FirstName": "No last name"},
    ]
    upload = files / "people.ndjson"
    upload.write_text("".join(json.dumps(row) + "\n" for row in rows))

    page.goto(f"{page.base_url}/maintenance/")
    form = page.get_by_test_id("customers-import-form")
    form.locator("input[type=file]").set_input_files(str(upload))
    form.get_by_label("Mode").select_option("merge")
    form.get_by_label("Match rows by").select_option("ByEmail")
    form.get_by_role("button", name="Import customers…").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Are you sure you want to import the customers of people.ndjson into Environment?"
    )
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    refused = [v for v in violations if _refused(v)]
    assert not refused, _describe("customers import confirmation", refused)
    page.get_by_role("button", name="Yes, import the customers").click()

    expect(page.get_by_test_id("job-state")).to_have_text("succeeded with 1 bad row")
    arguments = page.get_by_test_id("job-arguments")
    expect(arguments).to_contain_text("people.ndjson")
    expect(arguments).to_contain_text("merge")
    expect(arguments).to_contain_text("ByEmail")
    counts = page.get_by_test_id("job-counts")
    expect(counts).to_contain_text("created")
    expect(counts).to_contain_text("errors")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-files").get_by_role("link", name="errors.csv").click()
    report = Path(download_info.value.path()).read_text().splitlines()
    assert report[1].split(",")[1:4] == ["2", "", "LastName"]
    environment = Tenant.objects.get(name="Environment")
    created = Customer.objects.get(tenant=environment, attributes__LastName="Newone")
    assert created.attributes["FirstName"] == "<b>Ann"
