"""Fixtures of the tests of a customer's data on request (spec §9): a tenant with a customer
who has extension records, identification entries, services with states, tasks and events,
and deliveries about them; another customer and an anonymous service that must stay."""

from __future__ import annotations

import pytest

from plugins.profiles import services as profiles
from plugins.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.profiles.conftest import ADDRESS, LOYALTY, PROFILE

CUSTOMER = "C-77"
OTHER = "C-88"
SECRET = "a-subscription-secret-0123456789"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Call `action()` (which queues a job), run what it queued as the commit would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def answered(response):
    assert response.status_code < 300, response.content
    return response


def start_service(api, customer_id=None, *, states=2, tasks=1, contact_key="") -> str:
    body = {"service_type": "Sales", "contact_key": contact_key, "channel": "web"}
    if customer_id:
        body["customer_id"] = customer_id
    service_id = api.post("services/start", body).json()["service_id"]
    for _ in range(states):
        answered(api.post(f"services/{service_id}/states/start", {"state_type": "Queue"}))
    for _ in range(tasks):
        answered(api.post(f"services/{service_id}/tasks/start", {"task_type": "Call"}))
    answered(api.post(f"services/{service_id}/states/1/end", {"disposition": "Done"}))
    return service_id


def deliver(subscription, service_id: str, customer_id, kind="service.start") -> Delivery:
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id=None,
        kind=kind,
        service_id=service_id,
        event={"service_id": service_id, "customer_id": customer_id, "kind": kind},
        status=Delivery.Status.DELIVERED,
        attempts=1,
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, at=delivery.created_at, status_code=200
    )
    return delivery


@pytest.fixture
def world(tenant, admin, api):
    """The customer CUSTOMER with everything, and what must survive its erase."""
    profiles.profile_schema_set(tenant=tenant, body=PROFILE, actor=admin)
    profiles.extension_schema_create(tenant=tenant, body=ADDRESS, actor=admin)
    profiles.extension_schema_create(tenant=tenant, body=LOYALTY, actor=admin)
    profiles.identification_key_create(
        tenant=tenant,
        body={"name": "ByPhone", "source": "profile", "attributes": ["PhoneNumber"]},
        actor=admin,
    )
    for customer_id, phone in ((CUSTOMER, "555-0177"), (OTHER, "555-0188")):
        created = api.post(
            "profiles",
            {
                "customer_id": customer_id,
                "LastName": f"Name of {customer_id}",
                "PhoneNumber": phone,
                "Address": [
                    {"Address": "1 High St", "PostCode": "AB1", "Country": "UK"},
                    {"AddressType": 1, "Address": "2 Low St", "PostCode": "AB2", "Country": "UK"},
                ],
                "Loyalty": {"Points": 10},
            },
        )
        assert created.status_code == 201, created.json()
    mine = [start_service(api, CUSTOMER, contact_key="555-0177") for _ in range(3)]
    theirs = [start_service(api, OTHER) for _ in range(2)]
    anonymous = start_service(api, None, contact_key="555-0999")
    hook = Subscription.objects.create(
        tenant=tenant, name="crm", target_url="https://crm.example/hook", kinds=[], secret=SECRET
    )
    for service_id in mine:
        deliver(hook, service_id, CUSTOMER)
    deliver(hook, "purged-long-ago", CUSTOMER)  # its service is gone; the event names it
    for service_id in theirs:
        deliver(hook, service_id, OTHER)
    deliver(hook, anonymous, None)
    return {
        "mine": mine,
        "theirs": theirs,
        "anonymous": anonymous,
        "subscription": hook,
    }
