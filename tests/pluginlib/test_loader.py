import sys
import textwrap

import pytest

from csadmin.pluginlib.loader import PluginLoadError, discover_plugins, import_optional


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A throw-away plug-ins folder importable as the package `tmpplugins`."""
    root = tmp_path / "tmpplugins"
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [name for name in sys.modules if name.startswith("tmpplugins")]:
        del sys.modules[name]


def write_plugin(root, name, init, **modules):
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(init))
    for module, body in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(body))


GOOD = """
    from csadmin.pluginlib import PluginConfig

    class GoodConfig(PluginConfig):
        name = "tmpplugins.good"
        label = "good"

    config = GoodConfig
"""


def test_finds_each_package_and_returns_its_config_path(plugin_dir):
    write_plugin(plugin_dir, "good", GOOD)
    (plugin_dir / "_private").mkdir()
    (plugin_dir / "notes.txt").write_text("not a plug-in")
    assert discover_plugins(plugin_dir) == ["tmpplugins.good.GoodConfig"]


def test_only_restricts_and_unknown_names_fail(plugin_dir):
    write_plugin(plugin_dir, "good", GOOD)
    assert discover_plugins(plugin_dir, only=[]) == []
    with pytest.raises(PluginLoadError, match=r"unknown plug-in.*missing"):
        discover_plugins(plugin_dir, only=["missing"])


def test_a_plugin_that_fails_to_import_is_an_error_naming_it(plugin_dir):
    write_plugin(plugin_dir, "broken", "raise RuntimeError('boom')\n")
    with pytest.raises(PluginLoadError, match=r"tmpplugins\.broken.*boom"):
        discover_plugins(plugin_dir)


def test_a_plugin_without_config_is_an_error_naming_it(plugin_dir):
    write_plugin(plugin_dir, "bare", "x = 1\n")
    with pytest.raises(PluginLoadError, match=r"tmpplugins\.bare.*must expose `config`"):
        discover_plugins(plugin_dir)


def test_missing_optional_module_is_skipped(plugin_dir):
    write_plugin(plugin_dir, "good", GOOD)
    assert import_optional("tmpplugins.good", "navigation.menu", "good") is None
    assert import_optional("tmpplugins.good", "api.urls.urlpatterns", "good") is None


def test_a_broken_optional_module_is_an_error_naming_the_plugin(plugin_dir):
    write_plugin(plugin_dir, "good", GOOD, navigation="import does_not_exist_anywhere\n")
    with pytest.raises(PluginLoadError, match=r"plug-in 'good'.*does_not_exist_anywhere"):
        import_optional("tmpplugins.good", "navigation.menu", "good")


def test_a_module_lacking_the_named_attribute_is_an_error(plugin_dir):
    write_plugin(plugin_dir, "good", GOOD, navigation="other = []\n")
    with pytest.raises(PluginLoadError, match="has no 'menu'"):
        import_optional("tmpplugins.good", "navigation.menu", "good")
