"""Pages of event subscriptions."""

from __future__ import annotations

from django.views import View

from csadmin.pluginlib import TenantPageMixin, htmx_partial
from plugins.webhooks import selectors

READ = "webhooks.read"
MANAGE = "webhooks.manage"


class SubscriptionListPage(TenantPageMixin, View):
    privilege = READ

    def get(self, request):
        context = {
            "subscriptions": list(selectors.subscriptions(request.tenant)),
            "breadcrumbs": [("Event Subscriptions", None)],
        }
        return htmx_partial(request, "webhooks/list.html", None, context)
