"""Every read of the services plug-in that pages or filters. Expired services (past `expires_at`)
are invisible to every read here; only the purge's selection (bulk.purge) sees them."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from csadmin.pluginlib import NotFoundError
from csadmin.pluginlib.storable import echo
from plugins.services import statements
from plugins.services.attributes import ATTRIBUTES
from plugins.services.models import (
    ACTIVE,
    BusinessAttribute,
    BusinessAttributeValue,
    Event,
    Service,
    State,
    Task,
)

STATUSES = ("all", "active", "completed")


def not_expired(now: dt.datetime | None = None) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now())


def live_services(tenant):
    return Service.objects.filter(not_expired(), tenant=tenant)


def customer_services(tenant, customer_id: str):
    """Every stored service of one customer, expired ones too (a data-protection request is
    about everything kept, not what the lists show): by the (tenant, customer_id, id) index."""
    return Service.objects.filter(tenant=tenant, customer_id=customer_id)


def by_status(queryset, status: str):
    if status == "active":
        return queryset.filter(ACTIVE)
    if status == "completed":
        return queryset.filter(completed_at__isnull=False)
    return queryset


@dataclass(frozen=True)
class Nested:
    """Which nested lists a service representation carries (the four `?x=true` flags)."""

    active_states: bool = False
    completed_states: bool = False
    active_tasks: bool = False
    completed_tasks: bool = False

    @property
    def states(self) -> bool:
        return self.active_states or self.completed_states

    @property
    def tasks(self) -> bool:
        return self.active_tasks or self.completed_tasks


NO_NESTED = Nested()


@dataclass(frozen=True)
class ServiceFilter:
    status: str = "all"
    customer_id: str | None = None
    contact_key: str | None = None
    anonymous: bool | None = None  # True: no customer; False: with a customer; None: both
    started_from: dt.datetime | None = None
    started_to: dt.datetime | None = None
    service_types: tuple[str, ...] = ()


def nested_status(active: bool, completed: bool) -> str:
    return "all" if active and completed else "active" if active else "completed"


def load_nested(services: list[Service], nested: Nested) -> list[Service]:
    """Sets `nested_states` and `nested_tasks` (filtered by the flags, by number) on each
    service: two queries at most, whatever the number of services."""
    ids = [service.pk for service in services]
    parts = [
        ("nested_states", State, nested.states, nested.active_states, nested.completed_states),
        ("nested_tasks", Task, nested.tasks, nested.active_tasks, nested.completed_tasks),
    ]
    for attribute, model, wanted, active, completed in parts:
        if not wanted:
            continue
        by_service = {pk: [] for pk in ids}
        for row in statements.nested_rows(model, ids, nested_status(active, completed)):
            by_service[row.service_id].append(row)
        for service in services:
            setattr(service, attribute, by_service[service.pk])
    return services


def with_nested(queryset, nested: Nested):
    """The ORM's form of load_nested, for a queryset the console pages: the same attributes,
    two extra queries at most."""
    lookups = []
    parts = [
        ("states", State, "state_id", nested.states, nested.active_states, nested.completed_states),
        ("tasks", Task, "task_id", nested.tasks, nested.active_tasks, nested.completed_tasks),
    ]
    for name, model, number, wanted, active, completed in parts:
        if wanted:
            rows = by_status(model.objects.order_by(number), nested_status(active, completed))
            lookups.append(Prefetch(name, queryset=rows, to_attr=f"nested_{name}"))
    return queryset.prefetch_related(*lookups) if lookups else queryset


def service_list(tenant, filters: ServiceFilter, nested: Nested = NO_NESTED):
    """Services of a tenant for a list; ordering is left to the keyset pager ("-id")."""
    queryset = by_status(live_services(tenant), filters.status)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.contact_key is not None:
        queryset = queryset.filter(contact_key=filters.contact_key)
    if filters.anonymous is True:
        queryset = queryset.filter(customer_id__isnull=True)
    elif filters.anonymous is False:
        queryset = queryset.filter(customer_id__isnull=False)
    if filters.started_from is not None:
        queryset = queryset.filter(started_at__gte=filters.started_from)
    if filters.started_to is not None:
        queryset = queryset.filter(started_at__lte=filters.started_to)
    if filters.service_types:
        queryset = queryset.filter(service_type__in=filters.service_types)
    return with_nested(queryset, nested)


def service_page_source(tenant, filters: ServiceFilter):
    """What the API's keyset pager pages for a list: a customer's list, or a contact key's
    anonymous list, with no other filter (the calls other programs make most) is a statement
    written once; any other filter is the ORM's queryset."""
    f = filters
    narrowed = f.started_from or f.started_to or f.service_types
    if not narrowed and f.contact_key is None and f.anonymous is None and f.customer_id:
        return statements.ServicesOf(tenant.pk, "customer_id", f.customer_id, f.status)
    if not narrowed and f.customer_id is None and f.anonymous is True and f.contact_key:
        return statements.ServicesOf(
            tenant.pk, "contact_key", f.contact_key, f.status, without_customer=True
        )
    return service_list(tenant, filters)


def status_counts(queryset) -> dict[str, int]:
    """Active and completed counts of a filtered list, in one query."""
    counts = queryset.aggregate(
        active=Count("id", filter=ACTIVE), completed=Count("id", filter=~ACTIVE)
    )
    return {"active": counts["active"] or 0, "completed": counts["completed"] or 0}


def get_service(tenant, service_id: str, nested: Nested = NO_NESTED) -> Service:
    """The live service of this id with the nested lists the flags ask for (statements
    written once: the API's most frequent read)."""
    service = statements.live_service(tenant.pk, service_id)
    if service is None:
        raise NotFoundError(f"service {echo(service_id)} not found")
    return load_nested([service], nested)[0]


@functools.cache
def _numbered_sql(model) -> str:
    """The lookup of a state or task by its number, written once: nearly every state and task
    write starts with it, and building it through the ORM cost three times running it (about
    0.4 ms of CPU per call). At most one row: (service, number) is unique."""
    name = model._meta.model_name
    columns = ", ".join(f.column for f in model._meta.concrete_fields)
    table = model._meta.db_table  # S608: the names come from the model; values are parameters
    return f"SELECT {columns} FROM {table} WHERE service_id = %s AND {name}_id = %s"  # noqa: S608


def _numbered(model, service, number: int):
    """A state or task of the service by its number; 404 when it has none."""
    name = model._meta.model_name  # state or task
    low, high = connection.ops.integer_field_range("IntegerField")
    row = None
    if low <= number <= high:  # a number no column can hold names no row (as the ORM's lookup)
        row = next(iter(model.objects.raw(_numbered_sql(model), [service.pk, number])), None)
    if row is None:
        raise NotFoundError(f"{name} {number} not found in service {service.service_id}")
    return row


def _of_service(model, service, status: str, types: tuple[str, ...]):
    """The states or tasks of the service, by status and types."""
    queryset = by_status(model.objects.filter(service=service), status)
    if types:
        queryset = queryset.filter(**{f"{model._meta.model_name}_type__in": types})
    return queryset


def states_of(service, status: str = "all", state_types: tuple[str, ...] = ()):
    return _of_service(State, service, status, state_types)


def get_state(service, state_id: int) -> State:
    return _numbered(State, service, state_id)


def tasks_of(service, status="all", task_types: tuple[str, ...] = (), state_id: int | None = None):
    """The tasks of the service; a task list may also be filtered by its state (spec §5)."""
    queryset = _of_service(Task, service, status, task_types)
    if state_id is not None:
        queryset = queryset.filter(state_id=state_id)
    return queryset


def get_task(service, task_id: int) -> Task:
    return _numbered(Task, service, task_id)


def events_of(service):
    return Event.objects.filter(service=service).order_by("at", "id")


def service_detail(tenant, service_id: str):
    """A service with all its states, tasks and events, for its page: four queries."""
    service = get_service(tenant, service_id, Nested(True, True, True, True))
    return service, list(events_of(service))


def seen_customer_ids(tenant, prefix: str, limit: int = 10) -> list[str]:
    """Customer ids already on services of this tenant starting with `prefix` (suggestions)."""
    return list(
        Service.objects.filter(tenant=tenant, customer_id__startswith=prefix)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:limit]
    )


def service_types_in_use(tenant, limit: int = 200) -> list[str]:
    names = BusinessAttributeValue.objects.filter(
        attribute__tenant=tenant, attribute__name="Service.type"
    ).values_list("name", flat=True)
    return list(names[:limit])


# -- business attributes ---------------------------------------------------------------------


def business_attributes(tenant) -> list[dict]:
    """The seven attributes with their values, in two queries."""
    rows = {
        row.name: row
        for row in BusinessAttribute.objects.filter(tenant=tenant).prefetch_related(
            Prefetch("values", queryset=BusinessAttributeValue.objects.order_by("name"))
        )
    }
    return [_attribute_dict(name, rows.get(name)) for name in ATTRIBUTES]


def business_attribute(tenant, name: str) -> dict:
    if name not in ATTRIBUTES:
        raise NotFoundError(f"business attribute {echo(name)} not found")
    row = (
        BusinessAttribute.objects.filter(tenant=tenant, name=name)
        .prefetch_related(
            Prefetch("values", queryset=BusinessAttributeValue.objects.order_by("name"))
        )
        .first()
    )
    return _attribute_dict(name, row)


def _attribute_dict(name: str, row) -> dict:
    display_name, description = ATTRIBUTES[name]
    values = list(row.values.all()) if row is not None else []
    return {
        "name": name,
        "display_name": row.display_name if row is not None and row.display_name else display_name,
        "description": row.description if row is not None and row.description else description,
        "values": [
            {
                "id": value.pk,
                "name": value.name,
                "display_name": value.display_name,
                "description": value.description,
            }
            for value in values
        ],
    }


def active_count(tenant, now: dt.datetime | None = None) -> int:
    """The tenant's active services that have not expired.

    Every active service is counted from the partial index svc_active alone (an index-only
    scan), less the active ones past their expiry that the purge has not removed yet (few;
    svc_expiring finds them). Filtering on `expires_at` directly would read each active row
    from the table: at 120,000 active services, 0.3 s against some 10 ms.
    """
    active = Service.objects.filter(ACTIVE, tenant=tenant)
    expired = (
        active.filter(expires_at__lte=now or timezone.now())
        .values("tenant")
        .annotate(n=Count("id"))
        .values("n")
    )
    counted = active.aggregate(n=Count("id") - Coalesce(Subquery(expired), 0))
    return counted["n"]


def recent_services(tenant, limit: int = 5) -> list[Service]:
    """The services started last, newest first (ids follow arrival, not the start time an
    import or the API gave)."""
    return list(live_services(tenant).order_by("-started_at", "-id")[:limit])


# -- the dashboard's figures: a fixed number of aggregate queries, whatever the volume --------

TREND_DAYS = 30
OTHER_TYPES = "other types"
DURATION = ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField())


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median of an ordered set, interpolated."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Trend:
    days: list[dt.date]
    started: list[tuple[dt.date, dict[str, int]]]
    completed: list[tuple[dt.date, dict[str, int]]]
    active: int
    median_duration: dt.timedelta | None
    completed_total: int


def trend_days(today: dt.date | None = None, days: int = TREND_DAYS) -> list[dt.date]:
    today = today or timezone.localdate()
    return [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def per_day(tenant, field: str, days: list[dt.date], top_types: int = 5):
    """Services per local day and type whose `field` falls in `days`: one GROUP BY query.
    Beyond the `top_types` busiest types, the rest are summed as one series."""
    counts = (
        live_services(tenant)
        .filter(**{f"{field}__gte": day_start(days[0])})
        .annotate(day=TruncDate(field))
        .values("day", "service_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_day: dict[dt.date, dict[str, int]] = {day: {} for day in days}
    totals: dict[str, int] = {}
    rows = [(row["day"], row["service_type"] or "(no type)", row["n"]) for row in counts]
    for _, kind, n in rows:
        totals[kind] = totals.get(kind, 0) + n
    kept = set(sorted(totals, key=lambda kind: (-totals[kind], kind))[:top_types])
    for day, kind, n in rows:
        if day not in by_day:  # a start time later than today (clock skew, imports)
            continue
        name = kind if kind in kept else OTHER_TYPES
        by_day[day][name] = by_day[day].get(name, 0) + n
    return list(by_day.items())


def completed_figures(tenant, since: dt.datetime) -> tuple[dt.timedelta | None, int]:
    """The median duration of the services completed since `since`, and how many they are:
    read through svc_completed, so a tenant's older history is never read.

    PostgreSQL computes the median in the same query (percentile_cont); other databases have
    no percentile, so a second query reads the middle row(s) of the ordered durations.
    """
    done = live_services(tenant).filter(completed_at__gte=since)
    figures = {"completed": Count("id")}
    if connection.vendor == "postgresql":
        figures["median"] = Median(DURATION)
    result = done.aggregate(**figures)
    count = result["completed"]
    if "median" in result or not count:
        return result.get("median"), count
    middle = list(
        done.annotate(duration=DURATION)
        .order_by("duration")
        .values_list("duration", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    return sum(middle, dt.timedelta()) / len(middle), count


def dashboard_trend(tenant, today: dt.date | None = None) -> Trend:
    days = trend_days(today)
    # Apart, not one statement over "active or completed lately": together they read every
    # active row from the table; apart, each is served by its own index.
    median, completed_total = completed_figures(tenant, day_start(days[0]))
    return Trend(
        days=days,
        started=per_day(tenant, "started_at", days),
        completed=per_day(tenant, "completed_at", days),
        active=active_count(tenant),
        median_duration=median,
        completed_total=completed_total,
    )


def business_value(tenant, value_id: int) -> BusinessAttributeValue:
    """One value of the tenant's business attributes, with its attribute; NotFoundError if none."""
    value = (
        BusinessAttributeValue.objects.select_related("attribute")
        .filter(attribute__tenant=tenant, pk=value_id)
        .first()
    )
    if value is None:
        raise NotFoundError(f"business attribute value {value_id} not found")
    return value


def service_parts_count(service) -> dict[str, int]:
    """How many states, tasks and events a service holds (what its deletion removes)."""
    return {
        "states": service.states.count(),
        "tasks": service.tasks.count(),
        "events": Event.objects.filter(service=service).count(),
    }
