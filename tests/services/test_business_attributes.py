"""Business attributes (spec §2): list, one, values by name or id, unknown values refused."""

import pytest

from csadmin.pluginlib import ConflictError, ValidationFailed
from plugins.services import services
from plugins.services.models import Service

pytestmark = pytest.mark.django_db

SEVEN = [
    "Service.type",
    "State.type",
    "Task.type",
    "Application.type",
    "Resource.type",
    "Media.type",
    "Disposition",
]


@pytest.fixture
def sales(tenant, admin):
    return services.business_value_add(
        tenant=tenant, attribute="Service.type", name="Sales", display_name="Sales", actor=admin
    )


def test_lists_the_seven_attributes_with_their_values(api, sales):
    response = api.get("metadata/business-attributes")
    assert response.status_code == 200
    body = response.json()
    assert [a["name"] for a in body] == SEVEN
    service_type = body[0]
    assert service_type["display_name"] and "description" in service_type
    assert service_type["values"] == [
        {"id": sales.pk, "name": "Sales", "display_name": "Sales", "description": ""}
    ]
    assert body[1]["values"] == []


def test_one_attribute_and_unknown_name(api, sales):
    assert (
        api.get("metadata/business-attributes/Service.type").json()["values"][0]["id"] == sales.pk
    )
    assert api.get("metadata/business-attributes/Media.type").json()["values"] == []
    response = api.get("metadata/business-attributes/Nope.type")
    assert response.status_code == 404


def test_values_are_checked_only_when_the_tenant_has_values(api, sales):
    assert (
        api.post("services/start", {"service_type": "Anything", "media_type": "x"}).status_code
        == 400
    )
    response = api.post("services/start", {"service_type": "Support"})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["service_type"] == [
        "Support is not a value of business attribute Service.type"
    ]
    assert "Service.type" in body["message"]
    # Media.type has no values in this tenant: anything goes
    assert (
        api.post("services/start", {"service_type": "Sales", "media_type": "x"}).status_code == 201
    )


def test_values_by_name_or_by_id_are_stored_by_name(api, sales):
    by_id = api.post("services/start", {"service_type": sales.pk}).json()["service_id"]
    by_text_id = api.post("services/start", {"service_type": str(sales.pk)}).json()["service_id"]
    assert Service.objects.get(service_id=by_id).service_type == "Sales"
    assert Service.objects.get(service_id=by_text_id).service_type == "Sales"
    assert api.post("services/start", {"service_type": 999999}).status_code == 400


def test_values_of_another_tenant_do_not_count(api_as, other_tenant, sales):
    other = api_as("Administrator", in_tenant=other_tenant)
    assert other.post("services/start", {"service_type": "Support"}).status_code == 201
    assert other.get("metadata/business-attributes/Service.type").json()["values"] == []


def test_state_task_and_disposition_values_are_checked(api, tenant, admin, start):
    for attribute, name in [("State.type", "Queue"), ("Task.type", "Call"), ("Disposition", "Ok")]:
        services.business_value_add(tenant=tenant, attribute=attribute, name=name, actor=admin)
    sid = start()
    assert api.post(f"services/{sid}/states/start", {"state_type": "Nope"}).status_code == 400
    assert api.post(f"services/{sid}/states/start", {"state_type": "Queue"}).status_code == 201
    bad_task = api.post(f"services/{sid}/tasks/start", {"task_type": "Nope"})
    assert "Task.type" in bad_task.json()["message"]
    bad_end = api.post(f"services/{sid}/end", {"disposition": "Bad"})
    assert bad_end.status_code == 400 and "Disposition" in bad_end.json()["message"]
    assert api.post(f"services/{sid}/end", {"disposition": "Ok"}).status_code == 204


def test_value_edits_are_audited_and_checked(tenant, admin, sales):
    from csadmin.audit.models import AuditEntry

    with pytest.raises(ConflictError):
        services.business_value_add(
            tenant=tenant, attribute="Service.type", name="Sales", actor=admin
        )
    with pytest.raises(ValidationFailed):
        services.business_value_add(tenant=tenant, attribute="Service.type", name=" ", actor=admin)
    with pytest.raises(ValidationFailed):
        services.business_value_add(tenant=tenant, attribute="Service.type", name="12", actor=admin)
    services.business_value_update(
        tenant=tenant,
        value_id=sales.pk,
        name="Sale",
        display_name="S",
        description="d",
        actor=admin,
    )
    services.business_value_remove(tenant=tenant, value_id=sales.pk, actor=admin)
    actions = list(
        AuditEntry.objects.filter(plugin="services").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def attribute_queries(api, body) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = api.post("services/start", body)
    reads = sum("services_businessattributevalue" in q["sql"] for q in captured)
    return response.status_code, reads


def test_writes_read_the_values_from_the_process_cache(api, sales):
    assert attribute_queries(api, {"service_type": "Sales"}) == (201, 1)  # first: read them
    assert attribute_queries(api, {"service_type": "Sales"}) == (201, 0)  # then: cached


def test_a_value_added_elsewhere_is_accepted_at_once(api, tenant, sales):
    from plugins.services.models import BusinessAttributeValue

    assert attribute_queries(api, {"service_type": "Sales"}) == (201, 1)
    # another process adds a value: no signal reaches this process's cache
    BusinessAttributeValue.objects.bulk_create(
        [BusinessAttributeValue(attribute=sales.attribute, name="Support")]
    )
    assert attribute_queries(api, {"service_type": "Support"}) == (201, 1)  # re-read on miss
    assert attribute_queries(api, {"service_type": "Nope"})[0] == 400


def test_a_value_removed_elsewhere_is_refused_once_the_cache_expires(api, sales, monkeypatch):
    from plugins.services import attributes
    from plugins.services.models import BusinessAttributeValue

    BusinessAttributeValue.objects.bulk_create(
        [BusinessAttributeValue(attribute=sales.attribute, name="Support")]
    )
    assert attribute_queries(api, {"service_type": "Support"})[0] == 201
    BusinessAttributeValue.objects.filter(name="Support")._raw_delete("default")  # no signal
    assert attribute_queries(api, {"service_type": "Support"})[0] == 201  # still cached
    clock = attributes.time.monotonic() + attributes.CACHE_SECONDS + 1
    monkeypatch.setattr(attributes.time, "monotonic", lambda: clock)
    assert attribute_queries(api, {"service_type": "Support"})[0] == 400


def test_a_value_changed_in_this_process_clears_the_cache(api, tenant, admin, sales):
    assert attribute_queries(api, {"service_type": "Sales"})[0] == 201
    services.business_value_remove(tenant=tenant, value_id=sales.pk, actor=admin)
    services.business_value_add(tenant=tenant, attribute="Service.type", name="Other", actor=admin)
    assert attribute_queries(api, {"service_type": "Sales"})[0] == 400
