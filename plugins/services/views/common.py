"""What the services pages share: the privileges, NUL refusal, the list base and small helpers."""

from __future__ import annotations

import datetime as dt
import json

from django.http import Http404
from django.views import View

from csadmin.pluginlib import (
    ListPageView,
    ValidationFailed,
    parse_utc,
)
from plugins.services.events import has_nul

READ, CHANGE = "services.data.read", "services.data.change"


PAGE_SIZE = 25


class RefuseNul(View):
    """Ids and filters of these pages go into SQL, where PostgreSQL cannot hold NUL: such an
    address or query is answered as not found, before any database work."""

    def dispatch(self, request, *args, **kwargs):
        if has_nul(kwargs) or any(has_nul(v) for v in request.GET.values()):
            raise Http404("No such page")
        return super().dispatch(request, *args, **kwargs)


# -- shared helpers --------------------------------------------------------------------------


def day_param(params, name: str, end_of_day: bool = False) -> dt.datetime | None:
    """A `YYYY-MM-DD` (the start, or end, of that day) or `YYYY-MM-DDTHH:MM[:SS]Z` filter in
    UTC; None when not given. Anything else is refused, naming the parameter and the rule."""
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_utc(text, end_of_day=end_of_day)
    except ValueError as wrong:
        raise ValidationFailed.from_errors({name: [str(wrong)]}) from None


class ServicePages(ListPageView, RefuseNul):
    """The lists of services: newest first, `?before=<cursor>` gives the next page."""

    privilege = READ
    page_size = PAGE_SIZE
    cursor_param = "before"
    rows_name = "services"


def query_without(params, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def pretty(data) -> str:
    """Attached data as readable JSON; the template escapes it."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


# -- services page ---------------------------------------------------------------------------
