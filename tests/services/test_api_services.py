"""Services API (spec §4): every operation with its status codes and bodies."""

import datetime as dt

import pytest
from django.utils import timezone

from plugins.services.models import Event, Service, State, Task

pytestmark = pytest.mark.django_db


def test_start_answers_201_with_an_opaque_id_and_records_an_event(api, tenant):
    response = api.post(
        "services/start",
        {
            "service_type": "Sales",
            "customer_id": "C1",
            "contact_key": "555-0100",
            "session_id": "s" * 32,
            "interaction_id": "i" * 50,
            "est_duration": 120,
            "media_type": "voice",
            "basket": {"items": 3},
        },
    )
    assert response.status_code == 201
    service_id = response.json()["service_id"]
    assert isinstance(service_id, str) and service_id
    body = api.get(f"services/{service_id}").json()
    assert body["service_type"] == "Sales"
    assert body["customer_id"] == "C1"
    assert body["contact_key"] == "555-0100"
    assert body["est_duration"] == 120
    assert body["started"]["media_type"] == "voice"
    assert body["started"]["basket"] == {"items": 3}  # attached data kept with its event
    assert body["started"]["timestamp"].endswith("Z")
    assert len(body["started"]["timestamp"]) == len("2026-11-29T10:15:00.000Z")
    assert "completed" not in body and "duration" not in body
    assert "active_states" not in body
    event = Event.objects.get(service__service_id=service_id)
    assert event.kind == "service.start"
    assert event.actor == "root"
    assert event.payload["basket"] == {"items": 3}


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("session_id", "s" * 33, "at most 32"),
        ("interaction_id", "i" * 51, "at most 50"),
        ("disposition_desc", "d" * 65, "at most 64"),
        ("est_duration", "long", "integer"),
        ("ttl", -1, "negative"),
        ("expiration_time", "tomorrow", "ISO-8601"),
        ("customer_id", 12, "string"),
        ("service_type", None, "required"),
    ],
)
def test_start_refuses_bad_fields_naming_the_field(api, field, value, rule):
    body = {"service_type": "Sales", field: value}
    response = api.post("services/start", body)
    assert response.status_code == 400
    error = response.json()
    assert field in error["errors"]
    assert rule in error["message"]
    assert Service.objects.count() == 0


def test_start_refuses_a_body_that_is_not_an_object(api):
    response = api.post("services/start", ["x"])
    assert response.status_code == 400
    assert "must be a JSON object" in response.json()["message"]


def test_end_sets_duration_and_ends_active_states_and_tasks(api, start):
    sid = start(customer_id="C1")
    state = api.post(f"services/{sid}/states/start", {"state_type": "Queue"}).json()["state_id"]
    task = api.post(f"services/{sid}/tasks/start", {"task_type": "Call", "state_id": state})
    assert task.status_code == 201
    response = api.post(f"services/{sid}/end", {"disposition": "Sold", "note": "happy"})
    assert response.status_code == 204
    body = api.get(
        f"services/{sid}?active_states=true&completed_states=true&active_tasks=true&completed_tasks=1"
    ).json()
    assert isinstance(body["duration"], int) and body["duration"] >= 0
    assert body["disposition"] == "Sold"
    assert body["completed"]["note"] == "happy"
    assert body["active_states"] == [] and body["active_tasks"] == []
    assert [s["state_id"] for s in body["completed_states"]] == [1]
    assert [t["task_id"] for t in body["completed_tasks"]] == [1]
    kinds = sorted(Event.objects.filter(service__service_id=sid).values_list("kind", flat=True))
    assert kinds == [
        "service.end",
        "service.start",
        "state.end",
        "state.start",
        "task.end",
        "task.start",
    ]


def test_ending_twice_is_400(api, start):
    sid = start()
    assert api.post(f"services/{sid}/end").status_code == 204
    response = api.post(f"services/{sid}/end")
    assert response.status_code == 400
    assert "already ended" in response.json()["message"]
    assert Event.objects.filter(kind="service.end").count() == 1


def test_get_with_each_nested_flag_alone(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "A"})
    api.post(f"services/{sid}/states/start", {"state_type": "B"})
    api.post(f"services/{sid}/states/1/end")
    api.post(f"services/{sid}/tasks/start", {"task_type": "T"})
    body = api.get(f"services/{sid}?completed_states=true").json()
    assert [s["state_id"] for s in body["completed_states"]] == [1]
    assert "active_states" not in body and "active_tasks" not in body
    body = api.get(f"services/{sid}?active_states=true&active_tasks=true").json()
    assert [s["state_id"] for s in body["active_states"]] == [2]
    assert [t["task_id"] for t in body["active_tasks"]] == [1]
    assert "completed_tasks" not in body
    assert api.get(f"services/{sid}?active_states=maybe").status_code == 400


def test_unknown_service_is_404_for_reads_and_writes(api):
    for method, path in [
        ("get", "services/nope"),
        ("post", "services/nope/end"),
        ("put", "services/nope"),
        ("post", "services/nope/states/start"),
        ("post", "services/nope/tasks/start"),
        ("get", "services/nope/states"),
        ("get", "services/nope/tasks/1"),
        ("post", "customers/C1/services/nope"),
    ]:
        body = {"ttl": 5} if method == "put" else {"state_type": "x", "task_type": "x"}
        response = getattr(api, method)(path, body) if method != "get" else api.get(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["exception"] == "NotFoundException"


def test_delete_removes_the_service_with_its_rows(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "A"})
    api.post(f"services/{sid}/tasks/start", {"task_type": "T"})
    response = api.delete(f"services/{sid}")
    assert response.status_code == 200
    assert api.get(f"services/{sid}").status_code == 404
    assert (Service.objects.count(), State.objects.count(), Task.objects.count()) == (0, 0, 0)
    assert Event.objects.count() == 0


def test_delete_of_an_unknown_service_is_the_400_of_context_services(api):
    response = api.delete("services/ghost")
    assert response.status_code == 400
    assert response.json() == {
        "message": "There are no service found for : ghost",
        "exception": "NotFoundException",
    }


def test_associate_links_an_anonymous_service_to_a_customer(api, start):
    sid = start(contact_key="555-0199")
    assert [s["service_id"] for s in api.get("services/anonymous/555-0199").json()] == [sid]
    response = api.post(f"customers/C7/services/{sid}")
    assert response.status_code == 200
    assert response.json()["customer_id"] == "C7"
    assert [s["service_id"] for s in api.get("customers/C7/services").json()] == [sid]
    assert api.get("services/anonymous/555-0199").json() == []  # no longer anonymous


def test_customer_lists_all_active_completed(api, start):
    active = start(customer_id="C1")
    done = start(customer_id="C1")
    start(customer_id="C2")
    api.post(f"services/{done}/end")
    ids = lambda path: [s["service_id"] for s in api.get(path).json()]  # noqa: E731
    assert ids("customers/C1/services") == [done, active]
    assert ids("customers/C1/services/active") == [active]
    assert ids("customers/C1/services/completed") == [done]
    assert api.get("customers/nobody/services").json() == []


def test_anonymous_lists_all_active_completed(api, start):
    active = start(contact_key="k1")
    done = start(contact_key="k1")
    start(contact_key="k1", customer_id="C1")  # not anonymous
    api.post(f"services/{done}/end")
    ids = lambda path: [s["service_id"] for s in api.get(path).json()]  # noqa: E731
    assert ids("services/anonymous/k1") == [done, active]
    assert ids("services/anonymous/k1/active") == [active]
    assert ids("services/anonymous/k1/completed") == [done]


def test_list_filters_by_start_time_and_type(api, start):
    old = start(customer_id="C1", service_type="Sales")
    new = start(customer_id="C1", service_type="Support")
    Service.objects.filter(service_id=old).update(started_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ids = lambda path: [s["service_id"] for s in api.get(path).json()]  # noqa: E731
    assert ids(f"customers/C1/services?started_from={since}") == [new]
    assert ids(f"customers/C1/services?started_to={since}") == [old]
    assert ids("customers/C1/services?service_types=Sales,Other") == [old]
    assert ids("customers/C1/services?service_types=Sales,Support") == [new, old]
    bad = api.get("customers/C1/services?started_from=yesterday")
    assert bad.status_code == 400 and "started_from" in bad.json()["errors"]


def test_lists_page_by_keyset_with_a_link_header(api, start):
    made = [start(customer_id="C1") for _ in range(5)]
    first = api.get("customers/C1/services?page_size=2")
    assert [s["service_id"] for s in first.json()] == made[::-1][:2]
    link = first["Link"]
    assert 'rel="next"' in link
    next_url = link.split(";")[0].strip("<>").removeprefix("http://testserver")
    second = api.get(next_url)
    assert [s["service_id"] for s in second.json()] == made[::-1][2:4]
    assert api.get("customers/C1/services?page_size=0").status_code == 400
    assert api.get("customers/C1/services?cursor=garbage").status_code == 400


def test_ttl_wins_over_expiration_time_and_expired_services_vanish(api, start):
    sid = start(customer_id="C1", contact_key="k")
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = api.put(f"services/{sid}", {"ttl": 3600, "expiration_time": later})
    assert response.status_code == 200
    expires = Service.objects.get(service_id=sid).expires_at
    assert abs((expires - timezone.now()).total_seconds() - 3600) < 60
    assert api.put(f"services/{sid}", {"expiration_time": later}).status_code == 200
    assert response.json()["expiration_time"]
    assert api.put(f"services/{sid}", {}).status_code == 400
    assert api.put(f"services/{sid}", {"ttl": "soon"}).status_code == 400
    Service.objects.filter(service_id=sid).update(expires_at=timezone.now() - dt.timedelta(1))
    assert api.get(f"services/{sid}").status_code == 404
    assert api.get("customers/C1/services").json() == []
    assert api.get("services/anonymous/k").json() == []
    assert api.post(f"services/{sid}/end").status_code == 404


def test_ttl_given_at_start_makes_the_service_expire(api, start):
    sid = start(customer_id="C1", ttl=0)
    assert api.get(f"services/{sid}").status_code == 404
    sid = start(customer_id="C1", expiration_time="2099-01-01T00:00:00.000Z")
    assert api.get(f"services/{sid}").json()["expiration_time"] == "2099-01-01T00:00:00.000Z"


def test_deprecated_extension_put_stores_json_under_its_key(api, start):
    sid = start()
    response = api.put(f"services/{sid}/extensions/Order", {"order_id": "42"})
    assert response.status_code == 200
    api.put(f"services/{sid}/extensions/Note", {"lines": ["a", "b"]})
    body = api.get(f"services/{sid}").json()
    assert body["extensions"] == {"Order": {"order_id": "42"}, "Note": {"lines": ["a", "b"]}}


def test_composite_start_creates_everything_in_one_call(api):
    response = api.post(
        "services_composite/start",
        {
            "service_type": "Sales",
            "customer_id": "C1",
            "states": [{"state_type": "Queue"}, {"state_type": "Talk", "x": 1}],
            "tasks": [{"task_type": "Call", "state_index": 1}, {"task_type": "Mail"}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state_ids"] == [1, 2] and body["task_ids"] == [1, 2]
    sid = body["service_id"]
    tasks = api.get(f"services/{sid}/tasks").json()
    assert [(t["task_id"], t["state_id"]) for t in tasks] == [(1, 2), (2, None)]
    assert api.get(f"services/{sid}/states/2").json()["started"]["x"] == 1
    assert Event.objects.filter(service__service_id=sid).count() == 5
    # the next state is numbered after the composite ones
    assert api.post(f"services/{sid}/states/start", {"state_type": "Wrap"}).json() == {
        "state_id": 3
    }


def test_composite_start_is_all_or_nothing(api):
    response = api.post(
        "services_composite/start",
        {
            "service_type": "Sales",
            "states": [{"state_type": "Queue"}],
            "tasks": [{"task_type": "Call", "session_id": "x" * 40}],
        },
    )
    assert response.status_code == 400
    assert "tasks[0].session_id" in response.json()["errors"]
    bad_index = api.post(
        "services_composite/start",
        {"service_type": "Sales", "tasks": [{"task_type": "Call", "state_index": 3}]},
    )
    assert bad_index.status_code == 400
    assert "tasks[0].state_index" in bad_index.json()["errors"]
    assert Service.objects.count() == 0 and Event.objects.count() == 0


def test_a_tenant_never_sees_another_tenants_services(api, api_as, other_tenant, start):
    sid = start(customer_id="C1")
    other = api_as("Administrator", in_tenant=other_tenant)
    assert other.get(f"services/{sid}").status_code == 404
    assert other.get("customers/C1/services").json() == []
    assert other.post(f"services/{sid}/end").status_code == 404
    assert other.delete(f"services/{sid}").status_code == 400
    assert api.get(f"services/{sid}").status_code == 200


def test_privileges(api_as, start):
    sid = start()
    supervisor = api_as("Supervisor")
    assert supervisor.get(f"services/{sid}").status_code == 200
    assert supervisor.post(f"services/{sid}/end").status_code == 403
    agent = api_as("Agent Application")
    assert agent.post(f"services/{sid}/end").status_code == 204
    designer = api_as("Schema Designer")
    assert designer.get(f"services/{sid}").status_code == 403
    assert designer.get("metadata/business-attributes").status_code == 200
