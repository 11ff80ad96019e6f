"""Event subscriptions in a browser: create one aimed at a real receiver on loopback, send a test
event, watch the delivery log, and check what the receiver got against the secret shown once."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from csadmin.tenancy.models import Tenant
from plugins.webhooks import services
from plugins.webhooks.models import Subscription
from plugins.webhooks.signing import verify

pytestmark = pytest.mark.e2e
# `receiver` (tests/conftest.py): the live server runs in this process, so allowing loopback
# there allows it for the server too.


def create_subscription(page, target_url):
    page.goto(f"{page.base_url}/")
    page.locator("nav.sidenav").get_by_role("link", name="Event Subscriptions").click()
    form = page.get_by_test_id("new-subscription")
    form.get_by_label("Name", exact=True).fill("Orders app")
    form.get_by_label("Target URL").fill(target_url)
    form.get_by_role("button", name="Create subscription").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Orders app")
    return page.get_by_test_id("new-secret").inner_text().strip()


def test_create_send_a_test_event_and_see_it_delivered(signed_in_page, receiver):
    page = signed_in_page
    secret = create_subscription(page, receiver.url)
    assert secret.startswith("whsec_")

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    row = page.get_by_test_id("delivery-table").locator("tbody tr").first
    expect(row.get_by_test_id("delivery-status")).to_have_text("delivered")
    expect(row.get_by_test_id("delivery-code")).to_have_text("200")

    received = receiver.wait_for(1)
    assert len(received) == 1
    assert received[0].json["kind"] == "test"
    assert received[0].json["subscription"] == "Orders app"
    assert verify(secret, received[0].body, received[0].headers)
    assert not verify(secret + "x", received[0].body, received[0].headers)

    page.reload()  # shown once: gone on the next visit
    expect(page.get_by_test_id("new-secret")).to_have_count(0)


def test_the_log_shows_new_deliveries_without_a_reload(signed_in_page, receiver):
    page = signed_in_page
    create_subscription(page, receiver.url)
    rows = page.get_by_test_id("delivery-table").locator("tbody tr[data-delivery]")
    expect(rows).to_have_count(0)
    url_before = page.url

    subscription = Subscription.objects.get(
        tenant=Tenant.objects.get(name="Environment"), name="Orders app"
    )
    with transaction.atomic():  # committed, so the on-commit send runs (jobs run eagerly)
        services.send_test_event(
            tenant=subscription.tenant, subscription_id=subscription.pk, actor=None
        )
    assert len(receiver.wait_for(1)) == 1

    expect(rows).to_have_count(1, timeout=6_000)  # the 2 s polling brought it in
    expect(rows.first.get_by_test_id("delivery-status")).to_have_text("delivered")
    assert page.url == url_before

    page.get_by_role("link", name="Rotate secret").click()
    expect(page.get_by_test_id("confirm-tenant")).to_have_text("Environment")
    page.get_by_role("button", name="Yes, rotate the secret").click()
    rotated = page.get_by_test_id("new-secret").inner_text().strip()
    rows.first.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Event queued again")).to_be_visible()
    expect(rows).to_have_count(2)
    again = receiver.wait_for(2)[1]
    assert again.json["event_id"] is None and again.json["kind"] == "test"
    assert verify(rotated, again.body, again.headers)  # signed with the new secret
