"""The access matrix: every API endpoint x every role x own / other tenant, from one table.

A test walks every URL pattern under /genesys/1/cs/ and fails for an endpoint (name, method)
missing from MATRIX, so a new endpoint cannot skip its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from csadmin.pluginlib import BUILTIN_ROLES
from csadmin.testing import (
    Api,
    declared_access,
    make_user,
    sample_url,
    url_patterns,
    view_methods,
)

ADMIN = "Administrator"
SUP = "Supervisor"
SCHEMA = "Schema Designer"
AGENT = "Agent Application"
MAINT = "Maintenance Operator"
EVERY = frozenset(BUILTIN_ROLES)


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    denied: int  # the status for a caller lacking the privilege: 401 (administrative) or 403
    kwargs: dict = field(default_factory=dict)
    body: dict | None = None
    prepare: Callable | None = None  # prepare(tenant): state the call needs to pass its rules


def with_profile_schema(tenant) -> None:
    from plugins.profiles.services import profile_schema_set

    profile_schema_set(
        tenant=tenant, body={"attributes": [{"name": "LastName", "type": "string"}]}, actor=None
    )


DATA_READ = Row(frozenset({ADMIN, SUP, AGENT}), 403)
DATA_WRITE = Row(frozenset({ADMIN, AGENT}), 403, body={})
ATTRIBUTE_READ = Row(frozenset({ADMIN, SUP, SCHEMA, AGENT}), 403)
JOBS_READ = Row(frozenset({ADMIN, SUP, MAINT}), 403)
SCHEMA_READ = Row(frozenset({ADMIN, SUP, SCHEMA, AGENT}), 403)
SCHEMA_CHANGE = Row(frozenset({ADMIN, SCHEMA}), 401, body={})  # administrative: 401 as CS
CUSTOMERS_READ = Row(frozenset({ADMIN, SUP, AGENT}), 403)
CUSTOMERS_CHANGE = Row(frozenset({ADMIN, AGENT}), 403, body={})
CUSTOMER_PRIVACY = Row(frozenset({ADMIN}), 401, body={})  # administrative: 401 as CS
SUBSCRIPTIONS_READ = Row(frozenset({ADMIN, SUP, SCHEMA}), 403)
SUBSCRIPTIONS_MANAGE = Row(frozenset({ADMIN, SCHEMA}), 401, body={})  # administrative

MATRIX: dict[tuple[str, str], Row] = {
    # host
    ("tenancy-api:server-status", "GET"): Row(EVERY, 403),
    ("tenancy-api:server-mode", "POST"): Row(frozenset({ADMIN}), 401, body={"mode": "maintenance"}),
    # the sample plug-in of the tests
    ("sample-api:notes", "GET"): Row(frozenset({ADMIN, SUP, AGENT}), 403),
    ("sample-api:notes", "POST"): Row(frozenset({ADMIN, AGENT}), 403, body={"text": "x"}),
    ("sample-api:purge", "POST"): Row(frozenset({ADMIN}), 401),
    # jobs (cancel and retry then check owner-or-manage on the run itself)
    ("jobs-api:jobs", "GET"): JOBS_READ,
    ("jobs-api:job", "GET"): JOBS_READ,
    ("jobs-api:file", "GET"): JOBS_READ,
    ("jobs-api:cancel", "POST"): JOBS_READ,
    ("jobs-api:retry", "POST"): JOBS_READ,
    # profiles plug-in
    ("profiles-api:profile-schema", "GET"): SCHEMA_READ,
    ("profiles-api:profile-schema", "PUT"): SCHEMA_CHANGE,
    ("profiles-api:extensions", "GET"): SCHEMA_READ,
    ("profiles-api:extensions", "POST"): SCHEMA_CHANGE,
    ("profiles-api:extension", "GET"): SCHEMA_READ,
    ("profiles-api:extension", "PUT"): SCHEMA_CHANGE,
    ("profiles-api:extension", "DELETE"): SCHEMA_CHANGE,
    ("profiles-api:identification-keys", "GET"): SCHEMA_READ,
    ("profiles-api:identification-keys", "POST"): SCHEMA_CHANGE,
    ("profiles-api:identification-key", "GET"): SCHEMA_READ,
    ("profiles-api:identification-key", "DELETE"): SCHEMA_CHANGE,
    ("profiles-api:customers", "GET"): CUSTOMERS_READ,
    ("profiles-api:customers", "POST"): replace(CUSTOMERS_CHANGE, prepare=with_profile_schema),
    ("profiles-api:customer", "GET"): CUSTOMERS_READ,
    ("profiles-api:customer", "PUT"): CUSTOMERS_CHANGE,
    ("profiles-api:customer", "DELETE"): CUSTOMERS_CHANGE,
    ("profiles-api:customer-extensions", "POST"): CUSTOMERS_CHANGE,
    ("profiles-api:customer-data-export", "POST"): CUSTOMER_PRIVACY,
    ("profiles-api:customer-erase", "POST"): CUSTOMER_PRIVACY,
    ("profiles-api:record-by-unique", "PUT"): CUSTOMERS_CHANGE,
    ("profiles-api:record-delete-by-unique", "PUT"): CUSTOMERS_CHANGE,
    # maintenance plug-in: running maintenance is administrative (401, as CS)
    ("maintenance-api:purge", "POST"): Row(
        frozenset({ADMIN, MAINT}),
        401,
        body={"limit": "2020-01-01T00:00:00Z", "operation": "purge.service.all", "dry_run": True},
    ),
    ("maintenance-api:stream", "GET"): Row(frozenset({ADMIN, MAINT}), 401),
    ("maintenance-api:files", "POST"): Row(frozenset({ADMIN, MAINT}), 401),
    ("maintenance-api:profiles-stream", "GET"): Row(frozenset({ADMIN, MAINT}), 401),
    ("maintenance-api:profiles-files", "POST"): Row(frozenset({ADMIN, MAINT}), 401),
    # services plug-in
    ("services-api:service-start", "POST"): DATA_WRITE,
    ("services-api:composite-start", "POST"): DATA_WRITE,
    ("services-api:anonymous", "GET"): DATA_READ,
    ("services-api:anonymous-active", "GET"): DATA_READ,
    ("services-api:anonymous-completed", "GET"): DATA_READ,
    ("services-api:customer", "GET"): DATA_READ,
    ("services-api:customer-active", "GET"): DATA_READ,
    ("services-api:customer-completed", "GET"): DATA_READ,
    ("services-api:associate", "POST"): DATA_WRITE,
    ("services-api:service", "GET"): DATA_READ,
    ("services-api:service", "PUT"): DATA_WRITE,
    ("services-api:service", "DELETE"): DATA_WRITE,
    ("services-api:service-end", "POST"): DATA_WRITE,
    ("services-api:service-ext", "PUT"): DATA_WRITE,
    ("services-api:state-start", "POST"): DATA_WRITE,
    ("services-api:state-transition", "POST"): DATA_WRITE,
    ("services-api:states", "GET"): DATA_READ,
    ("services-api:states-active", "GET"): DATA_READ,
    ("services-api:states-completed", "GET"): DATA_READ,
    ("services-api:state", "GET"): DATA_READ,
    ("services-api:state-end", "POST"): DATA_WRITE,
    ("services-api:state-ext", "PUT"): DATA_WRITE,
    ("services-api:task-start", "POST"): DATA_WRITE,
    ("services-api:tasks", "GET"): DATA_READ,
    ("services-api:tasks-active", "GET"): DATA_READ,
    ("services-api:tasks-completed", "GET"): DATA_READ,
    ("services-api:task", "GET"): DATA_READ,
    ("services-api:task-end", "POST"): DATA_WRITE,
    ("services-api:task-ext", "PUT"): DATA_WRITE,
    ("services-api:attributes", "GET"): ATTRIBUTE_READ,
    ("services-api:attribute", "GET"): ATTRIBUTE_READ,
    # webhooks plug-in: event subscriptions are managed with the schema designer's rights
    ("webhooks-api:subscriptions", "GET"): SUBSCRIPTIONS_READ,
    ("webhooks-api:subscriptions", "POST"): SUBSCRIPTIONS_MANAGE,
    ("webhooks-api:subscription", "GET"): SUBSCRIPTIONS_READ,
    ("webhooks-api:subscription", "PATCH"): SUBSCRIPTIONS_MANAGE,
    ("webhooks-api:subscription", "DELETE"): SUBSCRIPTIONS_MANAGE,
    ("webhooks-api:secret", "POST"): SUBSCRIPTIONS_MANAGE,
    ("webhooks-api:test", "POST"): SUBSCRIPTIONS_MANAGE,
    ("webhooks-api:deliveries", "GET"): SUBSCRIPTIONS_READ,
    ("webhooks-api:delivery", "GET"): SUBSCRIPTIONS_READ,
    ("webhooks-api:redeliver", "POST"): SUBSCRIPTIONS_MANAGE,
}

# Served to anyone on purpose: the OpenAPI document describes the API, it holds no data.
PUBLIC = {"api-schema"}


def api_endpoints() -> list[tuple[str, str]]:
    """(name, METHOD) of every view under the API prefix."""
    return [
        (name, method)
        for name, route, pattern in url_patterns()
        if route.startswith("genesys/1/cs")
        for method in view_methods(pattern)
    ]


def test_every_api_endpoint_has_a_row():
    endpoints = {(name, method) for name, method in api_endpoints() if name not in PUBLIC}
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    assert not stale, f"rows for endpoints that do not exist: {stale}"


def test_every_row_agrees_with_the_privilege_its_view_declares(db):
    """The rows are written by hand; the inherited endpoint checks (csadmin.testing) read the
    views' declarations: both must say the same."""
    disagreeing = []
    for (name, method), row in MATRIX.items():
        access = declared_access(sample_url(name, **row.kwargs), method)
        if (access.allowed, access.denied) != (row.allowed, row.denied):
            disagreeing.append((name, method, sorted(access.allowed), access.denied))
    assert not disagreeing, f"rows unlike their views' declarations: {disagreeing}"


CELLS = [
    (name, method, caller)
    for (name, method) in MATRIX
    for caller in [*BUILTIN_ROLES, "anonymous", "no role", "other tenant"]
]


@pytest.mark.parametrize(("name", "method", "caller"), CELLS)
def test_access_cell(tenant, other_tenant, name, method, caller):
    row = MATRIX[(name, method)]
    if row.prepare is not None:
        row.prepare(tenant)
    if caller == "anonymous":
        api, expected = Api(None, tenant), 401
    elif caller == "no role":
        api, expected = Api(make_user("bare", tenant, []), tenant), row.denied
    elif caller == "other tenant":
        # Administrator elsewhere, naming this tenant in the header.
        api, expected = Api(make_user("outsider", other_tenant, [ADMIN]), tenant), 403
    else:
        api = Api(make_user("member", tenant, [caller]), tenant)
        expected = None if caller in row.allowed else row.denied
    response = api.call(
        method, sample_url(name, **row.kwargs), row.body if method != "GET" else None
    )
    if expected is None:
        assert response.status_code not in (401, 403), (caller, response.content)
        assert response.status_code < 500
    else:
        assert response.status_code == expected, (caller, response.content)
