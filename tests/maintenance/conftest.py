"""Fixtures of the maintenance tests: services with states and tasks at chosen times, job
files under a temporary folder, and a runner for jobs as the commit would run them."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.services.models import Event, Service, State, Task

NOW = dt.datetime.now(dt.UTC)
OLD = NOW - dt.timedelta(days=100)
RECENT = NOW - dt.timedelta(days=1)
LIMIT = NOW - dt.timedelta(days=30)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def make_service(
    tenant,
    name: str,
    *,
    started=OLD,
    completed=None,
    customer="cust-1",
    expires=None,
    states: int = 1,
    tasks: int = 1,
    **extra,
) -> Service:
    service = Service.objects.create(
        tenant=tenant,
        service_id=name,
        service_type=extra.pop("service_type", "Sales"),
        customer_id=customer,
        started_at=started,
        completed_at=completed,
        completed_data={"note": "done"} if completed else None,
        expires_at=expires,
        started_data=extra.pop("started_data", {"channel": "web"}),
        last_state_id=states,
        last_task_id=tasks,
        **extra,
    )
    for number in range(1, states + 1):
        State.objects.create(
            service=service,
            state_id=number,
            state_type="Browse",
            started_at=started,
            completed_at=completed,
            started_data={"page": number},
        )
    for number in range(1, tasks + 1):
        Task.objects.create(
            service=service,
            task_id=number,
            state_id=1 if states else None,
            task_type="Call",
            started_at=started,
            completed_at=completed,
        )
    Event.objects.create(
        tenant=tenant, service=service, kind=Event.Kind.SERVICE_START, at=started, payload={}
    )
    if completed:
        Event.objects.create(
            tenant=tenant, service=service, kind=Event.Kind.SERVICE_END, at=completed, payload={}
        )
    return service


@pytest.fixture
def services_mix(tenant):
    """One service of each purge class, old; recent ones; an expired recent one."""
    return {
        "old_active_known": make_service(tenant, "old-active-known"),
        "old_active_anon": make_service(tenant, "old-active-anon", customer=None),
        "old_done_known": make_service(tenant, "old-done-known", completed=OLD),
        "old_done_anon": make_service(tenant, "old-done-anon", completed=OLD, customer=None),
        "recent_active": make_service(tenant, "recent-active", started=RECENT),
        "recent_done": make_service(tenant, "recent-done", started=RECENT, completed=RECENT),
        "expired_recent": make_service(
            tenant, "expired-recent", started=RECENT, expires=NOW - dt.timedelta(hours=1)
        ),
    }


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Call `action()` (which queues a job), run what it queued as the commit would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result

    return run
