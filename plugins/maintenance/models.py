"""The retention policy: per tenant, which services the nightly purge removes and from what age."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

OPERATIONS = (
    ("purge.service.all", "All services"),
    ("purge.service.started", "Started (not completed) services"),
    ("purge.service.started.anonymous", "Started anonymous services"),
    ("purge.service.completed", "Completed services"),
    ("purge.service.completed.anonymous", "Completed anonymous services"),
)


class RetentionPolicy(models.Model):
    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="retention_policy"
    )
    enabled = models.BooleanField(default=False)
    operation = models.CharField(
        max_length=64, choices=OPERATIONS, default="purge.service.completed"
    )
    age_days = models.PositiveIntegerField(default=90)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True, default="")
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.operation} older than {self.age_days} days"
