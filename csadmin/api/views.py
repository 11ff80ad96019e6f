"""The base of every API view: JSON in and out, the privilege check, the error body."""

from __future__ import annotations

from django.db import transaction
from rest_framework.views import APIView

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TenantAPIView(APIView):
    """An API view in a tenant. Declare `privileges = {"GET": "x.read", "POST": "x.change"}`;
    the resolved tenant is `request.tenant`.

    An unsafe call is one transaction: an answer of 400 or more rolls back whatever it wrote.
    """

    privileges: dict[str, str | None] = {}

    def dispatch(self, request, *args, **kwargs):
        if request.method in SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    def paginate(self, queryset, serialize, pagination_class=None):
        """Page a queryset by keyset and answer the array with its Link header."""
        from csadmin.api.pagination import KeysetPagination

        paginator = (pagination_class or KeysetPagination)()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serialize(page))
