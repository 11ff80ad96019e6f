"""Inherited checks for API endpoints: a plug-in's test class names its endpoint and how to make
one object, and inherits the checks every endpoint owes (see the package's docstring).

Each check reads the privilege the view declares for the method (its `privileges` dict) and the
built-in roles holding it in the database, as `decide` does, so the checks, the access matrix
and the declarations cannot drift apart.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from csadmin.api.errors import EXCEPTION_NAMES
from csadmin.pluginlib.config import BUILTIN_ROLES

ADMINISTRATOR = "Administrator"
NEXT_LINK = re.compile(r'<([^>]+)>; rel="next"')
_numbers = itertools.count(1)


def unique_number() -> int:
    """A number no other call in this process got: for names that must differ across tenants."""
    return next(_numbers)


# -- what the views declare ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredAccess:
    """Who may call a method of an endpoint, as its view declares it."""

    privilege: str | None
    allowed: frozenset[str]  # the built-in roles holding the privilege
    denied: int  # the answer to a member lacking it: 401 (administrative) or 403


def view_class(path: str):
    """The class-based view serving an API path (a path under /genesys/1/cs/, query ignored)."""
    from csadmin.testing import API

    path = urlsplit(path).path
    match = resolve(path if path.startswith("/") else API + path)
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def declared_access(path: str, method: str) -> DeclaredAccess:
    """The privilege the view of `path` declares for `method`, and the roles holding it."""
    from csadmin.access.models import Privilege, Role

    code = view_class(path).privileges[method.upper()]
    if code is None:  # any member of the tenant
        return DeclaredAccess(None, frozenset(BUILTIN_ROLES), 403)
    definition = Privilege.objects.get(code=code)
    holders = Role.objects.filter(name__in=BUILTIN_ROLES, privileges=definition)
    allowed = frozenset(holders.values_list("name", flat=True))
    return DeclaredAccess(code, allowed, 401 if definition.administrative else 403)


# -- answers ------------------------------------------------------------------------------------


def assert_error_body(response, status: int, exception: str | None = None) -> dict:
    """The answer is `status` with the API's error body {"message", "exception", "errors"?}."""
    assert response.status_code == status, (status, response.status_code, response.content[:500])
    body = response.json()
    assert set(body) <= {"message", "exception", "errors"}, body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert body.get("exception") == (exception or EXCEPTION_NAMES[status]), body
    return body


def assert_refusal_names(response, field: str) -> dict:
    """A 400 whose error body names `field` (in `errors`, and in the message when it is the
    first field refused)."""
    body = assert_error_body(response, 400, "ValidationException")
    assert field in body.get("errors", {}), body
    if field != "body" and next(iter(body["errors"])) == field:
        assert body["message"].startswith(f"{field}:"), body
    return body


def next_link(response) -> str | None:
    found = NEXT_LINK.search(response.get("Link", ""))
    return found.group(1) if found else None


def with_query(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


# -- the base -----------------------------------------------------------------------------------


class EndpointChecks:
    """What the check mixins share: callers in a tenant, the privilege row, the factory hooks.

    Configure with class attributes and methods (all optional unless a mixin says otherwise):
      key_field    the field of an answer that identifies an object ("id")
      detail_url   the object's path, formatted with `key` ("metadata/subscriptions/{key}")
      make(tenant) create one object in `tenant` and return it (required)
      key_of(obj)  the value of key_field for an object made (default: obj.pk)
      prepare(tenant)  state a tenant needs before objects are made or created in it
    The tests run with the fixtures `tenant` and `other_tenant`; a factory may ask for any other
    fixture with self.fixture(name).
    """

    key_field = "id"
    detail_url: str = ""

    @pytest.fixture(autouse=True)
    def _endpoint_checks_setup(self, request, tenant, other_tenant):
        self.set_up(request, tenant, other_tenant)

    def set_up(self, request, tenant, other_tenant) -> None:
        self._request = request
        self.tenant, self.other_tenant = tenant, other_tenant
        self._callers: dict = {}
        self.prepare(tenant)
        self.prepare(other_tenant)

    # hooks
    def prepare(self, tenant) -> None:
        """State a tenant needs before objects are made or created in it (default: none)."""

    def make(self, tenant):
        raise NotImplementedError(f"{type(self).__name__} must define make(tenant)")

    def key_of(self, obj):
        return obj.pk

    def detail_path(self, obj) -> str:
        return self.detail_url.format(key=self.key_of(obj))

    # tools
    def fixture(self, name: str):
        return self._request.getfixturevalue(name)

    def caller(self, tenant, *roles: str, member_of=None):
        """An API client in `tenant` for a new user holding `roles` in `member_of` (default:
        the same tenant); no roles: a member holding nothing."""
        from csadmin.testing import Api, make_user

        user = make_user(f"checks{unique_number()}", member_of or tenant, roles)
        return Api(user, tenant)

    def admin(self, tenant):
        """The same Administrator's client for every call in `tenant`."""
        if tenant.pk not in self._callers:
            self._callers[tenant.pk] = self.caller(tenant, ADMINISTRATOR)
        return self._callers[tenant.pk]

    def check_privilege_row(self, method: str, call, success: int, unchanged=None) -> None:
        """Call the endpoint as each built-in role, a member without roles, an anonymous caller
        and another tenant's Administrator; the allowed roles get `success`, the others the
        declared refusal with the error body naming the privilege.

        call(api) makes one call and answers the response; call(None) answers only the path.
        unchanged(), when given, runs after each refused call to assert it wrote nothing.
        """
        from csadmin.testing import Api

        tenant = self.tenant
        access = declared_access(call(None), method)
        callers = [(role, self.caller(tenant, role)) for role in BUILTIN_ROLES]
        callers.append(("a member without roles", self.caller(tenant)))
        for who, api in callers:
            response = call(api)
            if who in access.allowed or access.privilege is None:
                assert response.status_code == success, (who, response.content[:500])
                continue
            body = assert_error_body(response, access.denied)
            assert access.privilege in body["message"], (who, body)
            if unchanged:
                unchanged()
        anonymous = call(Api(None, tenant))
        assert_error_body(anonymous, 401, "AuthenticationException")
        assert anonymous.get("WWW-Authenticate"), "a 401 without a challenge"
        if unchanged:
            unchanged()
        outsider = self.caller(tenant, ADMINISTRATOR, member_of=self.other_tenant)
        assert_error_body(call(outsider), 403, "ForbiddenException")
        if unchanged:
            unchanged()


def _request(api, method: str, path: str, body=None):
    return path if api is None else api.call(method, path, body)


# -- list ---------------------------------------------------------------------------------------


class ListEndpointChecks(EndpointChecks):
    """GET of a list: tenancy, the privilege row, keyset paging, a pinned query count.

    list_url          the list's path ("metadata/subscriptions"); or override list_path(tenant)
    list_queries      the most queries a page may cost, the same for 2 rows as for many
    many_rows         rows made for the query count (default 25)
    expected_order(made)  keys in the order the list gives them, when it promises one
    """

    list_url: str = ""
    list_queries: int = 0
    many_rows = 25

    def list_path(self, tenant) -> str:
        return self.list_url

    def expected_order(self, made) -> list | None:
        return None

    def listed_keys(self, tenant, api=None) -> list:
        response = (api or self.admin(tenant)).get(
            with_query(self.list_path(tenant), "page_size=1000")
        )
        assert response.status_code == 200, response.content[:500]
        return [row[self.key_field] for row in response.json()]

    def test_list_shows_only_the_callers_tenant(self):
        mine, theirs = self.make(self.tenant), self.make(self.other_tenant)
        here = self.listed_keys(self.tenant)
        assert self.key_of(mine) in here
        assert self.key_of(theirs) not in here, "another tenant's object is listed"
        there = self.listed_keys(self.other_tenant)
        assert self.key_of(theirs) in there and self.key_of(mine) not in there

    def test_list_privilege_row(self):
        self.make(self.tenant)
        path = self.list_path(self.tenant)
        self.check_privilege_row("GET", lambda api: _request(api, "GET", path), 200)

    def test_list_pages_by_keyset(self):
        made = [self.make(self.tenant) for _ in range(5)]
        everything = self.listed_keys(self.tenant)
        assert {self.key_of(obj) for obj in made} <= set(everything)
        if self.expected_order(made) is not None:
            mine = [key for key in everything if key in {self.key_of(obj) for obj in made}]
            assert mine == self.expected_order(made)
        url, walked, pages = with_query(self.list_path(self.tenant), "page_size=2"), [], 0
        while url:
            response = self.admin(self.tenant).get(url)
            assert response.status_code == 200, response.content[:500]
            rows = response.json()
            assert isinstance(rows, list) and 1 <= len(rows) <= 2, rows
            walked += [row[self.key_field] for row in rows]
            url, pages = next_link(response), pages + 1
        assert walked == everything, "the pages skip, repeat or reorder rows"
        assert pages == -(-len(everything) // 2)

    @pytest.mark.parametrize("size", ["0", "-1", "many"])
    def test_list_refuses_a_bad_page_size(self, size):
        response = self.admin(self.tenant).get(
            with_query(self.list_path(self.tenant), f"page_size={size}")
        )
        assert_refusal_names(response, "page_size")

    def test_list_refuses_a_garbage_cursor(self):
        self.make(self.tenant)
        response = self.admin(self.tenant).get(
            with_query(self.list_path(self.tenant), "cursor=garbage")
        )
        assert_refusal_names(response, "cursor")

    def test_list_query_count_does_not_grow_with_the_rows(self):
        assert self.list_queries, f"{type(self).__name__} must pin list_queries"
        counts = []
        for rows in (2, self.many_rows):
            while len(self.listed_keys(self.tenant)) < rows:
                self.make(self.tenant)
            api = self.caller(self.tenant, ADMINISTRATOR)  # a caller nothing knows yet
            path = with_query(self.list_path(self.tenant), "page_size=1000")
            with CaptureQueriesContext(connection) as queries:
                response = api.get(path)
            assert response.status_code == 200 and len(response.json()) >= rows
            counts.append(len(queries))
        assert counts[1] == counts[0], f"queries grow with the rows: {counts}"
        assert counts[0] <= self.list_queries, f"{counts[0]} queries, pinned {self.list_queries}"


# -- one object ---------------------------------------------------------------------------------


class GetEndpointChecks(EndpointChecks):
    """GET of one object: it answers, another tenant's is 404 as an unknown one, the privilege row.

    detail_url / detail_path(obj)   the object's path
    missing_url   a path of the same kind naming no object, when there is one to name
    """

    missing_url: str = ""

    def test_get_answers_the_object(self):
        obj = self.make(self.tenant)
        response = self.admin(self.tenant).get(self.detail_path(obj))
        assert response.status_code == 200, response.content[:500]
        if response.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and self.key_field in body:
                assert body[self.key_field] == self.key_of(obj)

    def test_get_of_another_tenants_object_is_404(self):
        theirs = self.make(self.other_tenant)
        response = self.admin(self.tenant).get(self.detail_path(theirs))
        assert_error_body(response, 404, "NotFoundException")
        assert str(self.key_of(theirs)) not in json.dumps(response.json().get("errors", {}))
        if self.missing_url:
            assert_error_body(self.admin(self.tenant).get(self.missing_url), 404)

    def test_get_privilege_row(self):
        path = self.detail_path(self.make(self.tenant))
        self.check_privilege_row("GET", lambda api: _request(api, "GET", path), 200)


class CreateEndpointChecks(EndpointChecks):
    """POST creating an object: it lands in the caller's tenant; bad bodies are refused naming the
    field and write nothing; the privilege row.

      create_url        the path posted to
      create_body(tenant)   a valid body (a new one each call)
      bad_body, bad_field   a body refused, and the field its refusal names
      count(tenant)     how many objects the tenant holds (to see nothing was written)
      created_status    201
    """

    create_url: str = ""
    created_status = 201
    bad_body: dict = {}
    bad_field: str = ""

    def create_body(self, tenant) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define create_body(tenant)")

    def count(self, tenant) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define count(tenant)")

    def make(self, tenant):  # creating is what this endpoint does; a factory is rarely needed
        return None

    def _counts(self):
        return self.count(self.tenant), self.count(self.other_tenant)

    def test_create_lands_in_the_callers_tenant(self):
        before = self._counts()
        response = self.admin(self.tenant).post(self.create_url, self.create_body(self.tenant))
        assert response.status_code == self.created_status, response.content[:500]
        assert self._counts() == (before[0] + 1, before[1])

    def test_create_refuses_a_bad_body_naming_the_field(self):
        assert self.bad_field, f"{type(self).__name__} must give bad_body and bad_field"
        before = self._counts()
        response = self.admin(self.tenant).post(self.create_url, self.bad_body)
        assert_refusal_names(response, self.bad_field)
        assert self._counts() == before

    def test_create_refuses_a_body_that_is_not_an_object(self):
        before = self._counts()
        response = self.admin(self.tenant).post(self.create_url, ["not", "an", "object"])
        assert_refusal_names(response, "body")
        assert self._counts() == before

    def test_create_privilege_row(self):
        before = []

        def call(api):
            if api is not None:
                before.append(self._counts())
            return _request(api, "POST", self.create_url, self.create_body(self.tenant))

        def unchanged():
            assert self._counts() == before[-1], "a refused create wrote"

        self.check_privilege_row("POST", call, self.created_status, unchanged)


class UpdateEndpointChecks(EndpointChecks):
    """PUT or PATCH of one object: another tenant's is 404 and unchanged, a bad body is refused
    naming the field and changes nothing, the privilege row.

      update_method      "PUT" or "PATCH"
      update_body(obj)   a valid body
      bad_update_body, bad_update_field
      snapshot(obj)      what must not change on a refusal (default: the admin's GET of it)
    """

    update_method = "PATCH"
    updated_status = 200
    bad_update_body: dict = {}
    bad_update_field: str = ""

    def update_body(self, obj) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define update_body(obj)")

    def snapshot(self, obj, tenant=None):
        response = self.admin(tenant or self.tenant).get(self.detail_path(obj))
        assert response.status_code == 200, response.content[:500]
        return response.json()

    def _update(self, api, obj, body):
        return api.call(self.update_method, self.detail_path(obj), body)

    def test_update_answers_the_changed_object(self):
        obj = self.make(self.tenant)
        response = self._update(self.admin(self.tenant), obj, self.update_body(obj))
        assert response.status_code == self.updated_status, response.content[:500]

    def test_update_of_another_tenants_object_is_404_and_changes_nothing(self):
        theirs = self.make(self.other_tenant)
        before = self.snapshot(theirs, self.other_tenant)
        response = self._update(self.admin(self.tenant), theirs, self.update_body(theirs))
        assert_error_body(response, 404, "NotFoundException")
        assert self.snapshot(theirs, self.other_tenant) == before

    def test_update_refuses_a_bad_body_naming_the_field(self):
        assert self.bad_update_field, f"{type(self).__name__} must give bad_update_body/field"
        obj = self.make(self.tenant)
        before = self.snapshot(obj)
        response = self._update(self.admin(self.tenant), obj, self.bad_update_body)
        assert_refusal_names(response, self.bad_update_field)
        assert self.snapshot(obj) == before

    def test_update_privilege_row(self):
        obj = self.make(self.tenant)
        path, body = self.detail_path(obj), self.update_body(obj)
        self.check_privilege_row(
            self.update_method,
            lambda api: _request(api, self.update_method, path, body),
            self.updated_status,
        )


class DeleteEndpointChecks(EndpointChecks):
    """DELETE of one object: it is gone; another tenant's is 404 and kept; the privilege row.

    deleted_status   204
    exists(obj)      whether the object is still there (default: the admin's GET answers 200)
    """

    deleted_status = 204
    missing_status = 404  # what deleting an object of no one answers (with NotFoundException)

    def exists(self, obj, tenant=None) -> bool:
        return self.admin(tenant or self.tenant).get(self.detail_path(obj)).status_code == 200

    def test_delete_removes_the_object(self):
        obj = self.make(self.tenant)
        response = self.admin(self.tenant).delete(self.detail_path(obj))
        assert response.status_code == self.deleted_status, response.content[:500]
        assert not self.exists(obj)
        again = self.admin(self.tenant).delete(self.detail_path(obj))
        assert_error_body(again, self.missing_status, "NotFoundException")

    def test_delete_of_another_tenants_object_is_404_and_keeps_it(self):
        theirs = self.make(self.other_tenant)
        response = self.admin(self.tenant).delete(self.detail_path(theirs))
        assert_error_body(response, self.missing_status, "NotFoundException")
        assert self.exists(theirs, self.other_tenant)

    def test_delete_privilege_row(self):
        kept = []

        def call(api):
            obj = self.make(self.tenant)  # each caller gets an object of its own
            if api is not None:
                kept.append(obj)
            return _request(api, "DELETE", self.detail_path(obj))

        def unchanged():
            assert self.exists(kept[-1]), "a refused delete removed the object"

        self.check_privilege_row("DELETE", call, self.deleted_status, unchanged)
