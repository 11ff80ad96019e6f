"""The tab extension point: pages of one plug-in show tabs that other plug-ins contribute."""

from __future__ import annotations

from csadmin.access.checks import Decision, decide
from csadmin.pluginlib.registry import registry


def tabs_for(request, slot: str, key: str) -> list[dict]:
    """The tabs of `slot` this user may see in this tenant, each with its content URL for `key`.

    A tab's URL answers an HTML fragment to an htmx request (hx-get) and a full page otherwise.
    """
    return [
        {"key": tab.key, "title": tab.title, "url": tab.url(key), "plugin": tab.plugin}
        for tab in registry.tabs(slot)
        if decide(request.user, request.tenant, tab.privilege, tab.plugin) is Decision.ALLOW
    ]
