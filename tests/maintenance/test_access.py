"""Who may call the maintenance API: every method declares its privilege; Administrator and
Maintenance Operator may, every other role gets 401 (maintenance is administrative, as in CS),
a caller from another tenant 403, nobody signed in 401.

Rows for the host's access matrix (tests/test_access_matrix.py MATRIX):
    ("maintenance-api:purge", "POST"): Row(frozenset({ADMIN, MAINT}), 401,
        body={"limit": "2020-01-01T00:00:00Z", "operation": "purge.service.all", "dry_run": True}),
    ("maintenance-api:stream", "GET"): Row(frozenset({ADMIN, MAINT}), 401),
    ("maintenance-api:files", "POST"): Row(frozenset({ADMIN, MAINT}), 401),
"""

import pytest

from csadmin.pluginlib import BUILTIN_ROLES
from csadmin.pluginlib.registry import registry
from csadmin.testing import Api, make_user

ALLOWED = {"Administrator", "Maintenance Operator"}
CALLS = [
    (
        "post",
        "maintenance/purge",
        {"limit": "2020-01-01T00:00:00Z", "operation": "purge.service.all", "dry_run": True},
        202,
    ),
    ("get", "maintenance/services/stream?time_from=2020-01-01T00:00:00Z", None, 200),
    ("post", "maintenance/services/files?time_from=2020-01-01T00:00:00Z", None, 202),
]


def test_every_method_of_every_endpoint_declares_a_privilege():
    plugin = registry.get("maintenance")
    for pattern in plugin.api_urlpatterns:
        view = pattern.callback.view_class
        methods = {m.upper() for m in view.http_method_names if hasattr(view, m)} - {"OPTIONS"}
        for method in methods - {"HEAD"}:
            assert view.privileges.get(method) == "maintenance.run", (pattern, method)


@pytest.mark.parametrize("role", BUILTIN_ROLES)
def test_role_matrix(api_as, role, run_jobs):
    client = api_as(role)
    for method, path, body, ok in CALLS:
        response = run_jobs(lambda: client.call(method, path, body))  # noqa: B023
        expected = ok if role in ALLOWED else 401
        assert response.status_code == expected, (role, path, response.content)


def test_anonymous_and_other_tenant_callers(tenant, other_tenant):
    anonymous = Api(None, tenant)
    outsider = Api(make_user("outsider", other_tenant, ["Administrator"]), tenant)
    for method, path, body, _ in CALLS:
        assert anonymous.call(method, path, body).status_code == 401
        assert outsider.call(method, path, body).status_code == 403
