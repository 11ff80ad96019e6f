"""The subscription API: create (the secret shown once), read, change, delete, the delivery
log, test events and redelivery; refusals name the field and the rule."""

from __future__ import annotations

import pytest

from csadmin.audit.models import AuditEntry
from csadmin.testing import (
    CreateEndpointChecks,
    DeleteEndpointChecks,
    GetEndpointChecks,
    ListEndpointChecks,
    UpdateEndpointChecks,
    unique_number,
)
from plugins.webhooks.models import EVENT_KINDS, Delivery, Subscription

pytestmark = pytest.mark.django_db
BASE = "metadata/subscriptions"


@pytest.fixture
def created(api, receiver):
    response = api.post(BASE, {"name": "CRM", "target_url": receiver.url})
    assert response.status_code == 201, response.json()
    return response


def test_create_answers_the_secret_once(api, created, tenant):
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert created["Location"].endswith(f"/{BASE}/{body['id']}")
    assert body["kinds"] == list(EVENT_KINDS)  # default: every kind
    assert (body["customers"], body["active"], body["failure_limit"]) == ("all", True, 10)
    shown = api.get(f"{BASE}/{body['id']}").json()
    assert "secret" not in shown
    assert all("secret" not in row for row in api.get(BASE).json())
    entry = AuditEntry.objects.get(plugin="webhooks", action="create")
    assert body["secret"] not in str(entry.after)
    assert Subscription.objects.get().secret == body["secret"]


def test_an_own_secret_may_be_given(api, receiver):
    response = api.post(
        BASE, {"name": "x", "target_url": receiver.url, "secret": "s3cret-of-sixteen+"}
    )
    assert response.json()["secret"] == "s3cret-of-sixteen+"


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"target_url": "RECEIVER"}, "name", "is required"),
        ({"name": "x"}, "target_url", "is required"),
        ({"name": "x", "target_url": "ftp://x"}, "target_url", "http:// or https://"),
        ({"name": "x", "target_url": "http://10.0.0.1/h"}, "target_url", "private"),
        ({"name": "x", "target_url": "RECEIVER", "kinds": []}, "kinds", "at least one"),
        ({"name": "x", "target_url": "RECEIVER", "kinds": ["nope"]}, "kinds", "unknown kind"),
        ({"name": "x", "target_url": "RECEIVER", "kinds": "service.end"}, "kinds", "array"),
        ({"name": "x", "target_url": "RECEIVER", "customers": "some"}, "customers", "one of"),
        (
            {"name": "x", "target_url": "RECEIVER", "customers": "anonymous", "customer_id": "c"},
            "customer_id",
            "anonymous",
        ),
        ({"name": "x", "target_url": "RECEIVER", "failure_limit": 0}, "failure_limit", "1 to"),
        ({"name": "x", "target_url": "RECEIVER", "active": "yes"}, "active", "true or false"),
        ({"name": "x", "target_url": "RECEIVER", "secret": "short"}, "secret", "16 to"),
        ({"name": "x", "target_url": "RECEIVER", "colour": "red"}, "body", "unknown field"),
        ({"name": "x" * 101, "target_url": "RECEIVER"}, "name", "at most 100"),
        ({"name": "x\u0000", "target_url": "RECEIVER"}, "name", "NUL"),
        (
            {"name": "x", "target_url": "RECEIVER", "service_types": ["a\u0000b"]},
            "service_types",
            "NUL",
        ),
        ({"name": "x", "target_url": "RECEIVER", "kinds": ["service.end\u0000"]}, "kinds", "NUL"),
    ],
)
def test_refusals_name_the_field_and_the_rule(api, receiver, body, field, rule):
    body = {k: receiver.url if v == "RECEIVER" else v for k, v in body.items()}
    response = api.post(BASE, body)
    assert response.status_code == 400, response.json()
    assert rule in " ".join(response.json()["errors"][field])
    assert Subscription.objects.count() == 0


def test_names_are_unique_in_a_tenant(api, created, receiver):
    again = api.post(BASE, {"name": "CRM", "target_url": receiver.url})
    assert again.status_code == 400
    assert "already exists" in again.json()["errors"]["name"][0]


def test_patch_changes_the_given_fields_and_is_audited(api, created):
    sid = created.json()["id"]
    response = api.call("PATCH", f"{BASE}/{sid}", {"kinds": ["service.end"], "active": False})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["kinds"], body["active"], body["name"]) == (["service.end"], False, "CRM")
    assert body["paused_reason"] == "Paused by root"
    entry = AuditEntry.objects.get(plugin="webhooks", action="change")
    assert entry.before["active"] is True and entry.after["active"] is False
    resumed = api.call("PATCH", f"{BASE}/{sid}", {"active": True}).json()
    assert (resumed["active"], resumed["paused_reason"]) == (True, None)


def test_a_refused_patch_changes_nothing(api, created):
    sid = created.json()["id"]
    response = api.call("PATCH", f"{BASE}/{sid}", {"name": "", "kinds": ["service.end"]})
    assert response.status_code == 400
    assert Subscription.objects.get().kinds == list(EVENT_KINDS)


def test_rotating_the_secret_shows_the_new_one_once(api, created):
    sid = created.json()["id"]
    rotated = api.post(f"{BASE}/{sid}/secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created.json()["secret"]
    assert Subscription.objects.get().secret == rotated.json()["secret"]


def test_delete_removes_the_subscription_and_its_log(
    api, created, django_capture_on_commit_callbacks
):
    sid = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}/{sid}/test")
    assert Delivery.objects.count() == 1
    assert api.delete(f"{BASE}/{sid}").status_code == 204
    assert api.get(f"{BASE}/{sid}").status_code == 404
    assert (Subscription.objects.count(), Delivery.objects.count()) == (0, 0)


def test_the_delivery_log_and_a_delivery_with_its_attempts(
    api, created, receiver, django_capture_on_commit_callbacks
):
    sid = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"{BASE}/{sid}/test")
    assert queued.status_code == 202
    assert queued.json()["status"] == "pending"
    (row,) = api.get(f"{BASE}/{sid}/deliveries").json()
    assert (row["kind"], row["status"], row["last_status_code"]) == ("test", "delivered", 200)
    assert row["last_response"] == '{"ok": true}'
    detail = api.get(f"{BASE}/{sid}/deliveries/{row['delivery_id']}").json()
    assert detail["event"]["kind"] == "test"
    assert [(a["attempt"], a["status_code"]) for a in detail["log"]] == [(1, 200)]

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"{BASE}/{sid}/deliveries/{row['delivery_id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["redelivery_of"] == row["delivery_id"]
    assert len(receiver.wait_for(2)) == 2
    newest, _ = api.get(f"{BASE}/{sid}/deliveries").json()
    assert newest["delivery_id"] == again.json()["delivery_id"]


def test_a_pending_delivery_cannot_be_redelivered(api, created):
    sid = created.json()["id"]
    queued = api.post(f"{BASE}/{sid}/test").json()  # no commit: it stays pending
    response = api.post(f"{BASE}/{sid}/deliveries/{queued['delivery_id']}/redeliver")
    assert response.status_code == 400
    assert "pending" in response.json()["errors"]["delivery_id"][0]


def test_another_tenants_subscription_takes_no_test_event_and_shows_no_log(
    api, api_as, other_tenant, created
):
    sid = created.json()["id"]
    outsider = api_as("Administrator", in_tenant=other_tenant)
    assert outsider.post(f"{BASE}/{sid}/test").status_code == 404
    assert outsider.get(f"{BASE}/{sid}/deliveries").status_code == 404
    assert api.get(f"{BASE}/{sid}/deliveries/not-a-uuid").status_code == 404
    assert Delivery.objects.count() == 0


# -- the checks every endpoint owes (csadmin.testing) -------------------------------------------


class SubscriptionFactory:
    def make(self, tenant):
        from plugins.webhooks.services import subscription_create

        return subscription_create(tenant=tenant, body=self.create_body(tenant), actor=None)[0]

    def create_body(self, tenant):
        return {"name": f"hook {unique_number()}", "target_url": self.fixture("receiver").url}


class TestSubscriptions(SubscriptionFactory, ListEndpointChecks, CreateEndpointChecks):
    list_url = create_url = BASE
    list_queries = 2  # the grant, the page
    bad_body, bad_field = {"name": "x", "target_url": "ftp://x"}, "target_url"

    def expected_order(self, made):
        return [s.pk for s in sorted(made, key=lambda s: (s.name, s.pk))]  # by name

    def count(self, tenant):
        return Subscription.objects.filter(tenant=tenant).count()


class TestSubscription(
    SubscriptionFactory, GetEndpointChecks, UpdateEndpointChecks, DeleteEndpointChecks
):
    detail_url = BASE + "/{key}"
    missing_url = BASE + "/999999"
    bad_update_body, bad_update_field = {"name": "", "kinds": ["service.end"]}, "name"

    def update_body(self, obj):
        return {"active": False}


class DeliveryFactory(SubscriptionFactory):
    key_field = "delivery_id"

    def subscription_of(self, tenant):
        found = Subscription.objects.filter(tenant=tenant).first()
        return found or SubscriptionFactory.make(self, tenant)

    def make(self, tenant):
        return Delivery.objects.create(subscription=self.subscription_of(tenant), kind="test")

    def key_of(self, obj):
        return str(obj.delivery_id)


class TestDeliveries(DeliveryFactory, ListEndpointChecks):
    list_queries = 3  # the grant, the subscription, the page

    def list_path(self, tenant):
        return f"{BASE}/{self.subscription_of(tenant).pk}/deliveries"

    def expected_order(self, made):
        return [str(d.delivery_id) for d in reversed(made)]  # newest first


class TestDelivery(DeliveryFactory, GetEndpointChecks):
    def detail_path(self, obj):
        return f"{BASE}/{obj.subscription_id}/deliveries/{obj.delivery_id}"
