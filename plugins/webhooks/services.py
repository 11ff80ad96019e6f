"""Every write of event subscriptions. Each is one transaction and audited (never the secret)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from csadmin.pluginlib import ValidationFailed, record_audit
from plugins.webhooks import dispatch, rules
from plugins.webhooks.announce import kick
from plugins.webhooks.models import TEST_KIND, Delivery, Subscription
from plugins.webhooks.owed import close_window, forget_through, open_window, start_sweeping
from plugins.webhooks.selectors import get_delivery, get_subscription, subscription_document
from plugins.webhooks.signing import new_secret

PLUGIN = "webhooks"


def _actor_name(actor) -> str:
    return (getattr(actor, "get_username", lambda: "")() or "system")[:150]


def _audit(subscription, action: str, actor, before=None, after=None) -> None:
    record_audit(
        tenant=subscription.tenant,
        actor=actor,
        plugin=PLUGIN,
        action=action,
        object_type="subscription",
        object_id=subscription.name,
        before=before,
        after=after,
    )


def _save(subscription: Subscription, field: str = "name") -> None:
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError:
        raise ValidationFailed.from_errors(
            {field: [f"a subscription named {subscription.name} already exists"]}
        ) from None


@transaction.atomic
def subscription_create(*, tenant, body, actor) -> tuple[Subscription, str]:
    """A new subscription and its secret (given, or made here): the only time it is shown."""
    values = rules.clean(body)
    secret = values.pop("secret", None) or new_secret()
    subscription = Subscription(
        tenant=tenant, secret=secret, created_by=_actor_name(actor), **values
    )
    start_sweeping(subscription)
    if subscription.active:
        open_window(subscription)
    _save(subscription)
    _audit(subscription, "create", actor, after=subscription_document(subscription))
    return subscription, secret


@transaction.atomic
def subscription_update(*, tenant, subscription_id, body, actor) -> Subscription:
    """Change the given fields (new filters apply to what is not sent yet). Resuming clears the
    failure count and the pause reason, and sends what waited; events recorded while paused are
    not owed."""
    subscription = get_subscription(tenant, subscription_id, for_update=True)
    before = subscription_document(subscription)
    current = {field: getattr(subscription, field) for field in rules.FIELDS if field != "secret"}
    values = rules.clean(body, current=current)
    resumed = values["active"] and not subscription.active
    secret = values.pop("secret", None)
    for field, value in values.items():
        setattr(subscription, field, value)
    if secret:
        subscription.secret = secret
    if resumed:
        subscription.consecutive_failures = 0
        subscription.paused_reason = ""
        open_window(subscription)
    elif not values["active"] and before["active"]:
        subscription.paused_reason = f"Paused by {_actor_name(actor)}"
        close_window(subscription)
    _save(subscription)
    _audit(subscription, "change", actor, before=before, after=subscription_document(subscription))
    if resumed:
        transaction.on_commit(lambda: kick(pending_streams(subscription)))
    return subscription


def pending_streams(subscription) -> list[tuple[int, str]]:
    rows = (
        Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING)
        .exclude(kind=TEST_KIND)
        .values_list("service_id", flat=True)
        .distinct()
    )
    return [(subscription.pk, service_id) for service_id in rows]


@transaction.atomic
def subscription_set_active(*, tenant, subscription_id, active: bool, actor) -> Subscription:
    return subscription_update(
        tenant=tenant, subscription_id=subscription_id, body={"active": active}, actor=actor
    )


@transaction.atomic
def subscription_rotate_secret(*, tenant, subscription_id, actor) -> tuple[Subscription, str]:
    subscription = get_subscription(tenant, subscription_id, for_update=True)
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    _audit(subscription, "rotate secret", actor)
    return subscription, subscription.secret


@transaction.atomic
def subscription_delete(*, tenant, subscription_id, actor) -> None:
    """Delete the subscription with its deliveries and their log."""
    subscription = get_subscription(tenant, subscription_id, for_update=True)
    before = subscription_document(subscription)
    subscription.delete()
    _audit(subscription, "delete", actor, before=before)


@transaction.atomic
def send_test_event(*, tenant, subscription_id, actor) -> Delivery:
    """Queue one test delivery, sent once whatever the subscription's state."""
    subscription = get_subscription(tenant, subscription_id)
    delivery = Delivery.objects.create(
        subscription=subscription,
        kind=TEST_KIND,
        event={
            "event_id": None,
            "kind": TEST_KIND,
            "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
            "subscription": subscription.name,
            "message": f"A test event sent by {_actor_name(actor)}.",
        },
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: dispatch.send_test(delivery.pk))
    return delivery


@transaction.atomic
def redeliver(*, tenant, subscription_id, delivery_id, actor) -> Delivery:
    """Send an event again as a new delivery (a new delivery id, the same event id), after
    whatever its stream still owes."""
    subscription = get_subscription(tenant, subscription_id)
    original = get_delivery(subscription, delivery_id)
    if original.status == Delivery.Status.PENDING:
        raise ValidationFailed.from_errors(
            {"delivery_id": ["is still pending: it is sent when its turn comes"]}
        )
    copy = Delivery.objects.create(
        subscription=subscription,
        event_id=original.event_id,
        kind=original.kind,
        service_id=original.service_id,
        event=original.event,
        redelivery_of=original.delivery_id,
        next_attempt_at=timezone.now(),
    )
    if copy.kind == TEST_KIND:
        transaction.on_commit(lambda: dispatch.send_test(copy.pk))
    else:
        transaction.on_commit(lambda: kick([(subscription.pk, copy.service_id)]))
    _audit(subscription, "redeliver", actor, after={"delivery_id": str(original.delivery_id)})
    return copy


def prune_delivery_log(now=None) -> int:
    """Forget deliveries that ended more than CSADMIN_WEBHOOK_LOG_DAYS ago, in batches; their
    subscriptions forget the events they carried too (a stream's later event must not make them
    owed again)."""
    limit = (now or timezone.now()) - timezone.timedelta(days=settings.CSADMIN_WEBHOOK_LOG_DAYS)
    removed = 0
    forgotten: dict[int, int] = {}  # subscription id -> the highest event id forgotten
    while True:
        rows = list(
            Delivery.objects.filter(completed_at__lt=limit)
            .exclude(status=Delivery.Status.PENDING)
            .values_list("id", "subscription_id", "event_id")[:1000]
        )
        if not rows:
            break
        Delivery.objects.filter(id__in=[row[0] for row in rows]).delete()
        removed += len(rows)
        for _, subscription_id, event_id in rows:
            if event_id is not None:
                forgotten[subscription_id] = max(forgotten.get(subscription_id, 0), event_id)
    for subscription_id, event_id in forgotten.items():
        _forget_events_through(subscription_id, event_id)
    return removed


@transaction.atomic
def _forget_events_through(subscription_id: int, event_id: int) -> None:
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is not None:
        forget_through(subscription, event_id)
        subscription.save(update_fields=["windows"])


def parse_delivery_id(raw) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationFailed.from_errors({"delivery_id": ["must be a UUID"]}) from None
