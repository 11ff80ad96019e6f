"""Tags every page shares (registered as template builtins): the breadcrumb trail, the tenant
subtitle and times shown as ISO 8601 UTC."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

from csadmin.ui.shell import breadcrumb_trail

register = template.Library()


@register.simple_tag(takes_context=True)
def page_breadcrumbs(context) -> list[tuple[str, str]]:
    """The page's trail by the shell's one rule (csadmin.ui.shell)."""
    shell = context.get("shell") or {}
    return breadcrumb_trail(
        shell.get("section"), context.get("breadcrumbs"), context.get("title", "")
    )


@register.simple_tag(takes_context=True)
def tenant_subtitle(context) -> str:
    """The heading's subtitle of a page about one tenant's data: always "in <tenant>"."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None) or (context.get("shell") or {}).get("tenant")
    if tenant is None:
        return ""
    return format_html(
        ' <small class="muted subtitle" data-testid="subtitle">in {}</small>', tenant.name
    )


@register.filter
def iso_utc(value, precision: str = "seconds") -> str:
    """A time as ISO 8601 in UTC with its Z (`2026-03-01T09:30:00Z`); a date as `2026-03-01`;
    "" for none. `precision` "minutes" drops the seconds."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        value = value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None)
        return value.isoformat(timespec="minutes" if precision == "minutes" else "seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
