"""The Customers page: search by identification key or attribute values, sortable
columns, keyset paging."""

from __future__ import annotations

from csadmin.pluginlib import ListPageView
from plugins.profiles import naming, selectors
from plugins.profiles.views.common import CUSTOMERS_CHANGE, CUSTOMERS_READ

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
SORTS = {
    "customer_id": ("customer_id", False),
    "-customer_id": ("customer_id", True),
    "created": ("id", False),
    "-created": ("id", True),
}
SHOWN_ATTRIBUTES = 4


class CustomersPage(ListPageView):
    """Search by identification key or attribute values; keyset paging; sortable columns."""

    privilege = CUSTOMERS_READ
    template_name = "profiles/customers.html"
    partial = "results"

    def get(self, request, *args, **kwargs):
        self.profile = selectors.profile_schema(request.tenant)
        self.keys = list(selectors.identification_keys(request.tenant))
        return super().get(request, *args, **kwargs)

    def sort(self) -> str:
        sort = self.request.GET.get("sort")
        return sort if sort in SORTS else "customer_id"

    def get_ordering(self) -> str:
        field, descending = SORTS[self.sort()]
        return f"-{field}" if descending else field

    def get_page_size(self) -> int:
        return _page_size(self.request.GET.get("page_size"))

    def get_rows(self, filters):
        query, tenant = self.request.GET, self.request.tenant
        if query.get("key"):
            params = {
                name[2:]: value
                for name, value in query.items()
                if name.startswith("v.") and value != ""
            }
            return selectors.identify(tenant, params, query["key"])
        return selectors.search_customers(
            tenant, text=query.get("q", "").strip(), attribute=query.get("attr", "")
        )

    def get_context(self, page, filters):
        query, sort = self.request.GET, self.sort()
        attributes = self.profile.attributes if self.profile else []
        shown = attributes[:SHOWN_ATTRIBUTES]
        names = naming.name_attributes(attributes)
        return {
            "customers": [
                {
                    "customer_id": c.customer_id,
                    "name": naming.name_of(c.attributes, names),
                    "created": c.created_at,
                    "values": [c.attributes.get(a["name"], "") for a in shown],
                }
                for c in page.rows
            ],
            "columns": [a["name"] for a in shown],
            "string_attributes": [a["name"] for a in attributes if a["type"] == "string"],
            "keys": [selectors.key_document(k) for k in self.keys],
            "chosen_key": query.get("key", ""),
            "key_fields": self._key_fields(self.keys, query),
            "query": query,
            "sort": sort,
            "page_size": self.get_page_size(),
            "first_query": page.first_query if page.cursor else None,
            "sort_links": {
                column: _query_with(
                    query, sort=f"-{column}" if sort == column else column, after=None
                )
                for column in ("customer_id", "created")
            },
            "can_change": self.can(CUSTOMERS_CHANGE),
            "has_profile": self.profile is not None,
            "breadcrumbs": [],
        }

    @staticmethod
    def _key_fields(keys, query):
        chosen = query.get("key", "")
        for key in keys:
            if key.name == chosen:
                prefix = f"{key.extension.name}." if key.extension_id else ""
                return [
                    {
                        "param": f"v.{prefix}{name}",
                        "label": f"{prefix}{name}",
                        "value": query.get(f"v.{prefix}{name}", ""),
                    }
                    for name in key.attributes
                ]
        return []


def _page_size(raw) -> int:
    try:
        return max(1, min(int(raw), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        return PAGE_SIZE


def _query_with(query, **changes) -> str:
    copy = query.copy()
    for name, value in changes.items():
        if value is None:
            copy.pop(name, None)
        else:
            copy[name] = value
    return copy.urlencode()
