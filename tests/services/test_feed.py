"""The event feed other plug-ins read (csadmin.pluginlib.feeds): a tenant's events in id order,
by service or by range, of the asked kinds, never another tenant's."""

from __future__ import annotations

import pytest

from csadmin.pluginlib import event_feed
from csadmin.testing import Api, make_user

pytestmark = pytest.mark.django_db


def conversation(api) -> str:
    service_id = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
    state = api.post(f"services/{service_id}/states/start", {"state_type": "S"}).json()
    api.post(f"services/{service_id}/states/{state['state_id']}/end", {})
    api.post(f"services/{service_id}/end", {"disposition": "done"})
    return service_id


ALL = ["service.start", "service.end", "state.start", "state.end"]
IN_ORDER = ["service.start", "state.start", "state.end", "service.end"]  # one conversation


def test_a_service_events_in_order_of_the_asked_kinds(api, tenant):
    feed = event_feed()
    before = feed.latest_id()
    service_id = conversation(api)
    conversation(api)  # another service of the tenant

    events = feed.of_service(tenant, service_id, ranges=[(before, None)], kinds=ALL, limit=100)
    assert [e["kind"] for e in events] == IN_ORDER
    assert [e["event_id"] for e in events] == sorted(e["event_id"] for e in events)
    assert {e["service_id"] for e in events} == {service_id}
    assert events[-1]["data"]["disposition"] == "done"
    assert feed.latest_id() > events[-1]["event_id"]

    ends = feed.of_service(
        tenant, service_id, ranges=[(before, None)], kinds=["service.end"], limit=100
    )
    assert [e["kind"] for e in ends] == ["service.end"]
    later = feed.of_service(
        tenant, service_id, ranges=[(events[1]["event_id"], None)], kinds=ALL, limit=1
    )
    assert [e["event_id"] for e in later] == [events[2]["event_id"]]
    through = events[2]["event_id"]
    window = feed.of_service(tenant, service_id, ranges=[(before, through)], kinds=ALL, limit=100)
    assert [e["event_id"] for e in window] == [e["event_id"] for e in events[:3]]
    ids = [e["event_id"] for e in events]
    # two ranges, the second open-ended: the first event, then the last
    apart = feed.of_service(
        tenant, service_id, ranges=[(before, ids[0]), (ids[2], None)], kinds=ALL, limit=100
    )
    assert [e["event_id"] for e in apart] == [ids[0], ids[3]]
    assert feed.of_service(tenant, service_id, ranges=[], kinds=ALL, limit=100) == []


def test_a_range_of_a_tenants_events_and_never_another_tenants(api, tenant, other_tenant):
    feed = event_feed()
    before = feed.latest_id()
    conversation(api)
    middle = feed.latest_id()
    other = Api(make_user("globex", other_tenant, ["Administrator"]), other_tenant)
    foreign = conversation(other)
    conversation(api)

    first = feed.of_tenant(tenant, after_id=before, through_id=middle, kinds=ALL, limit=100)
    assert len(first) == 4 and all(e["event_id"] <= middle for e in first)
    assert set(first[0]) == {"event_id", "kind", "service_id", "service_type", "customer_id"}
    assert [e["kind"] for e in first] == IN_ORDER
    everything = feed.of_tenant(tenant, after_id=before, through_id=None, kinds=ALL, limit=100)
    assert len(everything) == 8
    assert foreign not in {e["service_id"] for e in everything}
    assert feed.of_service(tenant, foreign, ranges=[(0, None)], kinds=ALL, limit=100) == []
