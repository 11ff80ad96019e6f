"""Keyset paging for every list, pages and API alike: one cursor format, one algorithm.

A cursor names a position in one list and nothing else. It is signed (SECRET_KEY, with its
fallbacks) and carries a digest of the list it was given out by: the path, the tenant, the
ordering and the query's other parameters (the filters). A cursor that fails the signature is
garbage; one whose digest differs comes from another list, or from the same list under other
filters. Both are refused with 400 (CursorRefused), never served as the first page, because a
silent first page looks like a list that lost its rows. The page size is not part of the digest:
changing it between pages moves no row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core import signing

from csadmin.pluginlib.errors import ValidationFailed

SALT = "csadmin.paging.cursor"
# Parameters that may change between the pages of one walk.
UNFILTERING = frozenset({"page_size"})

GARBAGE = "is not a cursor this list gave out"
ELSEWHERE = "was given out by another list or under other filters; start again from the first page"


class CursorRefused(ValidationFailed):
    """A cursor this list did not give out (400). `param` names the query parameter."""

    def __init__(self, param: str, rule: str) -> None:
        super().__init__(f"{param}: {rule}", errors={param: [rule]})
        self.param = param


def list_identity(request, ordering, cursor_param: str) -> str:
    """A short digest of what makes a list: path, tenant, ordering and filters. Empty values
    count as absent, since a form submits its untouched fields empty."""
    tenant = getattr(request, "tenant", None)
    filters = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if name != cursor_param and name not in UNFILTERING
        for value in values
        if value != ""
    )
    ordering = [ordering] if isinstance(ordering, str) else list(ordering)
    described = json.dumps([request.path, getattr(tenant, "pk", None), ordering, filters])
    return hashlib.blake2b(described.encode(), digest_size=9).hexdigest()


def sign_cursor(identity: str, *values) -> str:
    """A cursor for `values` (JSON: numbers, strings, None) in the list `identity`."""
    return signing.Signer(salt=SALT).sign_object([identity, *values])


def read_cursor(token: str, identity: str, param: str, arity: int) -> list:
    """The `arity` values of a cursor given out by the list `identity`; else CursorRefused."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise CursorRefused(param, GARBAGE) from None
    if not isinstance(payload, list) or len(payload) != arity + 1:
        raise CursorRefused(param, GARBAGE)
    if payload[0] != identity:
        raise CursorRefused(param, ELSEWHERE)
    return payload[1:]


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the cursor it was asked with and the next page's."""

    rows: list
    param: str
    query: object  # the request's QueryDict
    cursor: str | None = None
    next_cursor: str | None = None

    @property
    def next_query(self) -> str | None:
        """The query string of the next page (same filters), or None on the last page."""
        return self._query_with(self.next_cursor) if self.next_cursor else None

    @property
    def first_query(self) -> str:
        return self._query_with(None)

    def _query_with(self, cursor: str | None) -> str:
        query = self.query.copy()
        query.pop(self.param, None)
        if cursor:
            query[self.param] = cursor
        return query.urlencode()


def keyset_page(request, rows, *, ordering: str = "-id", size: int = 25, param: str = "after"):
    """One page of the queryset `rows` by keyset on one unique field (`ordering`, "-" for
    descending): WHERE field < last ORDER BY field LIMIT size + 1, whatever the depth.
    The cursor travels in the query parameter `param`; an empty one is the first page."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    identity = list_identity(request, ordering, param)
    token = request.GET.get(param) or None
    if token is not None:
        (position,) = read_cursor(token, identity, param, arity=1)
        rows = rows.filter(**{f"{field}__{'lt' if descending else 'gt'}": position})
    found = list(rows.order_by(ordering)[: size + 1])
    shown = found[:size]
    following = None
    if len(found) > size:
        following = sign_cursor(identity, getattr(shown[-1], field))
    return Page(shown, param, request.GET, cursor=token, next_cursor=following)
