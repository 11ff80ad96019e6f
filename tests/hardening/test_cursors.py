"""Cursors a list did not give out answer 400 on every list, pages and API alike: garbage, a raw
row id, a cursor of another list, of the same list under other filters, of another tenant.
Never the first page, which would look like a list that lost its rows."""

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from csadmin.audit.models import AuditEntry
from csadmin.jobs.models import JobRun
from csadmin.pluginlib.paging import ELSEWHERE, GARBAGE
from plugins.profiles.models import Customer
from plugins.services.models import Service
from plugins.webhooks import services as webhooks
from plugins.webhooks.models import Delivery
from tests.sample_plugin.models import Note

pytestmark = pytest.mark.django_db
NOW = timezone.now()

# One more row than a page holds on each list, so each list gives out a next cursor.
BUILDERS = {
    "services": lambda t, n: Service.objects.bulk_create(
        Service(tenant=t, service_id=f"S{i}", service_type="Sales", started_at=NOW)
        for i in range(n)
    ),
    "customer_tab": lambda t, n: Service.objects.bulk_create(
        Service(
            tenant=t, service_id=f"S{i}", service_type="Sales", customer_id="C1", started_at=NOW
        )
        for i in range(n)
    ),
    "customers": lambda t, n: Customer.objects.bulk_create(
        Customer(tenant=t, customer_id=f"C{i:03d}") for i in range(n)
    ),
    "jobs": lambda t, n: JobRun.objects.bulk_create(
        JobRun(tenant=t, kind="sample.count_notes", plugin="sample", created_by="root")
        for _ in range(n)
    ),
    "audit": lambda t, n: AuditEntry.objects.bulk_create(
        AuditEntry(tenant=t, actor="root", plugin="sample", action="note.add", object_type="n")
        for _ in range(n)
    ),
}
# path, cursor parameter, page size, a filter that changes the list
PAGES = {
    "services": (lambda s: reverse("services:service-list"), "before", 25, "type=Other"),
    "customer_tab": (
        lambda s: reverse("services:customer-tab", args=["C1"]),
        "before",
        25,
        "type=Other",
    ),
    "customers": (lambda s: reverse("profiles:customers"), "after", 25, "q=C00"),
    "jobs": (lambda s: "/jobs/", "after", 50, "state=failed"),
    "audit": (lambda s: "/audit/", "after", 50, "plugin=other"),
    "delivery_log": (lambda s: reverse("webhooks:detail", args=[s.pk]), "after", 25, "x=1"),
}


@pytest.fixture
def subscription(settings, tenant, admin):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["hooks.test"]
    body = {"name": "Orders app", "target_url": "https://hooks.test/cs"}
    subscription, _ = webhooks.subscription_create(tenant=tenant, body=body, actor=admin)
    return subscription


def log_rows(subscription, count):
    Delivery.objects.bulk_create(
        Delivery(subscription=subscription, kind="service.start", event_id=1000 + n, event={})
        for n in range(count)
    )


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def next_cursor(response, param: str) -> str:
    """The cursor of the page's link to the next page (services and jobs say "Older")."""
    page = html.unescape(response.content.decode())
    found = re.search(rf'href="[^"]*[?&]{param}=([^"&]+)"[^>]*>[^<]*(Older|Next)', page)
    assert found, "the page gives out no next cursor"
    return parse_qs(f"{param}={found.group(1)}")[param][0]


def build(name, tenant, subscription):
    path, param, size, _filter = PAGES[name]
    if name == "delivery_log":
        log_rows(subscription, size + 1)
    else:
        BUILDERS[name](tenant, size + 1)
    return path(subscription), param


@pytest.mark.parametrize("name", PAGES)
def test_a_page_walks_on_with_the_cursor_it_gave_out(browser, tenant, subscription, name):
    path, param = build(name, tenant, subscription)
    cursor = next_cursor(browser.get(path), param)
    response = browser.get(path, {param: cursor})
    assert response.status_code == 200
    assert b'data-testid="bad-cursor"' not in response.content


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("junk", ["x", "12", "C024", "-1", "9" * 40, "e30:abc", "²"])
def test_a_page_refuses_garbage_cursors_with_400(browser, tenant, subscription, name, junk):
    path, param = build(name, tenant, subscription)
    response = browser.get(path, {param: junk, "sort": "created"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="bad-cursor"' in body and f"<code>{param}</code>" in body
    assert GARBAGE in body
    # The way out keeps the other parameters and drops the cursor.
    assert f'href="{path}?sort=created"' in body


@pytest.mark.parametrize("name", PAGES)
def test_a_page_refuses_a_cursor_of_another_list(browser, tenant, subscription, name):
    BUILDERS["audit"](tenant, 51)
    foreign = next_cursor(browser.get("/audit/"), "after")
    if name == "audit":  # the jobs list's cursor, then
        BUILDERS["jobs"](tenant, 51)
        foreign = next_cursor(browser.get("/jobs/"), "after")
    path, param = build(name, tenant, subscription)
    response = browser.get(path, {param: foreign})
    assert response.status_code == 400
    assert html.escape(ELSEWHERE) in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_a_page_refuses_its_cursor_under_other_filters(browser, tenant, subscription, name):
    path, param = build(name, tenant, subscription)
    cursor = next_cursor(browser.get(path), param)
    _path, _param, _size, other_filter = PAGES[name]
    response = browser.get(f"{path}?{other_filter}&{urlencode({param: cursor})}")
    assert response.status_code == 400
    assert html.escape(ELSEWHERE) in response.content.decode()


def test_the_log_of_one_subscription_refuses_the_cursor_of_anothers(
    browser, tenant, admin, subscription
):
    log_rows(subscription, 26)
    path = reverse("webhooks:detail", args=[subscription.pk])
    cursor = next_cursor(browser.get(path), "after")
    body = {"name": "Billing", "target_url": "https://hooks.test/billing"}
    other, _ = webhooks.subscription_create(tenant=tenant, body=body, actor=admin)
    response = browser.get(reverse("webhooks:detail", args=[other.pk]), {"after": cursor})
    assert response.status_code == 400


def test_an_htmx_request_with_a_bad_cursor_is_refused_too(browser, tenant):
    BUILDERS["jobs"](tenant, 3)
    response = browser.get("/jobs/", {"after": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 400


# -- the API ---------------------------------------------------------------------------------

API_LISTS = [
    "sample/notes",
    "maintenance/jobs",
    "metadata/subscriptions",
    "metadata/subscriptions/{subscription}/deliveries",
    "metadata/profiles/extensions",
    "metadata/identification-keys",
    "customers/C1/services",
    "customers/C1/services/active",
    "services/anonymous/K1/completed",
    "services/{service}/states",
    "services/{service}/tasks",
]


@pytest.fixture
def api_lists(api, subscription):
    started = api.post("services/start", {"service_type": "Sales", "customer_id": "C1"})
    service = started.json()["service_id"]
    return [url.format(subscription=subscription.pk, service=service) for url in API_LISTS]


@pytest.fixture
def notes_cursor(api, tenant):
    Note.objects.bulk_create(Note(tenant=tenant, text=f"n{i}") for i in range(3))
    link = re.search(r"<([^>]+)>", api.get("sample/notes?page_size=1")["Link"]).group(1)
    return parse_qs(urlsplit(link).query)["cursor"][0]


def test_every_api_list_refuses_garbage_and_the_cursors_of_other_lists(
    api, api_lists, notes_cursor
):
    for url in api_lists:
        assert api.get(url).status_code == 200, url
        for junk, rule in (("garbage", GARBAGE), ("cD0x", GARBAGE), (notes_cursor, ELSEWHERE)):
            if url == "sample/notes" and junk == notes_cursor:
                continue  # its own cursor
            response = api.get(f"{url}?cursor={junk}")
            assert response.status_code == 400, (url, junk)
            assert response.json()["errors"] == {"cursor": [rule]}, url
