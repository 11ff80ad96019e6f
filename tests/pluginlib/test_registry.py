import pytest
from django.apps.registry import Apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from csadmin.pluginlib import HEADINGS, registry


def test_registry_holds_the_sample_plugin_with_everything_it_declares():
    sample = registry.get("sample")
    assert sample.config.version == "9.9.9"
    assert [item.label for item in sample.menu] == ["Notes", "Note admin"]
    assert all(item.plugin == "sample" for item in sample.menu)
    assert len(sample.urlpatterns) == 3 and len(sample.api_urlpatterns) == 2
    assert [tab.key for tab in registry.tabs("customer") if tab.plugin == "sample"] == ["notes"]
    assert "notes" in [widget.key for widget in registry.widgets()]
    assert sample.demo is not None


def test_core_features_use_the_same_mechanism():
    labels = {plugin.label for plugin in registry.plugins()}
    assert {"ui", "tenancy", "access", "audit", "sample"} <= labels
    assert registry.get("tenancy").config.core and not registry.get("sample").config.core


def test_privileges_come_from_every_plugin():
    privileges = registry.privileges()
    assert privileges["sample.notes.purge"][0] == "sample"
    assert privileges["sample.notes.purge"][1].administrative
    assert privileges["tenancy.server.mode"][0] == "tenancy"


def test_module_names_map_to_their_plugin():
    assert registry.label_for_module("tests.sample_plugin.api.views") == "sample"
    assert registry.label_for_module("csadmin.tenancy.api.views") == "tenancy"
    assert registry.label_for_module("somewhere.else") is None


def test_menu_groups_follow_the_fixed_heading_order_and_item_order():
    groups = registry.menu(lambda item: True)
    headings = [group.heading for group in groups]
    assert headings == [h for h in HEADINGS if h in headings]
    administration = next(g for g in groups if g.heading == "Administration")
    orders = [item.order for item in administration.items]
    assert orders == sorted(orders)
    assert "Note admin" in [item.label for item in administration.items]  # heading override


def test_duplicate_labels_fail_at_start_up():
    with pytest.raises(ImproperlyConfigured, match=r"labels aren't unique.*sample"):
        Apps(
            installed_apps=["tests.sample_plugin.SampleConfig", "tests.sample_plugin.SampleConfig"]
        )


def test_check_passes_on_the_installed_plugins(db):
    call_command("check", "--fail-level", "ERROR")


def test_tabs_for_lists_the_tabs_this_user_may_see(rf, tenant):
    from csadmin.pluginlib import tabs_for
    from csadmin.testing import make_user

    request = rf.get("/")
    request.tenant = tenant
    request.user = make_user("agent", tenant, ["Agent Application"])
    tabs = [tab for tab in tabs_for(request, "customer", "C000001") if tab["plugin"] == "sample"]
    assert tabs == [
        {"key": "notes", "title": "Notes", "url": "/sample/notes/C000001/tab/", "plugin": "sample"}
    ]
    request.user = make_user("designer", tenant, ["Maintenance Operator"])
    assert not [tab for tab in tabs_for(request, "customer", "C1") if tab["plugin"] == "sample"]


def test_a_tab_that_cannot_link_to_the_key_is_left_out(rf, tenant, monkeypatch):
    from django.urls import reverse

    from csadmin.pluginlib import Tab, tabs_for
    from csadmin.pluginlib.registry import Plugin
    from csadmin.testing import make_user

    narrow = Tab(
        "customer",
        "narrow",
        "Narrow",
        url=lambda key: reverse("sample:note-tab", args=[key]),
        privilege="sample.notes.read",
        plugin="sample",
    )
    sample = registry.get("sample")
    patched = Plugin(config=sample.config, tabs=(narrow,))
    monkeypatch.setattr(registry, "tabs", lambda slot: list(patched.tabs))
    request = rf.get("/")
    request.tenant = tenant
    request.user = make_user("agent", tenant, ["Agent Application"])
    assert [tab["key"] for tab in tabs_for(request, "customer", "ok")] == ["narrow"]
    assert tabs_for(request, "customer", "has/slash") == []
