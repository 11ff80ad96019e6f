"""Who may call what: every services endpoint declares a privilege for each method it serves,
and each built-in role gets the answer its privileges give."""

import pytest

from csadmin.pluginlib.registry import registry
from plugins.services import services

pytestmark = pytest.mark.django_db

READ, WRITE, ATTRS = "read", "write", "attributes"
EXPECTED = {  # role -> what it may do
    "Administrator": {READ, WRITE, ATTRS},
    "Supervisor": {READ, ATTRS},
    "Agent Application": {READ, WRITE, ATTRS},
    "Schema Designer": {ATTRS},
    "Maintenance Operator": set(),
}


def test_every_method_of_every_endpoint_declares_a_privilege():
    plugin = registry.get("services")
    for pattern in plugin.api_urlpatterns:
        view = pattern.callback.view_class
        methods = {m.upper() for m in view.http_method_names if hasattr(view, m)} - {"OPTIONS"}
        assert methods, pattern
        for method in methods:
            assert view.privileges.get(method), (str(pattern.pattern), method)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(api_as, tenant, admin, role):
    sid = services.service_start(tenant=tenant, body={"service_type": "S"}, actor=admin).service_id
    client = api_as(role)
    calls = [
        (READ, "get", f"services/{sid}", None, 200),
        (READ, "get", "customers/C1/services", None, 200),
        (READ, "get", f"services/{sid}/states", None, 200),
        (WRITE, "post", "services/start", {"service_type": "S"}, 201),
        (WRITE, "post", f"services/{sid}/states/start", {"state_type": "Q"}, 201),
        (WRITE, "put", f"services/{sid}", {"ttl": 600}, 200),
        (ATTRS, "get", "metadata/business-attributes", None, 200),
    ]
    for need, method, path, body, ok in calls:
        response = client.get(path) if method == "get" else getattr(client, method)(path, body)
        expected = ok if need in EXPECTED[role] else 403
        assert response.status_code == expected, (role, method, path, response.content)
    anonymous = api_as(role)
    anonymous.client.force_authenticate(None)
    assert anonymous.get(f"services/{sid}").status_code == 401
