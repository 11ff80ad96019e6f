import json

from django import forms
from django.views.generic import TemplateView

from csadmin.audit.selectors import audit_page, audit_plugins
from csadmin.ui.views import TenantPageMixin, htmx_partial


class AuditFilterForm(forms.Form):
    plugin = forms.CharField(required=False)
    action = forms.CharField(required=False, max_length=100)
    actor = forms.CharField(required=False, max_length=150)
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    after = forms.IntegerField(required=False, min_value=1)


class AuditLogView(TenantPageMixin, TemplateView):
    privilege = "audit.log.view"
    template_name = "audit/log.html"

    def get(self, request, *args, **kwargs):
        form = AuditFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        rows, next_after = audit_page(
            tenant=request.tenant, after_id=filters.get("after"), filters=filters
        )
        query = request.GET.copy()
        query.pop("after", None)
        if next_after:
            query["after"] = next_after
        context = {
            "form": form,
            "rows": [(row, _pretty(row.before), _pretty(row.after)) for row in rows],
            "next_query": query.urlencode() if next_after else None,
            "plugins": audit_plugins(request.tenant),
            "breadcrumbs": [("Administration", None), ("Audit log", None)],
        }
        return htmx_partial(request, self.template_name, "rows", context)


def _pretty(value) -> str:
    return "" if value is None else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
