"""Subscriptions, the deliveries they are owed and the log of every attempt. A subscription is
owed the matching events recorded while it was active: the workers turn those events into
deliveries (the events table is the outbox), so recording one costs the API call nothing more."""

from __future__ import annotations

from django.db import models

from csadmin.pluginlib import SealedTextField
from plugins.webhooks.ids import new_delivery_id

# The kinds of event a subscription may ask for (the services plug-in records these).
EVENT_KINDS = (
    "service.start",
    "service.end",
    "state.start",
    "state.end",
    "state.transition",
    "task.start",
    "task.end",
)
TEST_KIND = "test"


class Subscription(models.Model):
    class Customers(models.TextChoices):
        ALL = "all", "All services"
        IDENTIFIED = "identified", "Services of a customer"
        ANONYMOUS = "anonymous", "Anonymous services only"

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    target_url = models.URLField(max_length=2000)
    kinds = models.JSONField(default=list)  # a subset of EVENT_KINDS
    service_types = models.JSONField(default=list, blank=True)  # empty: every type
    customers = models.CharField(max_length=16, choices=Customers.choices, default=Customers.ALL)
    customer_id = models.CharField(max_length=255, blank=True, default="")  # one customer only
    # Needed in clear to sign each body, so sealed rather than hashed (None when the configured
    # keys cannot open it); shown once when created or rotated, never again.
    secret = SealedTextField()
    active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=500, blank=True, default="")
    failure_limit = models.PositiveIntegerField(default=10)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.CharField(max_length=150, blank=True, default="")
    # The event ids it is owed: windows [after, through] (exclusive, inclusive; through is None
    # while it is active), opened when it is created or resumed, closed when it is paused.
    windows = models.JSONField(default=list)
    # The sweep has looked for events no worker was told about up to this id; it moves on to
    # the latest id it saw at its previous run (calls that held lower ids have committed since).
    swept_through = models.BigIntegerField(default=0)
    sweep_horizon = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="subscription_unique_name")
        ]
        indexes = [models.Index(fields=["tenant", "active"], name="subscription_active")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event owed to one subscription, made by a worker from the recorded event. Deliveries
    of a (subscription, service) pair go out in id order: a later one waits while an earlier one
    is pending."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # refused by the receiver (4xx) or its subscription deleted

    # No column or index more than the reads need (the tenant is the subscription's; the
    # indexes below cover the subscription's foreign key).
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    delivery_id = models.UUIDField(default=new_delivery_id, unique=True, editable=False)
    event_id = models.BigIntegerField(null=True, blank=True)  # none for a test event
    kind = models.CharField(max_length=32)
    service_id = models.CharField(max_length=64, blank=True, default="")  # the ordering stream
    event = models.JSONField(default=dict)  # the event as recorded, kept after a purge
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The last attempt, kept here so the log lists deliveries in one query.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, default="")
    last_error = models.CharField(max_length=500, blank=True, default="")
    redelivery_of = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # An event becomes one delivery per subscription (a redelivery is another one).
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                name="delivery_once",
                condition=models.Q(redelivery_of__isnull=True, event_id__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "service_id", "id"], name="delivery_stream"),
            # The stream's last event made a delivery (owed.high_water): without it PostgreSQL
            # walks the subscription's deliveries backwards through delivery_once.
            models.Index(
                fields=["subscription", "service_id", "event_id"],
                name="delivery_stream_events",
                condition=models.Q(redelivery_of__isnull=True),
            ),
            models.Index(fields=["subscription", "-id"], name="delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.subscription_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, how it ended, how long it took, what the receiver said."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["delivery", "number"], name="attempt_delivery")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
