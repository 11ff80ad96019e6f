"""Lists cost a fixed number of queries whatever their length or the number of nested rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plugins.services import services

pytestmark = pytest.mark.django_db

ALL = "active_states=true&completed_states=true&active_tasks=true&completed_tasks=true"


def make(tenant, admin, count: int, states: int):
    for _ in range(count):
        services.service_start_composite(
            tenant=tenant,
            body={
                "service_type": "Sales",
                "customer_id": "C1",
                "states": [{"state_type": "S"}] * states,
                "tasks": [{"task_type": "T", "state_index": 0}] * states,
            },
            actor=admin,
        )


def queries_for(api, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


def test_customer_list_with_nested_lists_is_a_fixed_number_of_queries(api, tenant, admin):
    make(tenant, admin, count=2, states=1)
    api.get("customers/C1/services")  # warm the per-user privilege cache
    small = queries_for(api, f"customers/C1/services?{ALL}")
    make(tenant, admin, count=20, states=5)
    big = queries_for(api, f"customers/C1/services?{ALL}")
    assert small == big
    # tenant and privileges + services page + states + tasks
    assert big <= 6


def test_list_pins(api, tenant, admin, django_assert_max_num_queries):
    make(tenant, admin, count=30, states=3)
    with django_assert_max_num_queries(8):
        body = api.get(f"customers/C1/services/active?{ALL}").json()
    assert len(body) == 30 and all(len(s["active_states"]) == 3 for s in body)
    with django_assert_max_num_queries(6):
        api.get("customers/C1/services?page_size=10")
    sid = body[0]["service_id"]
    with django_assert_max_num_queries(7):
        assert len(api.get(f"services/{sid}/tasks").json()) == 3
    with django_assert_max_num_queries(7):
        api.get(f"services/{sid}?{ALL}")
    with django_assert_max_num_queries(6):
        api.get("metadata/business-attributes")


def savepoints_in(api, method: str, path: str, body: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(api, method)(path, body)
    assert response.status_code < 300, response.content
    return sum(query["sql"].startswith("SAVEPOINT") for query in captured)


def test_api_writes_open_no_savepoint_of_their_own(api):
    """The API call is one transaction that aborts on any error: the service functions inside
    it open no savepoint (only the call's own atomic block, a savepoint under the test's)."""
    sid = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
    assert savepoints_in(api, "post", f"services/{sid}/states/start", {"state_type": "Q"}) == 1
    assert savepoints_in(api, "post", f"services/{sid}/tasks/start", {"task_type": "T"}) == 1
    assert savepoints_in(api, "post", f"services/{sid}/end", {}) == 1
