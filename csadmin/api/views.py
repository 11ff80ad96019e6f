"""The base of every API view: JSON in and out, the privilege check, the error body."""

from __future__ import annotations

from django.db import transaction
from rest_framework.views import APIView

from csadmin.api.pagination import KeysetPagination
from csadmin.pluginlib.errors import ValidationFailed

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


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

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Every body is a JSON object (spec §4): an array, null or a scalar is refused here,
        # before any view, so none can read one as "no body".
        if request.method in BODY_METHODS:
            require_json_object(request)

    def paginate(self, queryset, serialize, pagination_class=None):
        """Page a queryset by keyset and answer the array with its Link header."""
        paginator = (pagination_class or KeysetPagination)()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serialize(page))


def require_json_object(request) -> None:
    """Refuse a JSON body that is not an object. No body at all reads as `{}` (DRF's empty
    data) and passes, and form data is a dict; an upload is left to its view, which reads it
    with its size limit."""
    if request.content_type.lower().startswith("multipart/"):
        return
    if not isinstance(request.data, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
