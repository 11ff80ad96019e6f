"""Bad input is a 400 naming the field, never a 500 (also on PostgreSQL, which refuses NUL)."""

import pytest

from plugins.services.models import Service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        {"service_type": "Sales\x00"},
        {"service_type": "Sales", "note": {"deep": ["a\x00b"]}},
        {"service_type": "Sales", "k\x00": 1},
        {"service_type": 2**40},
        {"service_type": -1},
        {"service_type": True},
        {"service_type": "Sales", "est_duration": 1.5},
        {"service_type": "Sales", "ttl": 10**12},
        {"service_type": "Sales", "contact_key": "k" * 256},
    ],
)
def test_bad_start_bodies_are_400(api, body):
    response = api.post("services/start", body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert Service.objects.count() == 0


def test_nul_in_paths_and_filters_is_400(api, start):
    sid = start()
    assert api.get("customers/C%00/services").status_code == 400
    assert api.get("services/anonymous/k%00").status_code == 400
    assert api.get("customers/C1/services?service_types=a%00").status_code == 400
    assert api.get(f"services/{sid}/tasks?task_types=%00").status_code == 400
    assert api.post("customers/C%00/services/" + sid).status_code == 400
    assert api.put(f"services/{sid}/extensions/E", {"a": "\x00"}).status_code == 400


def test_transition_and_composite_shapes_are_checked(api, start):
    sid = start()
    for body in [
        {"from": None, "to": {"state_type": "T"}},
        {"from": {"state_id": "1"}, "to": {"state_type": "T"}},
        {"from": {"state_id": 1}, "to": ["x"]},
        [],
    ]:
        assert api.post(f"services/{sid}/states/transition", body).status_code == 400
    for body in [
        {"service_type": "S", "states": {"state_type": "x"}},
        {"service_type": "S", "states": [1]},
        {"service_type": "S", "tasks": ["x"]},
        {"service_type": "S", "tasks": [{"task_type": "T", "state_index": True}]},
    ]:
        assert api.post("services_composite/start", body).status_code == 400


def test_out_of_range_numbers_in_paths_are_404(api, start):
    sid = start()
    assert api.get(f"services/{sid}/states/99999999999999999999").status_code == 404
    assert api.post(f"services/{sid}/tasks/99999999999999999999/end").status_code == 404
    body = {"task_type": "T", "state_id": 2**63}
    assert api.post(f"services/{sid}/tasks/start", body).status_code == 404


def test_pages_answer_404_to_nul(client, admin, start):
    client.force_login(admin)
    assert client.get("/services/customers/C%00/").status_code == 404
    assert client.get("/services/?type=%00").status_code == 404
