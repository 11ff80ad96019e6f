"""The purge's selection and its batched deletion (spec §6): which services one purge operation
removes, counted or read by keyset batches of ids, and one batch deleted per short transaction.
Set-based: every function here answers a queryset, one aggregate, or batches, never all rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from plugins.services.models import ACTIVE, Service, State, Task
from plugins.services.services import delete_service_rows

PURGE_OPERATIONS = (
    "purge.service.all",
    "purge.service.started",
    "purge.service.started.anonymous",
    "purge.service.completed",
    "purge.service.completed.anonymous",
)


def purge_class(operation: str, limit: dt.datetime) -> Q:
    """The services one purge operation removes among those started before `limit` (spec §6)."""
    started = Q(started_at__lt=limit)
    anonymous = Q(customer_id__isnull=True) | Q(customer_id="")
    classes = {
        "purge.service.all": started,
        "purge.service.started": started & ACTIVE,
        "purge.service.started.anonymous": started & ACTIVE & anonymous,
        "purge.service.completed": started & ~ACTIVE,
        "purge.service.completed.anonymous": started & ~ACTIVE & anonymous,
    }
    if operation not in classes:
        raise ValueError(f"unknown purge operation {operation}")
    return classes[operation]


def expired_services(now: dt.datetime | None = None) -> Q:
    """Services past their expiration time: every purge operation removes them."""
    return Q(expires_at__lte=now or timezone.now())


def purge_selection(tenant, operation: str, limit: dt.datetime, now=None):
    """Every service of `tenant` a purge removes: its class, and the expired ones."""
    condition = purge_class(operation, limit) | expired_services(now)
    return Service.objects.filter(condition, tenant=tenant)


def purge_id_batches(tenant, operation: str, limit: dt.datetime, *, batch: int = 1000, now=None):
    """Batches of service row ids to purge, ascending, by keyset: each batch is one short
    index range query, so nothing is held open between batches (a cancel can stop between)."""
    yield from id_batches(purge_selection(tenant, operation, limit, now), batch=batch)


def id_batches(selection, *, batch: int = 1000):
    """Batches of the row ids of a selection of services, ascending, by keyset (the purge's,
    and a customer's erase): the caller may delete each batch before asking for the next."""
    if connection.vendor == "postgresql":
        yield from _raw_id_batches(selection, batch)
        return
    last = 0
    while True:
        ids = list(
            selection.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _raw_id_batches(selection, batch: int):
    """purge_id_batches on PostgreSQL: the selection's SQL is compiled once and each batch is
    one plain statement (the simple subquery is pulled up: the same index range plan as the
    ORM's query, without building and compiling a queryset per batch)."""
    sql, params = selection.order_by().values_list("id", flat=True).query.sql_with_params()
    keyset = f"SELECT id FROM ({sql}) AS selected WHERE id > %s ORDER BY id LIMIT %s"  # noqa: S608
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(keyset, [*params, last, batch])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        yield ids
        last = ids[-1]


def purge_dry_counts(tenant, operation: str, limit: dt.datetime, now=None) -> dict[str, int]:
    """What a purge would remove, counted without deleting: three queries."""
    selection = purge_selection(tenant, operation, limit, now)
    ids = selection.values("pk")
    return {
        "services": selection.count(),
        "states": State.objects.filter(service_id__in=ids).count(),
        "tasks": Task.objects.filter(service_id__in=ids).count(),
    }


def purge_preview(tenant, limit: dt.datetime, now=None) -> dict[str, int]:
    """How many services of each class would go, and how many are expired, each counted once:
    a class counts only the unexpired ones, since every operation also removes the expired
    ones (a purge of one class removes its count plus "expired"). One aggregate query."""
    expired = expired_services(now)
    aggregates = {
        operation: Count("id", filter=purge_class(operation, limit) & ~expired)
        for operation in PURGE_OPERATIONS
    }
    aggregates["expired"] = Count("id", filter=expired)
    counts = Service.objects.filter(tenant=tenant).aggregate(**aggregates)
    return {key: value or 0 for key, value in counts.items()}


# On PostgreSQL a batch is four statements with the ids as one array parameter; the
# service rows go first (RETURNING only the tenant's own), the foreign keys are deferred.
# The ids come from a tenant-filtered selection; the tenant is checked again on each row, as
# `tenant_id + 0` so the planner always goes by primary key: right after a large import the
# statistics still see the tenant as tiny, and a plain `tenant_id = %s` then sent the DELETE
# through the tenant index, reading the whole tenant for each batch (3x slower).
PURGE_SERVICES_SQL = (
    "DELETE FROM services_service WHERE id = ANY(%s) AND tenant_id + 0 = %s RETURNING id"
)
PURGE_CHILDREN_SQL = {
    "events": "DELETE FROM services_event WHERE service_id = ANY(%s)",
    "tasks": "DELETE FROM services_task WHERE service_id = ANY(%s)",
    "states": "DELETE FROM services_state WHERE service_id = ANY(%s)",
}


def purge_batch(tenant, ids) -> dict[str, int]:
    """Delete one batch of services of `tenant` with their events, tasks and states in one
    short transaction; answer how many of each went. Ids of another tenant are ignored."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PURGE_SERVICES_SQL, [ids, tenant.pk])
            own = [row[0] for row in cursor.fetchall()]
            counts = {"services": len(own)}
            for name, sql in PURGE_CHILDREN_SQL.items():
                cursor.execute(sql, [own])
                counts[name] = cursor.rowcount
        return counts
    with transaction.atomic():
        own = list(Service.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", flat=True))
        return delete_service_rows(own)
