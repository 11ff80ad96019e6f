"""The menu filtered by privilege, and plug-ins enabled or disabled per tenant."""

import pytest
from django.test import Client

from csadmin.audit.models import AuditEntry
from csadmin.pluginlib import ValidationFailed
from csadmin.tenancy.services import set_plugin_enabled
from csadmin.testing import Api, make_user


def menu_of(user, tenant):
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {
        group.heading: [item.label for item in group.items]
        for group in response.context["shell"]["menu"]
    }


def test_menu_follows_the_roles(tenant):
    agent = make_user("agent", tenant, ["Agent Application"])
    menu = menu_of(agent, tenant)
    assert "Notes" in menu["Operations"]
    assert menu["Administration"] == ["Server mode"]  # every role may read the mode


def test_administrator_sees_every_heading_in_order(admin, tenant):
    menu = menu_of(admin, tenant)
    assert list(menu) == ["Dashboard", "Configuration", "Operations", "Administration"]
    assert {"Tenants", "Plug-ins", "Users and grants", "Audit log", "Note admin"} <= set(
        menu["Administration"]
    )


def test_supervisor_reads_but_gets_no_write_only_entries(tenant):
    supervisor = make_user("sup", tenant, ["Supervisor"])
    menu = menu_of(supervisor, tenant)
    assert "Notes" in menu["Operations"]
    assert "Note admin" not in menu.get("Administration", [])


def test_a_disabled_plugin_is_gone_for_that_tenant_only(admin, tenant, other_tenant):
    from csadmin.access.services import grant_roles

    grant_roles(tenant=other_tenant, user=admin, role_names=["Administrator"], actor=None)
    set_plugin_enabled(tenant=tenant, label="sample", enabled=False, actor=admin)

    assert "Notes" not in menu_of(admin, tenant).get("Operations", [])
    client = Client()
    client.force_login(admin)
    assert client.get("/sample/notes/").status_code == 404
    assert Api(admin, tenant).get("sample/notes").status_code == 404
    assert Api(admin, tenant).post("sample/notes/purge").status_code == 404
    assert Api(admin, other_tenant).get("sample/notes").status_code == 200

    entry = AuditEntry.objects.get(action="plugin.disable")
    assert entry.tenant == tenant and entry.object_id == "sample"
    assert entry.before == {"enabled": True} and entry.after == {"enabled": False}

    set_plugin_enabled(tenant=tenant, label="sample", enabled=True, actor=admin)
    assert Api(admin, tenant).get("sample/notes").status_code == 200


def test_host_plugins_cannot_be_disabled(admin, tenant):
    with pytest.raises(ValidationFailed, match="part of the host"):
        set_plugin_enabled(tenant=tenant, label="tenancy", enabled=False, actor=admin)
    with pytest.raises(ValidationFailed, match="unknown plug-in"):
        set_plugin_enabled(tenant=tenant, label="nope", enabled=False, actor=admin)


def test_plugins_page_lists_each_plugin_and_toggles_it(admin, tenant):
    client = Client()
    client.force_login(admin)
    page = client.get("/administration/plugins/").content.decode()
    for text in ("Sample", "9.9.9", "sample.notes.purge", "Notes", "Note admin"):
        assert text in page
    response = client.post("/administration/plugins/", {"plugin": "sample", "enabled": "0"})
    assert response.status_code == 302
    assert client.get("/sample/notes/").status_code == 404


def test_plugins_page_toggle_needs_the_manage_privilege(tenant):
    supervisor = make_user("sup", tenant, ["Supervisor"])
    client = Client()
    client.force_login(supervisor)
    assert client.get("/administration/plugins/").status_code == 200
    response = client.post("/administration/plugins/", {"plugin": "sample", "enabled": "0"})
    assert response.status_code == 403
    assert client.get("/sample/notes/").status_code == 200


def test_disabling_a_plugin_turns_off_the_plugins_that_require_it(admin, tenant):
    api = Api(admin, tenant)
    stream = "maintenance/services/stream?time_from=2020-01-01T00:00:00Z"
    assert api.get(stream).status_code == 200
    set_plugin_enabled(tenant=tenant, label="services", enabled=False, actor=admin)
    assert api.get("services/anonymous/k").status_code == 404
    assert api.get(stream).status_code == 404  # maintenance requires services
    set_plugin_enabled(tenant=tenant, label="services", enabled=True, actor=admin)
    assert api.get(stream).status_code == 200
