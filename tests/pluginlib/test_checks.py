"""`manage.py check` errors for badly declared plug-ins, on a registry of fake plug-ins."""

from dataclasses import replace
from types import MappingProxyType

import pytest
from django.urls import path

from csadmin.pluginlib import MenuItem, Privilege, Tab, registry
from csadmin.pluginlib.checks import check_plugins
from csadmin.pluginlib.config import PluginConfig
from csadmin.pluginlib.registry import Plugin


def fake_config(label, **attrs):
    cls = type(f"{label.title()}Config", (PluginConfig,), {"name": f"fake.{label}", **attrs})
    config = object.__new__(cls)
    config.label = label
    config.name = f"fake.{label}"
    return config


def view(request):
    return None


@pytest.fixture
def fake_registry(monkeypatch):
    def install(*plugins):
        monkeypatch.setattr(
            registry, "_plugins", MappingProxyType({plugin.label: plugin for plugin in plugins})
        )

    return install


READ = Privilege("alpha.things.read", "Read things")


def alpha(**changes):
    plugin = Plugin(
        config=fake_config("alpha", privileges=(READ,), base_url="alpha"),
        menu=(MenuItem("Things", "things", "alpha.things.read", plugin="alpha"),),
        urlpatterns=(path("things/", view),),
        api_urlpatterns=(path("things", view),),
    )
    return replace(plugin, **changes)


def ids(errors):
    return sorted(error.id for error in errors)


def test_a_clean_registry_has_no_errors(fake_registry):
    fake_registry(alpha())
    assert check_plugins() == []


def test_unknown_privilege_in_a_menu_item(fake_registry):
    fake_registry(alpha(menu=(MenuItem("Things", "things", "alpha.nope", plugin="alpha"),)))
    errors = check_plugins()
    assert ids(errors) == ["csadmin.E003"]
    assert "alpha" in errors[0].msg and "alpha.nope" in errors[0].msg


def test_unknown_privilege_in_a_tab(fake_registry):
    tab = Tab("customer", "x", "X", url=str, privilege="beta.missing", plugin="alpha")
    fake_registry(alpha(tabs=(tab,)))
    assert ids(check_plugins()) == ["csadmin.E003"]


def test_duplicate_privilege_codes(fake_registry):
    beta = Plugin(config=fake_config("beta", privileges=(READ,)))
    fake_registry(alpha(), beta)
    errors = check_plugins()
    assert ids(errors) == ["csadmin.E002"]
    assert "alpha" in errors[0].msg and "beta" in errors[0].msg


def test_malformed_privilege_code(fake_registry):
    bad = Privilege("Not A Code", "x")
    fake_registry(alpha(config=fake_config("alpha", privileges=(READ, bad), base_url="alpha")))
    assert "csadmin.E001" in ids(check_plugins())


def test_unknown_menu_heading(fake_registry):
    item = MenuItem("Things", "things", "alpha.things.read", heading="Elsewhere", plugin="alpha")
    fake_registry(alpha(menu=(item,)))
    assert ids(check_plugins()) == ["csadmin.E004"]


def test_page_url_clash_between_plugins(fake_registry):
    beta = Plugin(config=fake_config("beta", base_url="alpha"), urlpatterns=(path("other/", view),))
    fake_registry(alpha(), beta)
    assert ids(check_plugins()) == ["csadmin.E005"]


def test_reserved_base_url(fake_registry):
    fake_registry(alpha(config=fake_config("alpha", privileges=(READ,), base_url="genesys")))
    assert ids(check_plugins()) == ["csadmin.E005"]


def test_api_route_clash_between_plugins(fake_registry):
    beta = Plugin(config=fake_config("beta"), api_urlpatterns=(path("things", view),))
    fake_registry(alpha(), beta)
    errors = check_plugins()
    assert ids(errors) == ["csadmin.E006"]
    assert "'things'" in errors[0].msg


def test_missing_requirement(fake_registry):
    beta = Plugin(config=fake_config("beta", requires=("gamma",)))
    fake_registry(alpha(), beta)
    errors = check_plugins()
    assert ids(errors) == ["csadmin.E007"]
    assert "beta" in errors[0].msg and "gamma" in errors[0].msg
