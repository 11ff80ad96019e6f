"""States and tasks API (spec §5) and the rules of issue 4."""

import pytest

from plugins.services.models import Event

pytestmark = pytest.mark.django_db


def test_state_start_end_get_and_list(api, start):
    sid = start()
    response = api.post(f"services/{sid}/states/start", {"state_type": "Queue", "est_duration": 30})
    assert response.status_code == 201 and response.json() == {"state_id": 1}
    api.post(f"services/{sid}/states/start", {"state_type": "Talk"})
    assert api.post(f"services/{sid}/states/1/end", {"disposition": "Done"}).status_code == 204
    state = api.get(f"services/{sid}/states/1").json()
    assert state["state_type"] == "Queue" and state["est_duration"] == 30
    assert state["disposition"] == "Done" and isinstance(state["duration"], int)
    ids = lambda path: [s["state_id"] for s in api.get(path).json()]  # noqa: E731
    assert ids(f"services/{sid}/states") == [1, 2]
    assert ids(f"services/{sid}/states/active") == [2]
    assert ids(f"services/{sid}/states/completed") == [1]
    assert ids(f"services/{sid}/states?state_types=Talk") == [2]
    assert api.get(f"services/{sid}/states/9").status_code == 404
    assert api.post(f"services/{sid}/states/9/end").status_code == 404


def test_ending_a_state_twice_is_400(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/states/1/end")
    response = api.post(f"services/{sid}/states/1/end")
    assert response.status_code == 400
    assert "already ended" in response.json()["message"]


def test_ending_a_state_ends_its_tasks_only(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/tasks/start", {"task_type": "Call", "state_id": 1})
    api.post(f"services/{sid}/tasks/start", {"task_type": "Mail"})
    api.post(f"services/{sid}/states/1/end")
    assert [t["task_id"] for t in api.get(f"services/{sid}/tasks/completed").json()] == [1]
    assert [t["task_id"] for t in api.get(f"services/{sid}/tasks/active").json()] == [2]
    assert Event.objects.filter(kind="task.end", task_id=1).count() == 1


def test_state_or_task_on_an_ended_service_is_400(api, start):
    sid = start()
    api.post(f"services/{sid}/end")
    for path, body in [
        ("states/start", {"state_type": "Queue"}),
        ("tasks/start", {"task_type": "Call"}),
    ]:
        response = api.post(f"services/{sid}/{path}", body)
        assert response.status_code == 400
        assert "is ended" in response.json()["message"]


def test_task_on_an_ended_state_is_400(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/states/1/end")
    response = api.post(f"services/{sid}/tasks/start", {"task_type": "Call", "state_id": 1})
    assert response.status_code == 400
    assert response.json()["errors"]["state_id"] == ["state 1 is ended: cannot start a task on it"]
    assert (
        api.post(f"services/{sid}/tasks/start", {"task_type": "C", "state_id": 5}).status_code
        == 404
    )
    bad = api.post(f"services/{sid}/tasks/start", {"task_type": "C", "state_id": "one"})
    assert bad.status_code == 400


def test_transition_ends_from_and_starts_to_atomically(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/tasks/start", {"task_type": "Call", "state_id": 1})
    response = api.post(
        f"services/{sid}/states/transition",
        {
            "from": {"state_id": 1, "disposition": "Answered"},
            "to": {"state_type": "Talk", "est_duration": 60},
            "session_id": "abc",
            "note": "moved",
        },
    )
    assert response.status_code == 201 and response.json() == {"state_id": 2}
    old = api.get(f"services/{sid}/states/1").json()
    new = api.get(f"services/{sid}/states/2").json()
    assert old["disposition"] == "Answered" and "completed" in old
    assert old["completed"]["note"] == "moved"
    assert new["state_type"] == "Talk" and new["est_duration"] == 60
    assert new["started"]["session_id"] == "abc"
    assert api.get(f"services/{sid}/tasks/1").json()["completed"]
    transition = Event.objects.get(kind="state.transition")
    assert transition.state_id == 2 and transition.payload["from"]["state_id"] == 1


def test_transition_rules(api, start):
    sid = start()
    other = start()
    api.post(f"services/{other}/states/start", {"state_type": "Queue"})
    api.post(f"services/{other}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    # state 2 exists only in the other service
    response = api.post(
        f"services/{sid}/states/transition", {"from": {"state_id": 2}, "to": {"state_type": "T"}}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["from.state_id"] == [f"service {sid} has no state 2"]
    missing_to = api.post(f"services/{sid}/states/transition", {"from": {"state_id": 1}})
    assert missing_to.status_code == 400 and "to" in missing_to.json()["errors"]
    no_type = api.post(f"services/{sid}/states/transition", {"from": {"state_id": 1}, "to": {}})
    assert no_type.status_code == 400 and "to.state_type" in no_type.json()["errors"]
    api.post(f"services/{sid}/states/1/end")
    ended = api.post(
        f"services/{sid}/states/transition", {"from": {"state_id": 1}, "to": {"state_type": "T"}}
    )
    assert ended.status_code == 400 and "already ended" in ended.json()["message"]
    # nothing half-written: no state 2 in sid
    assert api.get(f"services/{sid}/states/2").status_code == 404


def test_task_start_end_get_and_list_filters(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    assert api.post(f"services/{sid}/tasks/start", {"task_type": "Call", "state_id": 1}).json() == {
        "task_id": 1
    }
    api.post(f"services/{sid}/tasks/start", {"task_type": "Mail"})
    assert api.post(f"services/{sid}/tasks/2/end", {"disposition_desc": "sent"}).status_code == 204
    again = api.post(f"services/{sid}/tasks/2/end")
    assert again.status_code == 400 and "already ended" in again.json()["message"]
    task = api.get(f"services/{sid}/tasks/2").json()
    assert task["disposition_desc"] == "sent" and task["duration"] >= 0
    ids = lambda path: [t["task_id"] for t in api.get(path).json()]  # noqa: E731
    assert ids(f"services/{sid}/tasks") == [1, 2]
    assert ids(f"services/{sid}/tasks/active") == [1]
    assert ids(f"services/{sid}/tasks/completed") == [2]
    assert ids(f"services/{sid}/tasks?task_types=Mail") == [2]
    assert ids(f"services/{sid}/tasks?state_id=1") == [1]
    assert api.get(f"services/{sid}/tasks?state_id=x").status_code == 400
    assert api.get(f"services/{sid}/tasks/7").status_code == 404
    assert api.post(f"services/{sid}/tasks/7/end").status_code == 404


def test_deprecated_state_and_task_extension_puts(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(f"services/{sid}/tasks/start", {"task_type": "Call"})
    response = api.put(f"services/{sid}/states/1/extensions/Skill", {"name": "fr"})
    assert response.status_code == 200
    assert response.json()["extensions"] == {"Skill": {"name": "fr"}}
    response = api.put(f"services/{sid}/tasks/1/extensions/Work", {"id": 9})
    assert response.status_code == 200
    assert api.get(f"services/{sid}/tasks/1").json()["extensions"] == {"Work": {"id": 9}}
    assert api.put(f"services/{sid}/tasks/5/extensions/Work", {}).status_code == 404


def test_every_start_end_and_transition_is_an_event_row(api, start):
    sid = start()
    api.post(f"services/{sid}/states/start", {"state_type": "Queue"})
    api.post(
        f"services/{sid}/states/transition", {"from": {"state_id": 1}, "to": {"state_type": "T"}}
    )
    api.post(f"services/{sid}/tasks/start", {"task_type": "Call"})
    api.post(f"services/{sid}/tasks/1/end")
    api.post(f"services/{sid}/states/2/end")
    api.post(f"services/{sid}/end")
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "service.start",
        "state.start",
        "state.transition",
        "task.start",
        "task.end",
        "state.end",
        "service.end",
    ]
