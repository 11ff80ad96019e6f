"""Spec §1 tenancy: which tenant a request acts in, and who may act there."""

import pytest

from csadmin.testing import Api, make_tenant, make_user


@pytest.fixture
def member(tenant, other_tenant):
    user = make_user("agent", tenant, ["Agent Application"])
    return user


def status_of(api, **headers):
    return api.get("server/status", headers=headers)


def test_contact_center_id_by_id_and_by_name(member, tenant):
    api = Api(member)
    for value in (str(tenant.pk), tenant.name):
        response = status_of(api, ContactCenterId=value)
        assert response.status_code == 200
        assert response.json()["tenant_id"] == tenant.pk


def test_x_genesys_tenant_id(member, tenant):
    response = status_of(Api(member), **{"X-Genesys-TenantId": str(tenant.pk)})
    assert response.status_code == 200
    assert response.json()["tenant"] == "Acme"


def test_no_header_means_the_default_tenant(member, tenant):
    response = status_of(Api(member))
    assert response.json()["tenant"] == tenant.name


def test_group_id_and_segment_are_ignored(member, tenant):
    response = status_of(Api(member), GroupId="7", **{"X-Genesys-Segment": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ContactCenterId", "Nowhere"),
        ("ContactCenterId", "999999"),
        ("X-Genesys-TenantId", "999999"),
        ("X-Genesys-TenantId", "abc"),
    ],
)
def test_unknown_tenant_is_400_naming_it(member, header, value):
    response = status_of(Api(member), **{header: value})
    assert response.status_code == 400
    assert response.json() == {
        "message": f"tenant {value} is not configured",
        "exception": "BadRequestException",
    }


def test_a_tenant_not_granted_is_403(member, other_tenant):
    response = status_of(Api(member), ContactCenterId="Globex")
    assert response.status_code == 403
    assert response.json()["exception"] == "ForbiddenException"


def test_a_user_with_no_grant_anywhere_is_403(db, tenant):
    loner = make_user("loner")
    assert status_of(Api(loner)).status_code == 403


def test_a_default_membership_wins_over_name_order(db):
    zulu, alpha = make_tenant("Zulu"), make_tenant("Alpha")
    user = make_user("u", zulu, ["Supervisor"])
    from csadmin.access.services import grant_roles

    grant_roles(tenant=alpha, user=user, role_names=["Supervisor"], actor=None)
    assert status_of(Api(user)).json()["tenant"] == "Zulu"  # first grant became the default


def test_tenant_names_of_digits_only_are_refused(db):
    from csadmin.pluginlib import ValidationFailed
    from csadmin.tenancy.services import create_tenant

    with pytest.raises(ValidationFailed, match="digits"):
        create_tenant(name="123")
    with pytest.raises(ValidationFailed, match="exists"):
        create_tenant(name="Dup")
        create_tenant(name="Dup")


def test_new_tenants_start_in_maintenance_mode(db):
    from csadmin.tenancy.services import create_tenant

    assert create_tenant(name="Fresh").mode == "maintenance"
