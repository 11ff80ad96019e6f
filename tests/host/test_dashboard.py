"""The dashboard: services trend and figures, job and subscription health, the server mode;
a fixed number of queries whatever the volume."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from csadmin.jobs.models import JobRun
from csadmin.jobs.selectors import job_health
from csadmin.testing import make_tenant, make_user
from plugins.services import selectors
from plugins.services.extensions import duration_text
from plugins.services.models import Service
from plugins.webhooks.models import Subscription
from plugins.webhooks.selectors import subscription_health


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def noon(days_ago: int):
    day = timezone.localdate() - timedelta(days=days_ago)
    return selectors.day_start(day) + timedelta(hours=12)


def service(tenant, name, started, minutes=None, kind="Sales"):
    completed = started + timedelta(minutes=minutes) if minutes is not None else None
    return Service.objects.create(
        tenant=tenant,
        service_id=name,
        service_type=kind,
        started_at=started,
        completed_at=completed,
    )


def subscription(tenant, name, **values):
    return Subscription.objects.create(
        tenant=tenant, name=name, target_url="https://example.com/hook", secret="s", **values
    )


def fill(tenant, n: int):
    """n services over n days and several types, plus jobs and subscriptions."""
    for i in range(n):
        service(tenant, f"bulk-{i}", noon(i % 29), minutes=i if i % 3 else None, kind=f"T{i % 7}")
        JobRun.objects.create(tenant=tenant, kind="k", state="failed", finished_at=timezone.now())
        subscription(tenant, f"bulk-{i}", active=bool(i % 2))


def test_trend_counts_started_and_completed_per_day_and_type(tenant, other_tenant):
    service(tenant, "a", noon(2), minutes=10)  # completed the same day
    service(tenant, "b", noon(2), minutes=60 * 24, kind="Support")  # completed the next day
    service(tenant, "c", noon(0))  # active
    service(tenant, "old", noon(40), minutes=5)  # before the window
    service(other_tenant, "x", noon(2), minutes=1)
    trend = selectors.dashboard_trend(tenant)
    started, completed = dict(trend.started), dict(trend.completed)
    assert len(trend.days) == 30 and trend.days[-1] == timezone.localdate()
    day2, day1, day0 = (timezone.localdate() - timedelta(days=n) for n in (2, 1, 0))
    assert started[day2] == {"Sales": 1, "Support": 1} and started[day0] == {"Sales": 1}
    assert completed[day2] == {"Sales": 1} and completed[day1] == {"Support": 1}
    assert sum(sum(values.values()) for values in started.values()) == 3
    assert trend.active == 1
    assert trend.completed_total == 2
    # median of 10 min and 24 h: their mean (an even count interpolates)
    assert trend.median_duration == timedelta(minutes=(10 + 60 * 24) / 2)


def test_expired_services_are_left_out_of_every_figure(tenant, other_tenant):
    now = timezone.now()
    service(tenant, "active", noon(1))
    service(tenant, "done", noon(1), minutes=10)
    for name, minutes in (("expired-active", None), ("expired-done", 20)):
        service(tenant, name, noon(1), minutes=minutes)
        Service.objects.filter(service_id=name).update(expires_at=now - timedelta(minutes=1))
    later = service(tenant, "expires-later", noon(1))
    Service.objects.filter(pk=later.pk).update(expires_at=now + timedelta(days=1))
    service(other_tenant, "elsewhere", noon(1))
    trend = selectors.dashboard_trend(tenant)
    assert trend.active == 2  # "active" and "expires-later"
    assert trend.completed_total == 1
    assert trend.median_duration == timedelta(minutes=10)
    assert selectors.active_count(tenant) == 2


def test_median_of_an_odd_count_is_the_middle_duration(tenant):
    for n, minutes in enumerate([30, 1, 7]):
        service(tenant, f"s{n}", noon(3), minutes=minutes)
    assert selectors.dashboard_trend(tenant).median_duration == timedelta(minutes=7)


def test_types_beyond_the_busiest_five_are_summed(tenant):
    for n in range(7):
        for copy in range(7 - n):
            service(tenant, f"s{n}-{copy}", noon(1), kind=f"T{n}")
    day = dict(selectors.dashboard_trend(tenant).started)[timezone.localdate() - timedelta(days=1)]
    assert set(day) == {"T0", "T1", "T2", "T3", "T4", selectors.OTHER_TYPES}
    assert day[selectors.OTHER_TYPES] == 2 + 1


def test_job_health_counts_running_and_failures_of_the_last_day(tenant, other_tenant):
    now = timezone.now()
    JobRun.objects.create(tenant=tenant, kind="k", state="running")
    JobRun.objects.create(tenant=tenant, kind="k", state="failed", finished_at=now)
    JobRun.objects.create(
        tenant=tenant, kind="k", state="failed", finished_at=now - timedelta(hours=25)
    )
    JobRun.objects.create(tenant=other_tenant, kind="k", state="failed", finished_at=now)
    assert job_health(tenant) == {"running": 1, "queued": 0, "failed": 1}


def test_subscription_health_counts_paused_and_failing(tenant):
    subscription(tenant, "ok")
    subscription(tenant, "paused", active=False, consecutive_failures=10)
    subscription(tenant, "failing", consecutive_failures=2)
    assert subscription_health(tenant) == {"total": 3, "paused": 1, "failing": 1}


def test_the_page_shows_every_part(admin_client, tenant):
    service(tenant, "newer", noon(1))  # created first: newest by start time, not by id
    service(tenant, "older", noon(3), minutes=4)
    subscription(tenant, "paused", active=False)
    JobRun.objects.create(tenant=tenant, kind="k", state="failed", finished_at=timezone.now())
    page = admin_client.get("/").content.decode()
    assert 'data-testid="active-services">1<' in page
    assert 'data-testid="median-duration">4 min 00 s<' in page
    assert page.count('<svg class="chart"') == 2 and page.count('<rect class="bar"') == 3
    assert "Services started per day, last 30 days as a table" in page
    assert 'data-testid="jobs-failed" href="/jobs/?state=failed">1<' in page
    assert 'data-testid="subscriptions-paused">1<' in page
    assert (
        "Server mode: <strong>Maintenance</strong>" in page and "Schema changes are allowed" in page
    )
    assert page.index("/services/s/newer/") < page.index("/services/s/older/")  # newest first


def test_the_page_renders_for_a_tenant_with_no_data(admin_client, tenant):
    response = admin_client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="active-services">0<' in page
    assert 'data-testid="median-duration">—<' in page
    assert page.count("Nothing in this period.") == 2


def test_production_mode_is_explained(admin_client, tenant):
    tenant.mode = "production"
    tenant.save()
    page = admin_client.get("/").content.decode()
    assert (
        "Server mode: <strong>Production</strong>" in page and "Schema changes are refused" in page
    )


def test_the_page_costs_a_fixed_number_of_queries(
    admin_client, tenant, django_assert_max_num_queries
):
    service(tenant, "one", noon(1), minutes=3)  # one completed: the portable median reads it
    admin_client.get("/")  # warm the caches a first visit fills
    with CaptureQueriesContext(connection) as empty:
        admin_client.get("/")
    fill(tenant, 40)
    other = make_tenant("Bigger")
    make_user("other", other, ["Administrator"])
    with CaptureQueriesContext(connection) as full:
        admin_client.get("/")
    assert len(full) == len(empty)
    with django_assert_max_num_queries(len(empty)):
        assert admin_client.get("/").status_code == 200


def test_durations_read_as_people_read_them():
    assert duration_text(None) == "—"
    assert duration_text(timedelta(seconds=38.4)) == "38 s"
    assert duration_text(timedelta(minutes=4, seconds=12)) == "4 min 12 s"
    assert duration_text(timedelta(hours=2, minutes=5)) == "2 h 05 min"
