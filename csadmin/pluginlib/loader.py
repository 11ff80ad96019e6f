"""Finding plug-ins and importing their optional modules, failing loudly with their names."""

from __future__ import annotations

import importlib
from pathlib import Path

from csadmin.pluginlib.config import PluginConfig


class PluginLoadError(ImportError):
    """A plug-in could not be loaded; the message names it."""


def discover_plugins(plugins_dir: Path, only: list[str] | None = None) -> list[str]:
    """Return the dotted paths of the plug-in configs under `plugins_dir`.

    Each package must expose `config`, a PluginConfig subclass. `only` restricts the result to the
    named packages; naming one that does not exist is an error.
    """
    found = sorted(
        path.name
        for path in plugins_dir.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and not path.name.startswith("_")
    )
    if only is not None:
        unknown = sorted(set(only) - set(found))
        if unknown:
            raise PluginLoadError(
                f"CSADMIN_PLUGINS names unknown plug-in(s): {', '.join(unknown)}; "
                f"found: {', '.join(found) or 'none'}"
            )
        found = [name for name in found if name in only]
    package = plugins_dir.name
    return [plugin_config_path(f"{package}.{name}") for name in found]


def plugin_config_path(package: str) -> str:
    """Import a plug-in package and return the dotted path of its config class."""
    try:
        module = importlib.import_module(package)
    except Exception as exc:
        raise PluginLoadError(f"plug-in {package!r} failed to import: {exc!r}") from exc
    config = getattr(module, "config", None)

    if not (isinstance(config, type) and issubclass(config, PluginConfig)):
        raise PluginLoadError(
            f"plug-in {package!r} must expose `config`, a PluginConfig subclass, in its __init__"
        )
    return f"{package}.{config.__name__}"


def import_optional(package: str, dotted: str, plugin_label: str, *, whole_module: bool = False):
    """Import `<package>.<module>` and return its attribute (or the module itself with
    `whole_module`); None when the module is absent.

    A module that exists but fails to import is an error naming the plug-in, never skipped.
    """
    module_path, attribute = (dotted, "") if whole_module else dotted.rsplit(".", 1)
    full = f"{package}.{module_path}" if module_path else package
    try:
        module = importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name and (full == exc.name or full.startswith(exc.name + ".")):
            return None
        raise PluginLoadError(
            f"plug-in {plugin_label!r}: {full} failed to import: {exc!r}"
        ) from exc
    except Exception as exc:
        raise PluginLoadError(
            f"plug-in {plugin_label!r}: {full} failed to import: {exc!r}"
        ) from exc
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise PluginLoadError(f"plug-in {plugin_label!r}: {full} has no {attribute!r}") from exc
