"""The tab extension point: pages of one plug-in show tabs that other plug-ins contribute."""

from __future__ import annotations

import logging

from django.urls import NoReverseMatch

from csadmin.access.checks import Decision, decide
from csadmin.pluginlib.registry import registry

logger = logging.getLogger(__name__)


def tabs_for(request, slot: str, key: str) -> list[dict]:
    """The tabs of `slot` this user may see in this tenant, each with its content URL for `key`.

    A tab's URL answers an HTML fragment to an htmx request (hx-get) and a full page otherwise.
    A tab whose URL cannot take this key is left out (and logged): one plug-in's narrow URL
    pattern must not take the whole page down.
    """
    visible = []
    for tab in registry.tabs(slot):
        if decide(request.user, request.tenant, tab.privilege, tab.plugin) is not Decision.ALLOW:
            continue
        try:
            url = tab.url(key)
        except NoReverseMatch:
            logger.warning("tab %s of plug-in %s cannot link to %r", tab.key, tab.plugin, key)
            continue
        visible.append({"key": tab.key, "title": tab.title, "url": url, "plugin": tab.plugin})
    return visible
