"""Signing secrets are sealed at rest: the column holds a token, never the secret; new keys
go first and old ones still open; a secret no key opens stops its deliveries with a clear
error and a notice instead of breaking a page; and the migration seals existing secrets."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from csadmin.pluginlib import sealing
from plugins.webhooks.delivery import UNREADABLE_SECRET
from plugins.webhooks.models import Delivery, Subscription
from plugins.webhooks.services import send_test_event

pytestmark = pytest.mark.django_db


def stored(subscription) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_subscription WHERE id = %s", [subscription.pk])
        return cursor.fetchone()[0]


def test_the_column_holds_a_token_that_opens_to_the_secret(subscribe):
    subscription = subscribe()
    token = stored(subscription)
    assert subscription.plain_secret not in token
    assert token.startswith("gAAAAA")  # a Fernet token
    assert Subscription.objects.get(pk=subscription.pk).secret == subscription.plain_secret
    assert subscribe(secret=subscription.plain_secret).pk  # same secret, another token
    assert stored(Subscription.objects.last()) != token


def test_a_new_key_goes_first_and_the_old_one_still_opens(subscribe, settings):
    settings.CSADMIN_SECRETS_KEYS = ["old key"]
    subscription = subscribe()
    settings.CSADMIN_SECRETS_KEYS = ["new key", "old key"]
    assert Subscription.objects.get(pk=subscription.pk).secret == subscription.plain_secret

    call_command("reseal_secrets", stdout=io.StringIO())
    settings.CSADMIN_SECRETS_KEYS = ["new key"]
    assert Subscription.objects.get(pk=subscription.pk).secret == subscription.plain_secret


def test_without_keys_of_its_own_it_seals_with_secret_key_and_its_fallbacks(subscribe, settings):
    settings.CSADMIN_SECRETS_KEYS = []
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "first", []
    subscription = subscribe()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "second", ["first"]
    assert Subscription.objects.get(pk=subscription.pk).secret == subscription.plain_secret
    settings.SECRET_KEY_FALLBACKS = []
    assert Subscription.objects.get(pk=subscription.pk).secret is None


def test_a_secret_no_key_opens_stops_deliveries_with_the_reason(
    subscribe, settings, committed, receiver, client, admin
):
    settings.CSADMIN_SECRETS_KEYS = ["lost key"]
    subscription = subscribe()
    settings.CSADMIN_SECRETS_KEYS = ["another key"]

    committed(
        send_test_event, tenant=subscription.tenant, subscription_id=subscription.pk, actor=None
    )
    delivery = Delivery.objects.get()
    # a test event is tried once; an event's delivery would wait for its retry
    assert delivery.status == "failed" and delivery.last_error == UNREADABLE_SECRET
    assert receiver.received == []  # nothing goes out unsigned

    client.force_login(admin)
    page = client.get(reverse("webhooks:detail", args=[subscription.pk]))
    assert page.status_code == 200
    assert 'data-testid="secret-unreadable"' in page.content.decode()
    with pytest.raises(CommandError, match=f"webhooks.Subscription.secret rows {subscription.pk}"):
        call_command("reseal_secrets", stdout=io.StringIO())


def test_rotating_an_unreadable_secret_makes_the_subscription_whole(subscribe, settings, admin):
    from plugins.webhooks.services import subscription_rotate_secret

    settings.CSADMIN_SECRETS_KEYS = ["lost key"]
    subscription = subscribe()
    settings.CSADMIN_SECRETS_KEYS = ["another key"]
    _, secret = subscription_rotate_secret(
        tenant=subscription.tenant, subscription_id=subscription.pk, actor=admin
    )
    assert Subscription.objects.get(pk=subscription.pk).secret == secret


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_secrets_stored_in_clear(tenant):
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("webhooks", "0002_delivery_windows")], [("webhooks", "0003_sealed_secrets")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO webhooks_subscription (tenant_id, name, target_url, kinds,"
                " service_types, customers, customer_id, secret, active, paused_reason,"
                " failure_limit, consecutive_failures, created_at, updated_at, created_by,"
                " windows, swept_through, sweep_horizon) VALUES (%s, 'old', 'https://x.test/',"
                " '[]', '[]', 'all', '', 'whsec_clear-secret-of-old', %s, '', 10, 0,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', '[]', 0, 0)",
                [tenant.pk, True],
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        subscription = Subscription.objects.get(name="old")
        assert "clear-secret" not in stored(subscription)
        assert subscription.secret == "whsec_clear-secret-of-old"

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # and back: the clear column again
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret FROM webhooks_subscription WHERE name = 'old'")
            assert cursor.fetchone()[0] == "whsec_clear-secret-of-old"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_unseal_refuses_what_is_not_a_token():
    assert sealing.unseal("not a token") is None
    assert sealing.unseal("gAAAAAB-tampered") is None
    assert sealing.unseal(sealing.seal("é secret")) == "é secret"


def test_lists_do_not_open_the_secrets(subscribe, client, admin, api, monkeypatch):
    for _ in range(3):
        subscribe()
    opened = []
    real = sealing.unseal
    monkeypatch.setattr(sealing, "unseal", lambda token: opened.append(token) or real(token))
    client.force_login(admin)
    assert client.get(reverse("webhooks:list")).status_code == 200
    assert api.get("metadata/subscriptions").status_code == 200
    assert opened == []
    Subscription.objects.order_by("pk").first()  # reading one whole row does open it
    assert len(opened) == 1
