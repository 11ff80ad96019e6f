"""Fixtures of the event delivery tests (the loopback receiver is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def subscribe(tenant, receiver):
    """subscribe(**fields) -> a subscription of `tenant` to the receiver; its secret is kept
    on the object as `plain_secret` (the API shows it once)."""
    from plugins.webhooks.services import subscription_create

    counter = iter(range(1000))

    def make(in_tenant=None, **body):
        body = {"name": f"hook {next(counter)}", "target_url": receiver.url, **body}
        subscription, secret = subscription_create(
            tenant=in_tenant or tenant, body=body, actor=None
        )
        subscription.plain_secret = secret
        return subscription

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, *args) runs fn and then what it queued for after the commit (the
    deliveries: jobs run eagerly in tests), as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def set_active(committed, tenant, admin):
    """set_active(subscription, active): pause or resume it as an Administrator would."""
    from plugins.webhooks.services import subscription_set_active

    def change(subscription, active: bool):
        committed(
            subscription_set_active,
            tenant=tenant,
            subscription_id=subscription.pk,
            active=active,
            actor=admin,
        )

    return change
