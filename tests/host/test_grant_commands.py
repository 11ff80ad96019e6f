"""`manage.py grant` and `manage.py revoke`: grants from the terminal, audited as the UI's are."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from csadmin.access.services import create_api_token
from csadmin.audit.models import AuditEntry
from csadmin.tenancy.models import Membership, Tenant
from csadmin.testing import API, make_user


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def alice(db):
    return make_user("alice")


def roles_of(user, tenant) -> list[str]:
    membership = Membership.objects.get(user=user, tenant=tenant)
    return sorted(membership.roles.values_list("name", flat=True))


def test_a_tenant_made_in_the_terminal_becomes_reachable_by_a_grant(alice):
    tenant_id = run("create_tenant", "Initech").strip()
    _, key = create_api_token(user=alice, name="ci")
    client, headers = APIClient(), {"HTTP_AUTHORIZATION": f"Token {key}"}
    headers["HTTP_CONTACTCENTERID"] = "Initech"
    assert client.get(API + "server/status", **headers).status_code == 403

    out = run("grant", "alice", "Initech", "Supervisor")
    assert out.strip() == f"alice holds Supervisor in Initech ({tenant_id})"
    assert client.get(API + "server/status", **headers).status_code == 200


def test_grant_sets_the_roles_and_is_audited_like_the_ui(alice, tenant):
    run("grant", "alice", str(tenant.pk), "Supervisor")
    run("grant", "alice", "Acme", "Schema Designer", "Agent Application")
    assert roles_of(alice, tenant) == ["Agent Application", "Schema Designer"]
    entries = AuditEntry.objects.filter(action="grant.set", object_id="alice").order_by("pk")
    assert [(entry.actor, entry.tenant_id) for entry in entries] == [("manage.py", tenant.pk)] * 2
    assert entries[1].before == {"roles": ["Supervisor"]}
    assert entries[1].after == {"roles": ["Agent Application", "Schema Designer"]}


def test_grant_default_makes_the_tenant_the_users_default(alice, tenant, other_tenant):
    run("grant", "alice", "Acme", "Supervisor")
    run("grant", "alice", "Globex", "Supervisor")
    assert Membership.objects.get(user=alice, is_default=True).tenant == tenant
    run("grant", "alice", "Globex", "Supervisor", "--default")
    assert Membership.objects.get(user=alice, is_default=True).tenant == other_tenant


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "Acme", "Supervisor"), "unknown user: nobody"),
        (("alice", "Nowhere", "Supervisor"), "unknown tenant: Nowhere"),
        (("alice", "999999", "Supervisor"), "unknown tenant: 999999"),
        (("alice", "Acme", "Supervisor", "Wizard"), "unknown role(s): Wizard"),
    ],
)
def test_grant_names_what_it_does_not_know_and_writes_nothing(alice, tenant, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("grant", *args)
    assert not Membership.objects.filter(user=alice).exists()
    assert not AuditEntry.objects.filter(plugin="access").exists()


def test_an_unknown_role_lists_the_roles_there_are(alice, tenant):
    with pytest.raises(CommandError) as refused:
        run("grant", "alice", "Acme", "Wizard")
    assert "Administrator" in str(refused.value) and "Supervisor" in str(refused.value)


def test_revoke_takes_the_grant_away_and_is_audited(alice, tenant):
    run("grant", "alice", "Acme", "Supervisor")
    assert run("revoke", "alice", "Acme").strip() == "alice no longer holds a grant in Acme"
    assert not Membership.objects.filter(user=alice, tenant=tenant).exists()
    entry = AuditEntry.objects.get(action="grant.revoke")
    assert (entry.actor, entry.object_id, entry.before) == (
        "manage.py",
        "alice",
        {"roles": ["Supervisor"]},
    )


def test_revoke_refuses_what_is_not_there(alice, tenant):
    with pytest.raises(CommandError, match="alice holds no grant in Acme"):
        run("revoke", "alice", "Acme")
    with pytest.raises(CommandError, match="unknown user: bob"):
        run("revoke", "bob", "Acme")
    with pytest.raises(CommandError, match="unknown tenant: Globex"):
        run("revoke", "alice", "Globex")
    assert Tenant.objects.count() == 1
