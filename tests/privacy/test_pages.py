"""The customer page's "Download data" and "Erase customer…" (behind the administrative
privilege), and the erase's confirmation page asking to type the id."""

from __future__ import annotations

import html

import pytest

from csadmin.jobs.models import JobRun
from csadmin.testing import make_user
from plugins.profiles.models import Customer
from plugins.services.models import Service
from tests.privacy.conftest import CUSTOMER

PAGE = f"/profiles/customers/{CUSTOMER}/"
ERASE = f"/profiles/customers/{CUSTOMER}/erase/"
EXPORT = f"/profiles/customers/{CUSTOMER}/data-export/"


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what the request queued (the job) as the commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def web(client, admin):
    client.force_login(admin)
    return client


def test_administrators_see_both_actions(world, web):
    page = web.get(PAGE).content.decode()
    assert "Download data" in page and 'data-testid="customer-erase"' in page
    assert f'href="{ERASE}"' in page and f'action="{EXPORT}"' in page


@pytest.mark.parametrize("role", ["Agent Application", "Supervisor"])
def test_others_see_neither_and_cannot_reach_them(world, client, tenant, role):
    client.force_login(make_user("someone", tenant, [role]))
    page = client.get(PAGE).content.decode()
    assert "Download data" not in page and "Erase customer" not in page
    assert client.get(ERASE).status_code == 403
    assert client.post(ERASE, {"confirm": CUSTOMER}).status_code == 403
    assert client.post(EXPORT).status_code == 403
    assert Customer.objects.filter(customer_id=CUSTOMER).exists()
    assert not JobRun.objects.exists()


def test_download_starts_the_export_and_shows_its_job(world, web, committing):
    with committing():
        response = web.post(EXPORT)
    run = JobRun.objects.get(kind="profiles.data_export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{run.pk}/"
    job_page = web.get(response["Location"]).content.decode()
    assert f"customer-{CUSTOMER}.zip" in job_page


def test_the_erase_page_asks_for_the_id_with_a_label_and_hint(world, web):
    page = web.get(ERASE).content.decode()
    assert f"Are you sure you want to erase customer {CUSTOMER}?" in page
    assert '<label for="id_confirm">Customer id</label>' in page
    assert f'id="id_confirm-hint">Type {CUSTOMER} exactly as shown to confirm.' in page
    assert 'aria-describedby="id_confirm-hint"' in page
    assert f"Yes, erase customer {CUSTOMER}" in page


def test_the_erase_page_counts_what_each_part_removes(world, web):
    """The customer, its three records, its three services and the four deliveries about it
    (one names a service purged long ago); the other customer's are not counted."""
    page = web.get(ERASE).content.decode()
    goes = page.split('data-testid="confirm-goes">', 1)[1].split("</ul>", 1)[0]
    listed = [item.split("</li>")[0] for item in goes.split("<li>")[1:]]
    assert listed == [
        "<span>Customer</span>: <strong>1</strong>",
        "<span>Extension records</span>: <strong>3</strong>",
        "<span>Deliveries</span>: <strong>4</strong>",
        "<span>Services</span>: <strong>3</strong>",
    ]


@pytest.mark.parametrize("typed", ["", "C-7", "c-77", " C-77"])
def test_a_wrong_id_is_refused_naming_the_field(world, web, typed):
    response = web.post(ERASE, {"confirm": typed})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert 'data-testid="error-summary"' in page
    assert "Customer id: Enter the customer id" in page
    assert 'href="#id_confirm"' in page and 'aria-invalid="true"' in page
    assert 'id="id_confirm-error"' in page
    assert not JobRun.objects.exists()
    assert Customer.objects.filter(customer_id=CUSTOMER).exists()


def test_the_typed_id_erases_and_leads_to_the_job(world, web, committing):
    with committing():
        response = web.post(ERASE, {"confirm": CUSTOMER})
    run = JobRun.objects.get(kind="profiles.erase")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{run.pk}/"
    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert not Customer.objects.filter(customer_id=CUSTOMER).exists()
    assert not Service.objects.filter(customer_id=CUSTOMER).exists()
    assert web.get(PAGE).status_code == 404
    assert web.get(ERASE).status_code == 404
