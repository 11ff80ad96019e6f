"""`{{ data|as_json }}`: readable JSON for attached data; a plain string, so it is escaped."""

import json

from django import template

register = template.Library()


@register.filter
def as_json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
