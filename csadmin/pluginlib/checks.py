"""`manage.py check` errors for plug-ins: found at start-up, never at the first request."""

from __future__ import annotations

from collections import defaultdict

from django.core.checks import Error, register
from django.urls import URLPattern, URLResolver

from csadmin.celery import app
from csadmin.pluginlib.config import HEADINGS, PRIVILEGE_CODE, CustomerData
from csadmin.pluginlib.registry import registry

RESERVED_BASE_URLS = {"static", "genesys", "api", "login", "logout", "media"}


@register("csadmin")
def check_plugins(app_configs=None, **kwargs) -> list[Error]:
    plugins = registry.plugins()
    errors: list[Error] = []
    errors += _privilege_errors(plugins)
    errors += _reference_errors(plugins)
    errors += _url_errors(plugins)
    errors += _requirement_errors(plugins)
    errors += _schedule_errors(plugins)
    errors += _customer_data_errors(plugins)
    return errors


def _privilege_errors(plugins) -> list[Error]:
    errors, owners = [], defaultdict(list)
    for plugin in plugins:
        for privilege in plugin.config.privileges:
            owners[privilege.code].append(plugin.label)
            if not PRIVILEGE_CODE.match(privilege.code):
                errors.append(
                    Error(
                        f"plug-in {plugin.label!r}: privilege code {privilege.code!r} must be "
                        "dotted lower-case words (e.g. 'profiles.schema.change')",
                        id="csadmin.E001",
                    )
                )
    for code, labels in owners.items():
        if len(labels) > 1:
            errors.append(
                Error(
                    f"privilege {code!r} is declared more than once (by {', '.join(labels)})",
                    id="csadmin.E002",
                )
            )
    return errors


def _reference_errors(plugins) -> list[Error]:
    known = set(registry.privileges())
    errors = []
    for plugin in plugins:
        for kind, entries in (("menu item", plugin.menu), ("tab", plugin.tabs)):
            for entry in entries:
                name = getattr(entry, "label", None) or getattr(entry, "title", "")
                if entry.privilege not in known:
                    errors.append(
                        Error(
                            f"plug-in {plugin.label!r}: {kind} {name!r} names unknown "
                            f"privilege {entry.privilege!r}",
                            id="csadmin.E003",
                        )
                    )
        for widget in plugin.widgets:
            if widget.privilege not in known:
                errors.append(
                    Error(
                        f"plug-in {plugin.label!r}: widget {widget.title!r} names unknown "
                        f"privilege {widget.privilege!r}",
                        id="csadmin.E003",
                    )
                )
        headings = [plugin.config.menu_heading] + [item.heading for item in plugin.menu]
        for heading in headings:
            if heading is not None and heading not in HEADINGS:
                errors.append(
                    Error(
                        f"plug-in {plugin.label!r}: menu heading {heading!r} is not one of "
                        f"{', '.join(HEADINGS)}",
                        id="csadmin.E004",
                    )
                )
    return errors


def _routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def _url_errors(plugins) -> list[Error]:
    errors = []
    base_owners, api_owners = defaultdict(list), defaultdict(list)
    for plugin in plugins:
        base = plugin.config.base_url.strip("/")
        if plugin.urlpatterns:
            base_owners[base].append(plugin.label)
            if base.split("/")[0] in RESERVED_BASE_URLS:
                errors.append(
                    Error(
                        f"plug-in {plugin.label!r}: base_url {base!r} is reserved by the host",
                        id="csadmin.E005",
                    )
                )
        for route in set(_routes(plugin.api_urlpatterns)):
            api_owners[route].append(plugin.label)
    for base, labels in base_owners.items():
        if len(labels) > 1:
            errors.append(
                Error(
                    f"plug-ins {', '.join(labels)} share base_url {base!r}",
                    id="csadmin.E005",
                )
            )
    for route, labels in api_owners.items():
        if len(labels) > 1:
            errors.append(
                Error(
                    f"API route {route!r} is claimed by several plug-ins: {', '.join(labels)}",
                    id="csadmin.E006",
                )
            )
    return errors


def _requirement_errors(plugins) -> list[Error]:
    labels = {plugin.label for plugin in plugins}
    return [
        Error(
            f"plug-in {plugin.label!r} requires {required!r}, which is not installed",
            id="csadmin.E007",
        )
        for plugin in plugins
        for required in plugin.config.requires
        if required not in labels
    ]


def _schedule_errors(plugins) -> list[Error]:
    """A declared schedule must name a task that exists (a typo would never run, silently)."""
    return [
        Error(
            f"plug-in {plugin.label!r}: schedule {declared.name!r} names unknown task "
            f"{declared.task!r}",
            id="csadmin.E008",
        )
        for plugin in plugins
        for declared in plugin.config.schedules
        if declared.task not in app.tasks
    ]


def _customer_data_errors(plugins) -> list[Error]:
    """A customer's data parts: CustomerData values, each name declared once (a data export's
    members and an erase's counts must not be two plug-ins' at once)."""
    errors, owners = [], defaultdict(list)
    for plugin in plugins:
        for part in plugin.customer_data:
            if not isinstance(part, CustomerData):
                errors.append(
                    Error(
                        f"plug-in {plugin.label!r}: customer_data parts must be CustomerData "
                        f"values, not {type(part).__name__}",
                        id="csadmin.E009",
                    )
                )
                continue
            owners[part.name].append(plugin.label)
    errors += [
        Error(
            f"customer data part {name!r} is declared by several plug-ins: {', '.join(labels)}",
            id="csadmin.E009",
        )
        for name, labels in owners.items()
        if len(labels) > 1
    ]
    return errors
