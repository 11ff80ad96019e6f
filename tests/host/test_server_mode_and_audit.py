"""Spec §1 server mode, per tenant, and the audit log of configuration changes."""

import pytest
from django.test import Client

from csadmin.audit.models import AuditEntry
from csadmin.pluginlib import Refused, require_maintenance_mode
from csadmin.testing import make_user


def test_status_and_switch(api, tenant):
    assert api.get("server/status").json()["mode"] == "maintenance"
    response = api.post("server/mode", {"mode": "production"})
    assert response.status_code == 200
    assert response.json() == {"server changed": "production"}
    assert api.get("server/status").json()["mode"] == "production"
    tenant.refresh_from_db()
    with pytest.raises(Refused, match="production mode"):
        require_maintenance_mode(tenant)


def test_mode_is_per_tenant(api, tenant, other_tenant):
    api.post("server/mode", {"mode": "production"})
    other_tenant.refresh_from_db()
    assert other_tenant.mode == "maintenance"


@pytest.mark.parametrize("body", [{}, {"mode": "sleeping"}, {"mode": 3}])
def test_a_bad_mode_is_400_naming_the_field(api, body):
    response = api.post("server/mode", body)
    assert response.status_code == 400
    assert "mode" in response.json()["errors"]


def test_mode_change_is_audited_with_before_and_after(api, tenant):
    api.post("server/mode", {"mode": "production"})
    entry = AuditEntry.objects.get(action="server.mode")
    assert (entry.tenant, entry.actor, entry.plugin) == (tenant, "root", "tenancy")
    assert entry.before == {"mode": "maintenance"} and entry.after == {"mode": "production"}


def test_grants_and_tenants_are_audited(admin, tenant):
    from csadmin.tenancy.services import create_tenant

    make_user("agent", tenant, ["Agent Application"])
    grant = AuditEntry.objects.filter(action="grant.set", object_id="agent").get()
    assert grant.after == {"roles": ["Agent Application"]}
    create_tenant(name="Initech", actor=admin)
    assert AuditEntry.objects.filter(action="tenant.create", after={"name": "Initech"}).exists()


def test_audit_page_filters_and_keeps_tenants_apart(admin, tenant, other_tenant):
    from csadmin.tenancy.services import set_server_mode

    set_server_mode(tenant=tenant, mode="production", actor=admin)
    set_server_mode(tenant=other_tenant, mode="production", actor=admin)
    make_user("agent", tenant, ["Agent Application"])
    client = Client()
    client.force_login(admin)
    page = client.get("/audit/")
    rows = [row for row, _before, _after in page.context["rows"]]
    assert {row.tenant_id for row in rows} == {tenant.pk}
    filtered = client.get("/audit/", {"action": "server"}).context["rows"]
    assert [row.action for row, _b, _a in filtered] == ["server.mode"]
    partial = client.get("/audit/", {"plugin": "access"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"grant.set" in partial.content


def test_server_mode_page_switches_for_the_privileged_only(admin, tenant):
    supervisor = make_user("sup", tenant, ["Supervisor"])
    client = Client()
    client.force_login(supervisor)
    assert b"Switch to" not in client.get("/administration/server/").content
    assert client.post("/administration/server/", {"mode": "production"}).status_code == 403
    client.force_login(admin)
    client.post("/administration/server/", {"mode": "production"})
    tenant.refresh_from_db()
    assert tenant.mode == "production"
