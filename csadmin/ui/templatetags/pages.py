"""Tags every page shares (registered as template builtins): the breadcrumb trail, the tenant
subtitle and times shown as ISO 8601 UTC."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html

from csadmin.pluginlib.isotime import HINT, UtcInput, format_utc
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


@register.simple_tag
def utc_input(name: str, value, input_id: str) -> str:
    """A filter's text input for an ISO UTC date or time, with its hint (the field's own
    UtcInput, for inputs that no Django form renders)."""
    hint_id = f"{input_id}-hint"
    widget = UtcInput().render(
        name, value or "", attrs={"id": input_id, "aria-describedby": hint_id}
    )
    return format_html('{}<small class="muted hint" id="{}">UTC: {}</small>', widget, hint_id, HINT)


@register.filter
def iso_utc(value, precision: str = "seconds") -> str:
    """A time as ISO 8601 in UTC with its Z (`2026-03-01T09:30:00Z`; "minutes" drops the
    seconds); a date as `2026-03-01`; "" for none."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        return format_utc(value, seconds=precision != "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
