"""Helpers for tests of the host and of plug-ins: users with roles, API clients in a tenant,
the switch that makes service-backed tests fail instead of skip under REQUIRE_SERVICES=1, and
inherited checks for API endpoints.

Inherited API checks (csadmin.testing.api). A test class names an endpoint and how to make one
object in a tenant, and inherits the checks every endpoint owes. Mix the ones the endpoint has:

  ListEndpointChecks    only the caller's tenant is listed; the privilege row; keyset paging
                        (page_size, Link rel="next" walking every row once, a bad page_size or
                        a garbage cursor answers 400 naming it); list_queries pinned, the same
                        for 2 rows as for many
  GetEndpointChecks     the object answers 200; another tenant's answers 404; the privilege row
  CreateEndpointChecks  a created object lands in the caller's tenant; a bad body and a body
                        that is not an object answer 400 naming the field and write nothing;
                        the privilege row
  UpdateEndpointChecks  PUT or PATCH: another tenant's object is 404 and unchanged; a bad body
                        answers 400 naming the field and changes nothing; the privilege row
  DeleteEndpointChecks  the object is gone; another tenant's is 404 and kept; the privilege row

The privilege row calls the endpoint as every built-in role, a member without roles, an
anonymous caller (401 with a challenge) and another tenant's Administrator (403). Which roles
may call it is read from the privilege the view declares for the method (its `privileges`
dict) and the roles holding it; a refusal must be the declared status (401 for an
administrative privilege, else 403) with the error body {"message", "exception"} naming the
privilege. tests/test_access_matrix.py checks its hand-written rows against the same
declarations.

    class TestNotes(ListEndpointChecks, CreateEndpointChecks):
        list_url = create_url = "sample/notes"
        list_queries = 2  # the grant, the page: the same for 2 rows as for 25
        bad_body, bad_field = {"text": "x" * 51}, "text"

        def make(self, tenant):
            return Note.objects.create(tenant=tenant, text="note")

        def create_body(self, tenant):
            return {"text": "written"}

        def count(self, tenant):
            return Note.objects.filter(tenant=tenant).count()

The checks use the fixtures `tenant` and `other_tenant`; `self.fixture(name)` gives a factory
any other fixture. Base classes carry no `Test` prefix, so pytest collects only the subclasses.
"""

from __future__ import annotations

import json
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from csadmin.access.services import grant_roles
from csadmin.tenancy.models import Tenant

API = "/genesys/1/cs/"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def make_tenant(name: str, mode: str = "maintenance") -> Tenant:
    return Tenant.objects.create(name=name, mode=mode)


def make_user(username: str, tenant: Tenant | None = None, roles=(), password: str = "pw"):
    user = get_user_model().objects.create_user(username=username, password=password)
    if tenant is not None:
        grant_roles(tenant=tenant, user=user, role_names=list(roles), actor=None)
    return user


class Api:
    """A JSON client for /genesys/1/cs/ acting as one user in one tenant (by header)."""

    def __init__(self, user=None, tenant: Tenant | None = None, header: str = "ContactCenterId"):
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)
        self.headers = {header: str(tenant.pk)} if tenant is not None else {}

    def call(self, method: str, path: str, body=None, **extra):
        url = path if path.startswith("/") or "://" in path else API + path
        headers = {**self.headers, **extra.pop("headers", {})}
        kwargs = {"headers": headers, **extra}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path, **extra):
        return self.call("GET", path, **extra)

    def post(self, path, body=None, **extra):
        return self.call("POST", path, body, **extra)

    def put(self, path, body=None, **extra):
        return self.call("PUT", path, body, **extra)

    def delete(self, path, **extra):
        return self.call("DELETE", path, **extra)


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def require_service(available: bool, what: str) -> None:
    """Skip a service-backed test when the service is absent; fail under REQUIRE_SERVICES=1."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"needs {what}")


def url_patterns() -> list[tuple[str, str, object]]:
    """Every named URL pattern of the project as (namespaced name, route, pattern)."""
    from django.urls import URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if namespace and pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                walk(pattern.url_patterns, route, inner)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, route.lstrip("^"), pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


def view_methods(pattern) -> list[str]:
    """The HTTP methods a pattern's class-based view implements (HEAD and OPTIONS left out)."""
    view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
    if view is None:
        return []
    return [
        method.upper()
        for method in view.http_method_names
        if method not in {"head", "options"} and hasattr(view, method)
    ]


def sample_url(pattern_name: str, **kwargs) -> str:
    """Reverse a pattern, filling path parameters it needs with placeholder values."""
    from django.urls import reverse
    from django.urls.converters import IntConverter

    pattern = next(p for name, _route, p in url_patterns() if name == pattern_name)
    for key, converter in pattern.pattern.converters.items():
        kwargs.setdefault(key, 999999 if isinstance(converter, IntConverter) else "nope")
    return reverse(pattern_name, kwargs=kwargs)


from csadmin.testing.api import (  # noqa: E402  (the checks import the helpers above)
    CreateEndpointChecks,
    DeclaredAccess,
    DeleteEndpointChecks,
    EndpointChecks,
    GetEndpointChecks,
    ListEndpointChecks,
    UpdateEndpointChecks,
    assert_error_body,
    assert_refusal_names,
    declared_access,
    next_link,
    unique_number,
)

__all__ = [
    "API",
    "Api",
    "CreateEndpointChecks",
    "DeclaredAccess",
    "DeleteEndpointChecks",
    "EndpointChecks",
    "GetEndpointChecks",
    "ListEndpointChecks",
    "UpdateEndpointChecks",
    "assert_error_body",
    "assert_refusal_names",
    "declared_access",
    "make_tenant",
    "make_user",
    "next_link",
    "require_service",
    "sample_url",
    "unique_number",
    "url_patterns",
    "uses_postgresql",
    "view_methods",
]
