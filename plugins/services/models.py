"""Services, states, tasks, their events, and business attributes.

Deleting: states, tasks and events point at their service with `on_delete=DO_NOTHING`, so the ORM
never loads rows to cascade. Every delete goes through `services.delete_service_rows(ids)`, which
removes events, tasks, states and services by batches of service ids in four set-based
`DELETE ... WHERE service_id IN (...)` statements (the single delete of the API uses it too).
States and tasks number themselves per service (`state_id`, `task_id` from 1); a task names its
state by that number, not by a foreign key, so nothing but the service links them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

ACTIVE = Q(completed_at__isnull=True)


class Lifespan(models.Model):
    """What a service, a state and a task share: the fields of their start and end events."""

    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    est_duration = models.IntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=255, blank=True, default="")
    disposition_desc = models.CharField(max_length=64, blank=True, default="")
    started_data = models.JSONField(default=dict, blank=True)
    completed_data = models.JSONField(null=True, blank=True)
    extensions = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.completed_at is None


class Service(Lifespan):
    """One customer journey. `customer_id` is a plain string: services never check profiles."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    service_id = models.CharField(max_length=64)
    service_type = models.CharField(max_length=255, blank=True, default="")
    customer_id = models.CharField(max_length=255, null=True, blank=True)
    contact_key = models.CharField(max_length=255, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    # Numbering of states and tasks, advanced under the service's row lock.
    last_state_id = models.IntegerField(default=0)
    last_task_id = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "service_id"], name="svc_unique_service_id")
        ]
        indexes = [
            # Lists of a customer or a contact key are keyset pages by "-id": with the id in
            # the index, a page deep in a long history is one index range scan (no sort of
            # the whole history). They also serve the customer id prefix search.
            models.Index(fields=["tenant", "customer_id", "id"], name="svc_customer_page"),
            models.Index(fields=["tenant", "contact_key", "id"], name="svc_contact_page"),
            models.Index(fields=["tenant", "started_at"], name="svc_started"),
            # Active rows are few next to completed ones: small partial indexes serve the
            # "active" lists and counts (PostgreSQL and SQLite both build partial indexes).
            models.Index(
                fields=["tenant", "customer_id"], name="svc_active_customer", condition=ACTIVE
            ),
            models.Index(
                fields=["tenant", "contact_key"], name="svc_active_contact", condition=ACTIVE
            ),
            models.Index(fields=["tenant", "id"], name="svc_active", condition=ACTIVE),
            # The dashboard's figures of the last days (completed per day, the median duration)
            # read only the services completed since then, not the tenant's whole history.
            models.Index(
                fields=["tenant", "completed_at"],
                name="svc_completed",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(
                fields=["tenant", "expires_at"],
                name="svc_expiring",
                condition=Q(expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.service_id


class State(Lifespan):
    service = models.ForeignKey(
        Service, on_delete=models.DO_NOTHING, related_name="states", db_index=False
    )
    state_id = models.IntegerField()
    state_type = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "state_id"], name="state_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/state {self.state_id}"


class Task(Lifespan):
    service = models.ForeignKey(
        Service, on_delete=models.DO_NOTHING, related_name="tasks", db_index=False
    )
    task_id = models.IntegerField()
    state_id = models.IntegerField(null=True, blank=True)  # the state's number in this service
    task_type = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "task_id"], name="task_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/task {self.task_id}"


class Event(models.Model):
    """One start, end or transition, as it happened: kept for history and later delivery."""

    class Kind(models.TextChoices):
        SERVICE_START = "service.start"
        SERVICE_END = "service.end"
        STATE_START = "state.start"
        STATE_END = "state.end"
        STATE_TRANSITION = "state.transition"
        TASK_START = "task.start"
        TASK_END = "task.end"

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.DO_NOTHING, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    state_id = models.IntegerField(null=True, blank=True)
    task_id = models.IntegerField(null=True, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service", "id"], name="event_service"),
            models.Index(fields=["tenant", "id"], name="event_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.service_id}"


class BusinessAttribute(models.Model):
    """One of the seven attributes of the spec in a tenant; its row exists once it has values."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64)
    display_name = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="battr_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessAttributeValue(models.Model):
    attribute = models.ForeignKey(
        BusinessAttribute, on_delete=models.CASCADE, related_name="values"
    )
    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attribute", "name"], name="battrvalue_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
