"""Keyset paging for list APIs (spec §1): the body stays a JSON array; `Link: rel="next"`.

DRF's CursorPagination already pages by keyset (WHERE key > last, no OFFSET) when its first
ordering field is unique; this keeps its algorithm and changes the envelope, the parameters and
the cursor: signed and tied to its list, as the pages' cursors are (csadmin.pluginlib.paging).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from csadmin.pluginlib.paging import list_identity, read_cursor, sign_cursor


class KeysetPagination(CursorPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering = "-id"  # unique, so every page is a pure index range scan

    def get_paginated_response(self, data):
        headers = {}
        links = []
        next_url = self.get_next_link()
        previous_url = self.get_previous_link()
        if next_url:
            links.append(f'<{next_url}>; rel="next"')
        if previous_url:
            links.append(f'<{previous_url}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": 'Opaque cursor from the previous page\'s Link rel="next".',
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": self._page_size_description(),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    @classmethod
    def openapi_parameters(cls) -> list:
        """The paging query parameters as drf-spectacular OpenApiParameters, for views that
        page with `paginate()` and document themselves with @extend_schema."""
        return [
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, description="Opaque cursor from Link rel=next."
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1},
                description=cls._page_size_description(),
            ),
        ]

    @classmethod
    def _page_size_description(cls) -> str:
        # Larger sizes are served as the maximum, not refused: no maximum in the schema.
        return (
            f"Rows per page, at least 1 (default {cls.page_size}); "
            f"more than {cls.max_page_size} is served as {cls.max_page_size}."
        )

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["must be an integer"]}) from None
        if size < 1:
            raise ValidationError({"page_size": ["must be at least 1"]})
        return min(size, self.max_page_size)

    def decode_cursor(self, request):
        """The cursor of this list, or None (first page); any other answers 400."""
        # DRF sets the ordering before it decodes; encode_cursor, later, has no request.
        self._identity = list_identity(request, self.ordering, self.cursor_query_param)
        token = request.query_params.get(self.cursor_query_param)
        if not token:  # absent or empty: the first page, as on the pages
            return None
        offset, reverse, position = read_cursor(
            token, self._identity, self.cursor_query_param, arity=3
        )
        # Signed, so these are the values encode_cursor wrote.
        return Cursor(offset=offset, reverse=bool(reverse), position=position)

    def encode_cursor(self, cursor):
        token = sign_cursor(self._identity, cursor.offset, int(cursor.reverse), cursor.position)
        return replace_query_param(self.base_url, self.cursor_query_param, token)
