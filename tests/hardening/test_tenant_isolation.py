"""Two tenants with look-alike data: the same customer ids, extension schema names, keys,
contact keys, service types and jobs. Everything one tenant reads (API lists, gets, identify,
filters, counts, jobs, job files, pages) shows nothing of the other, errors included."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from csadmin.testing import Api, make_tenant, make_user
from plugins.services.services import business_value_add
from tests.jobs import jobs_for_tests

PROFILE = {
    "attributes": [
        {"name": "LastName", "type": "string", "mandatory": True},
        {"name": "PhoneNumber", "type": "string"},
    ]
}
ADDRESS = {
    "name": "Address",
    "type": "multi-valued",
    "unique": ["PostCode"],
    "attributes": [
        {"name": "PostCode", "type": "string", "mandatory": True},
        {"name": "Note", "type": "string", "default": "none"},
    ],
}
KEY = {"name": "ByPhone", "source": "profile", "attributes": ["PhoneNumber"]}
CUSTOMERS = ("C1", "C2")
CONTACT_KEY = "555-0100"
EPOCH = "2000-01-01T00:00:00Z"
FUTURE = "2999-01-01T00:00:00Z"


def build(name: str, run_job) -> dict:
    """A tenant whose every value says its name (as `name.lower()`), through the API."""
    tenant = make_tenant(name)
    user = make_user(f"admin-{name.lower()}", tenant, ["Administrator"])
    api = Api(user, tenant)
    mark = name.lower()
    assert api.put("metadata/profiles", PROFILE).status_code == 200
    assert api.post("metadata/profiles/extensions", ADDRESS).status_code == 201
    assert api.post("metadata/identification-keys", KEY).status_code == 201
    business_value_add(
        tenant=tenant,
        attribute="Service.type",
        name="Sales",
        display_name=f"Sales {mark}",
        description=f"sales of {mark}",
        actor=user,
    )
    for customer_id in CUSTOMERS:
        body = {
            "customer_id": customer_id,
            "LastName": f"Doe-{mark}",
            "PhoneNumber": "555-1",
            "Address": [{"PostCode": "1000", "Note": f"home-{mark}"}],
        }
        assert api.post("profiles", body).status_code == 201
    service_ids = []
    for body in (
        {"customer_id": "C1", "note": f"attached-{mark}"},
        {"contact_key": CONTACT_KEY, "note": f"attached-{mark}"},
    ):
        response = api.post("services/start", {"service_type": "Sales", **body})
        assert response.status_code == 201
        service_ids.append(response.json()["service_id"])
    sid = service_ids[0]
    state = api.post(f"services/{sid}/states/start", {"state_type": "Talking", "x": mark})
    task = api.post(f"services/{sid}/tasks/start", {"task_type": "Callback", "x": mark})
    job = run_job(
        tenant=tenant,
        actor=user,
        kind=jobs_for_tests.with_files,
        arguments={"name": "report.csv"},
    )
    assert job.state == "succeeded"
    return {
        "tenant": tenant,
        "user": user,
        "api": api,
        "mark": mark,
        "service_ids": service_ids,
        "state_id": state.json()["state_id"],
        "task_id": task.json()["task_id"],
        "job_id": job.pk,
    }


@pytest.fixture
def twins(db, run_job):
    return build("Acme", run_job), build("Globex", run_job)


@pytest.fixture
def run_job(django_capture_on_commit_callbacks, settings, tmp_path):
    from csadmin.jobs import enqueue_job

    settings.MEDIA_ROOT = tmp_path / "files"

    def run(*, tenant, actor, kind, arguments):
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue_job(tenant=tenant, kind=kind, arguments=arguments, actor=actor)
        job.refresh_from_db()
        return job

    return run


def reads_of(own: dict) -> list[str]:
    sid = own["service_ids"][0]
    return [
        "server/status",
        "metadata/profiles",
        "metadata/profiles/extensions",
        "metadata/profiles/extensions/Address",
        "metadata/identification-keys",
        "metadata/identification-keys/ByPhone",
        "metadata/business-attributes",
        "metadata/business-attributes/Service.type",
        "profiles?PhoneNumber=555-1",
        "profiles?PhoneNumber=555-1&extensions=*",
        "profiles/C1?extensions=*",
        "profiles/C2",
        "customers/C1/services?active_states=true&active_tasks=true",
        "customers/C1/services/active",
        "customers/C1/services/completed",
        f"services/anonymous/{CONTACT_KEY}",
        f"services/anonymous/{CONTACT_KEY}/active",
        f"services/{sid}?active_states=true&active_tasks=true",
        f"services/{sid}/states",
        f"services/{sid}/states/{own['state_id']}",
        f"services/{sid}/tasks",
        f"services/{sid}/tasks/{own['task_id']}",
        "maintenance/jobs",
        f"maintenance/jobs/{own['job_id']}",
        f"maintenance/services/stream?time_from={EPOCH}",
        f"maintenance/services/stream?time_from={EPOCH}&export_content=true",
    ]


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def stream_of(api) -> list:
    return json.loads(body_of(api.get(f"maintenance/services/stream?time_from={EPOCH}")))


def assert_nothing_of(other: dict, text: str, where: str) -> None:
    lowered = text.lower()
    assert other["mark"] not in lowered, (where, text[:500])
    for sid in other["service_ids"]:
        assert sid not in lowered, (where, "service id of the other tenant")


def test_api_reads_show_nothing_of_the_other_tenant(twins):
    for own, other in (twins, twins[::-1]):
        for path in reads_of(own):
            response = own["api"].get(path)
            assert response.status_code == 200, (path, response.content[:300])
            assert_nothing_of(other, body_of(response), path)


def test_api_counts_are_the_tenants_own(twins):
    acme, _globex = twins
    api = acme["api"]
    assert len(api.get("profiles?PhoneNumber=555-1").json()) == len(CUSTOMERS)
    assert len(api.get("customers/C1/services").json()) == 1
    assert len(api.get(f"services/anonymous/{CONTACT_KEY}").json()) == 1
    assert len(api.get("metadata/profiles/extensions").json()) == 1
    assert len(api.get("metadata/identification-keys").json()) == 1
    assert [job["id"] for job in api.get("maintenance/jobs").json()] == [acme["job_id"]]
    services = api.get("metadata/business-attributes/Service.type").json()["values"]
    assert [value["name"] for value in services] == ["Sales"]


NEVER = "0" * 32  # a service id no tenant has
NEVER_JOB = 999999
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def unmasked(html: str) -> str:
    """CSRF tokens are masked afresh on every answer."""
    return CSRF_TOKEN.sub("TOKEN", html)


def same_as_missing(call, theirs: str, missing: str, other: dict) -> int:
    """The answer about the other tenant's object equals the one about an object that never
    existed (with the caller's own id echoed back), and names nothing else of the other."""
    got, expected = call(theirs), call(missing)
    body = got.content.decode()
    for sid in other["service_ids"]:
        body = body.replace(sid, NEVER)
    body = body.replace(f"jobs/{other['job_id']}", f"jobs/{NEVER_JOB}")
    body = body.replace(f"job {other['job_id']}", f"job {NEVER_JOB}")
    assert got.status_code == expected.status_code, (theirs, got.status_code, expected.status_code)
    assert unmasked(body) == unmasked(expected.content.decode()), (theirs, body[:300])
    assert_nothing_of(other, body, theirs)
    return got.status_code


def test_the_other_tenants_objects_answer_as_if_they_did_not_exist(twins):
    acme, globex = twins
    api = acme["api"]
    sid, job = globex["service_ids"][0], globex["job_id"]
    reads = [
        (f"services/{sid}", f"services/{NEVER}"),
        (f"services/{sid}/states", f"services/{NEVER}/states"),
        (f"services/{sid}/tasks/{globex['task_id']}", f"services/{NEVER}/tasks/1"),
        (f"maintenance/jobs/{job}", f"maintenance/jobs/{NEVER_JOB}"),
        (
            f"maintenance/jobs/{job}/files/report.csv",
            f"maintenance/jobs/{NEVER_JOB}/files/report.csv",
        ),
    ]
    for theirs, missing in reads:
        assert same_as_missing(api.get, theirs, missing, globex) == 404
    writes = [
        ("post", "services/{}/end", {}),
        ("put", "services/{}", {"ttl": 60}),
        ("post", "services/{}/states/start", {"state_type": "Talking"}),
        ("post", "services/{}/tasks/start", {"task_type": "Callback"}),
        ("post", "customers/C2/services/{}", {}),
        ("delete", "services/{}", None),
    ]
    for method, template, body in writes:
        call = getattr(api, method)
        status = same_as_missing(
            lambda path, call=call, body=body: call(path, body) if body is not None else call(path),
            template.format(sid),
            template.format(NEVER),
            globex,
        )
        assert status in (400, 404), template  # DELETE keeps CS' 400 (spec section 1)
    for action in ("cancel", "retry"):
        status = same_as_missing(
            api.post,
            f"maintenance/jobs/{job}/{action}",
            f"maintenance/jobs/{NEVER_JOB}/{action}",
            globex,
        )
        assert status == 404
    # and Globex still has all of it
    assert globex["api"].get(f"services/{sid}").json()["service_id"] == sid
    assert globex["api"].get(f"maintenance/jobs/{job}").json()["state"] == "succeeded"


def test_writes_in_one_tenant_leave_the_other_alone(twins):
    acme, globex = twins
    assert acme["api"].delete("profiles/C1").status_code == 200
    assert acme["api"].delete("metadata/identification-keys/ByPhone").status_code == 204
    assert globex["api"].get("profiles/C1").status_code == 200
    assert len(globex["api"].get("profiles?PhoneNumber=555-1").json()) == 2


def page_urls(own: dict) -> list[str]:
    sid = own["service_ids"][0]
    return [
        reverse("ui:dashboard"),
        reverse("profiles:customers"),
        reverse("profiles:customers") + "?q=C1",
        reverse("profiles:customer", kwargs={"customer_id": "C1"}),
        reverse("profiles:schemas"),
        reverse("profiles:profile-schema"),
        reverse("profiles:schema-edit", kwargs={"name": "Address"}),
        reverse("profiles:keys"),
        reverse("services:service-list"),
        reverse("services:service-detail", kwargs={"service_id": sid}),
        reverse("services:customer-tab", kwargs={"customer_id": "C1"}),
        reverse("services:attributes"),
        reverse("jobs:list"),
        reverse("jobs:detail", kwargs={"job_id": own["job_id"]}),
        reverse("jobs:file", kwargs={"job_id": own["job_id"], "name": "report.csv"}),
        reverse("maintenance:page"),
        reverse("maintenance:preview") + "?limit=2999-01-01T00:00Z&operation=purge.service.all",
        reverse("maintenance:export")
        + "?time_from=2000-01-01T00:00Z&filter_events=any&export_content=on",
    ]


def signed_in(own: dict) -> Client:
    client = Client()
    client.force_login(own["user"])
    return client


def test_pages_show_nothing_of_the_other_tenant(twins):
    for own, other in (twins, twins[::-1]):
        client = signed_in(own)
        for url in page_urls(own):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert_nothing_of(other, body_of(response), url)


def test_pages_of_the_other_tenants_objects_are_not_found(twins):
    acme, globex = twins
    client = signed_in(acme)
    sid, job = globex["service_ids"][0], globex["job_id"]
    for name, theirs, missing in (
        ("services:service-detail", {"service_id": sid}, {"service_id": NEVER}),
        ("services:service-delete", {"service_id": sid}, {"service_id": NEVER}),
        ("jobs:detail", {"job_id": job}, {"job_id": NEVER_JOB}),
        ("jobs:live", {"job_id": job}, {"job_id": NEVER_JOB}),
        (
            "jobs:file",
            {"job_id": job, "name": "report.csv"},
            {"job_id": NEVER_JOB, "name": "report.csv"},
        ),
    ):
        status = same_as_missing(
            client.get, reverse(name, kwargs=theirs), reverse(name, kwargs=missing), globex
        )
        assert status == 404, name


def test_export_and_purge_of_one_tenant_leave_the_other_alone(
    twins, django_capture_on_commit_callbacks
):
    acme, globex = twins
    exported = stream_of(acme["api"])
    assert sorted(exported) == sorted(acme["service_ids"])  # without content: the ids
    with django_capture_on_commit_callbacks(execute=True):
        purge = acme["api"].post(
            "maintenance/purge", {"operation": "purge.service.all", "limit": FUTURE}
        )
    assert purge.status_code == 202, purge.content
    job = acme["api"].get(f"maintenance/jobs/{purge.json()['job_id']}").json()
    assert job["state"] == "succeeded" and job["counts"]["services"] == 2, job
    assert stream_of(acme["api"]) == []
    left = stream_of(globex["api"])
    assert sorted(left) == sorted(globex["service_ids"])
    assert [j["id"] for j in globex["api"].get("maintenance/jobs").json()] == [globex["job_id"]]


def by_testid(html: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>\s*([^<]*?)\s*<', html)
    assert found, name
    return found.group(1)


def test_page_totals_count_only_the_tenants_own(twins):
    """Globex gets extra rows; Acme's totals must not move."""
    acme, globex = twins
    for n in range(3):
        globex["api"].post("profiles", {"customer_id": f"G{n}", "LastName": "Doe-globex"})
        globex["api"].post("services/start", {"service_type": "Sales", "customer_id": "C1"})
    client = signed_in(acme)
    dashboard = client.get(reverse("ui:dashboard")).content.decode()
    assert by_testid(dashboard, "customer-count") == str(len(CUSTOMERS))
    assert by_testid(dashboard, "schema-count").startswith("1 ")
    assert by_testid(dashboard, "active-services") == "2"
    tab = client.get(reverse("services:customer-tab", kwargs={"customer_id": "C1"}))
    assert by_testid(tab.content.decode(), "count-active") == "1"
    theirs = signed_in(globex).get(reverse("ui:dashboard")).content.decode()
    assert by_testid(theirs, "customer-count") == str(len(CUSTOMERS) + 3)
