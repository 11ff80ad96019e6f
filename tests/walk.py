"""What a walk of the console needs besides the demo: one row behind each list that the demo
leaves empty (a finished job, an event subscription), so each list has a detail page to open."""

from __future__ import annotations

from django.utils import timezone


def add_rows_behind_empty_lists(tenant_name: str = "Environment") -> None:
    from csadmin.jobs.models import JobRun
    from csadmin.tenancy.models import Tenant
    from plugins.webhooks.models import Subscription

    tenant = Tenant.objects.get(name=tenant_name)
    now = timezone.now()
    JobRun.objects.create(
        tenant=tenant,
        kind="maintenance.purge",
        plugin="maintenance",
        arguments={"operation": "purge.service.all", "limit": "2000-01-01T00:00:00Z"},
        state=JobRun.State.SUCCEEDED,
        started_at=now,
        finished_at=now,
    )
    Subscription.objects.create(
        tenant=tenant,
        name="Walk hook",
        target_url="https://hooks.example.com/cs",
        kinds=["service.started"],
        secret="s" * 32,
    )
