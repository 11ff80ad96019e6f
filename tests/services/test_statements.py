"""The API's hottest reads run as statements written once (plugins/services/statements.py):
a service with its nested lists, and a customer's or a contact's pages. They answer what the
ORM's querysets answer, row for row and page for page, expired and other tenants' rows left out."""

import datetime as dt
import itertools
import re

import pytest
from django.utils import timezone

from plugins.services import selectors, statements
from plugins.services.models import Service, State, Task
from plugins.services.representation import service_dict
from plugins.services.selectors import Nested, ServiceFilter

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=123000)
ALL_NESTED = [Nested(*flags) for flags in itertools.product([False, True], repeat=4)]


def _service(tenant, n: int, **fields) -> Service:
    """Service n with two states and three tasks, one of each completed, and attached data."""
    done = NOW - dt.timedelta(minutes=n)
    service = Service.objects.create(
        tenant=tenant,
        service_id=f"S{n}",
        service_type="Sales",
        started_at=NOW - dt.timedelta(hours=n),
        started_data={"media_type": "voice", "n": n},
        extensions={"basket": {"items": n}},
        est_duration=n,
        **fields,
    )
    for number, completed in ((1, done), (2, None)):
        State.objects.create(
            service=service,
            state_id=number,
            state_type=f"Step{number}",
            started_at=service.started_at,
            completed_at=completed,
            completed_data={"outcome": "ok"} if completed else None,
        )
    for number, completed in ((1, done), (2, None), (3, None)):
        Task.objects.create(
            service=service,
            task_id=number,
            state_id=2,
            task_type="Check",
            started_at=service.started_at,
            completed_at=completed,
        )
    return service


@pytest.fixture
def stored(tenant, other_tenant):
    """Customer C1's services (active, completed, expired, expiring later), anonymous services
    of contact K, a customer's service of contact K, and the same ids in another tenant."""
    past, later = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
    for n in range(1, 8):
        _service(tenant, n, customer_id="C1", completed_at=NOW if n % 3 == 0 else None)
    _service(tenant, 8, customer_id="C1", expires_at=past)
    _service(tenant, 9, customer_id="C1", expires_at=later, completed_at=NOW)
    for n in range(10, 15):
        _service(tenant, n, contact_key="K", completed_at=NOW if n % 2 else None)
    _service(tenant, 15, contact_key="K", customer_id="C2")
    for n in (1, 10, 16):
        _service(other_tenant, n, customer_id="C1", contact_key="K")


def _orm_service(tenant, service_id: str, nested: Nested):
    services = selectors.with_nested(selectors.live_services(tenant), nested)
    return services.filter(service_id=service_id).first()


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("nested", ALL_NESTED)
def test_a_service_and_its_nested_lists_are_the_orms(tenant, nested):
    for n in range(1, 17):
        expected = _orm_service(tenant, f"S{n}", nested)
        if expected is None:  # expired, or another tenant's only
            assert statements.live_service(tenant.pk, f"S{n}") is None
            continue
        found = selectors.get_service(tenant, f"S{n}", nested)
        assert service_dict(found, nested) == service_dict(expected, nested)
    assert n == 16


@pytest.mark.usefixtures("stored")
def test_an_expired_or_foreign_service_is_not_found(tenant, other_tenant):
    assert statements.live_service(tenant.pk, "S8") is None  # expired a day ago
    assert statements.live_service(tenant.pk, "S16") is None  # the other tenant's
    assert statements.live_service(other_tenant.pk, "S16").service_id == "S16"
    assert statements.live_service(tenant.pk, "S9").service_id == "S9"  # expires tomorrow


def _links(response) -> dict[str, str]:
    header = response["Link"] if response.has_header("Link") else ""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def _walk(api, url: str, rel: str) -> tuple[list[list[str]], str | None]:
    """The service ids of each page from `url` on, following `rel` links; and the last
    page's link of the other direction."""
    pages, back = [], None
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        pages.append([body["service_id"] for body in response.json()])
        links = _links(response)
        url, back = links.get(rel), links.get("prev" if rel == "next" else "next")
    return pages, back


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("status", ["all", "active", "completed"])
@pytest.mark.parametrize(
    ("list_path", "filters"),
    [
        ("customers/C1/services", {"customer_id": "C1"}),
        ("services/anonymous/K", {"contact_key": "K", "anonymous": True}),
    ],
)
def test_a_list_pages_as_the_orms_both_ways(api, tenant, status, list_path, filters):
    orm = selectors.service_list(tenant, ServiceFilter(status=status, **filters))
    expected = list(orm.order_by("-id").values_list("service_id", flat=True))
    assert len(expected) >= 2  # every list of the fixture has rows
    suffix = "" if status == "all" else f"/{status}"
    forward, back = _walk(api, f"{list_path}{suffix}?page_size=2", "next")
    assert [n for page in forward for n in page] == expected
    if len(forward) > 1:  # from the last page back to the first, by the prev links
        backward, _ = _walk(api, back, "prev")
        assert backward == list(reversed(forward[:-1]))


def test_a_list_with_another_filter_stays_a_queryset(tenant):
    narrowed = ServiceFilter(customer_id="C1", service_types=("Sales",))
    assert isinstance(selectors.service_page_source(tenant, narrowed), type(Service.objects.all()))
    plain = ServiceFilter(customer_id="C1", status="active")
    assert isinstance(selectors.service_page_source(tenant, plain), statements.ServicesOf)
