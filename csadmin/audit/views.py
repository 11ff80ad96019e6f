import json

from django import forms

from csadmin.audit.selectors import audit_entries, audit_plugins
from csadmin.pluginlib.isotime import UtcDateTimeField
from csadmin.ui.lists import ListPageView


class AuditFilterForm(forms.Form):
    plugin = forms.CharField(required=False)
    action = forms.CharField(required=False, max_length=100)
    actor = forms.CharField(required=False, max_length=150)
    since = UtcDateTimeField(required=False)
    until = UtcDateTimeField(required=False, end_of_day=True)


class AuditLogView(ListPageView):
    privilege = "audit.log.view"
    template_name = "audit/log.html"
    filter_form = AuditFilterForm
    page_size = 50

    def get_rows(self, filters):
        return audit_entries(self.request.tenant, filters)

    def get_context(self, page, filters):
        return {
            "rows": [(row, _pretty(row.before), _pretty(row.after)) for row in page.rows],
            "plugins": audit_plugins(self.request.tenant),
            "breadcrumbs": [],
        }


def _pretty(value) -> str:
    return "" if value is None else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
