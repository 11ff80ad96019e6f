"""Tokens and grants remembered per process: every change that could refuse a call is seen by
the very next call, in this process and (through the shared generation) in every other."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from csadmin.access import freshness
from csadmin.access.models import Privilege, Role
from csadmin.access.services import create_api_token, grant_roles, revoke_api_token, revoke_grant
from csadmin.tenancy.models import Membership
from csadmin.tenancy.services import set_plugin_enabled, set_server_mode
from csadmin.testing import API, make_tenant, make_user


class TokenClient:
    def __init__(self, user, tenant=None, name="memory"):
        _, key = create_api_token(user=user, name=name)
        self.client, self.headers = APIClient(), {"HTTP_AUTHORIZATION": f"Token {key}"}
        if tenant is not None:
            self.headers["HTTP_CONTACTCENTERID"] = str(tenant.pk)

    def get(self, path):
        return self.client.get(API + path, **self.headers)


@pytest.fixture
def agent(tenant):
    return make_user("agent", tenant, ["Agent Application"])


@pytest.fixture
def known(agent, tenant, django_assert_num_queries):
    """A client whose token and grant this process already remembers (no query before the
    view), so each test below checks that a change is seen despite the memory."""
    client = TokenClient(agent, tenant)
    assert client.get("sample/notes").status_code == 200
    with django_assert_num_queries(1):  # the notes; nothing for the token or the grant
        assert client.get("sample/notes").status_code == 200
    return client


def test_a_revoked_token_is_refused_at_once(known, agent):
    token = agent.api_tokens.get()
    revoke_api_token(user=agent, token_id=token.pk)
    assert known.get("sample/notes").status_code == 401


def test_a_deactivated_user_is_refused_at_once(known, agent):
    agent.is_active = False
    agent.save()
    assert known.get("sample/notes").status_code == 401


def test_a_deleted_user_is_refused_at_once(known, agent):
    get_user_model().objects.filter(pk=agent.pk).delete()
    assert known.get("sample/notes").status_code == 401


def test_a_revoked_grant_is_refused_at_once(known, agent, tenant):
    revoke_grant(tenant=tenant, user=agent, actor=None)
    assert known.get("sample/notes").status_code == 403


def test_a_role_taken_away_is_refused_at_once(known, agent, tenant):
    grant_roles(tenant=tenant, user=agent, role_names=["Schema Designer"], actor=None)
    assert known.get("sample/notes").status_code == 403


def test_roles_cleared_on_the_membership_are_refused_at_once(known, agent, tenant):
    Membership.objects.get(user=agent, tenant=tenant).roles.clear()
    assert known.get("sample/notes").status_code == 403


def test_a_privilege_taken_from_the_role_is_refused_at_once(known):
    role = Role.objects.get(name="Agent Application")
    role.privileges.remove(Privilege.objects.get(code="sample.notes.read"))
    assert known.get("sample/notes").status_code == 403


def test_a_privilege_row_deleted_is_refused_at_once(known):
    Privilege.objects.filter(code="sample.notes.read").delete()
    assert known.get("sample/notes").status_code == 403


def test_a_plugin_switched_off_is_404_at_once(known, tenant):
    set_plugin_enabled(tenant=tenant, label="sample", enabled=False, actor=None)
    assert known.get("sample/notes").status_code == 404
    set_plugin_enabled(tenant=tenant, label="sample", enabled=True, actor=None)
    assert known.get("sample/notes").status_code == 200


def test_a_new_server_mode_shows_at_once(tenant, admin):
    client = TokenClient(admin, tenant)
    assert client.get("server/status").json()["mode"] == "maintenance"
    set_server_mode(tenant=tenant, mode="production", actor=admin)
    assert client.get("server/status").json()["mode"] == "production"


def test_a_new_default_tenant_is_used_at_once(agent, tenant):
    client = TokenClient(agent)  # no tenant header: the default tenant
    assert client.get("server/status").json()["tenant"] == tenant.name
    other = make_tenant("Globex")
    grant_roles(tenant=other, user=agent, role_names=["Supervisor"], actor=None, make_default=True)
    assert client.get("server/status").json()["tenant"] == "Globex"


def test_a_grant_given_later_is_accepted_at_once(db):
    tenant = make_tenant("Acme")
    user = make_user("late", tenant, ["Schema Designer"])
    client = TokenClient(user, tenant)
    assert client.get("sample/notes").status_code == 403
    grant_roles(tenant=tenant, user=user, role_names=["Agent Application"], actor=None)
    assert client.get("sample/notes").status_code == 200


def test_each_change_replaces_the_shared_generation(agent, tenant):
    """What other processes see: the value they filed their memory under is gone."""
    changes = [
        lambda: grant_roles(tenant=tenant, user=agent, role_names=["Supervisor"], actor=None),
        lambda: set_plugin_enabled(tenant=tenant, label="sample", enabled=False, actor=None),
        lambda: set_server_mode(tenant=tenant, mode="production", actor=None),
        lambda: revoke_api_token(user=agent, token_id=create_api_token(user=agent, name="x")[0].pk),
        lambda: revoke_grant(tenant=tenant, user=agent, actor=None),
    ]
    for change in changes:
        before = freshness.generation()
        change()
        assert freshness.generation() != before


def test_the_generation_is_replaced_again_on_commit(
    agent, tenant, django_capture_on_commit_callbacks
):
    """A process reading between the change and its commit may file the old rows under the new
    generation; the replacement on commit discards them."""
    with django_capture_on_commit_callbacks() as callbacks:
        revoke_grant(tenant=tenant, user=agent, actor=None)
    between = freshness.generation()
    assert callbacks
    for callback in callbacks:
        callback()
    assert freshness.generation() != between


def test_a_process_memory_filed_under_an_old_generation_is_not_used(agent, tenant):
    memo = freshness.Memo()
    old = freshness.generation()
    memo.put("key", "answer", old)
    assert memo.get("key", old) == "answer"
    revoke_grant(tenant=tenant, user=agent, actor=None)
    assert memo.get("key", freshness.generation()) is None


def test_without_the_cache_calls_read_the_database(known, agent, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(freshness.store(), "get", unreachable)
    assert known.get("sample/notes").status_code == 200
    agent.api_tokens.all().delete()
    assert known.get("sample/notes").status_code == 401


class ReplacedMidPut(freshness.Memo):
    """A memo another thread refiles under `newer` right after this thread has read it: the
    moment, inside put, that threaded workers make possible."""

    def __init__(self, newer: str) -> None:
        super().__init__()
        self.newer, self.reads = newer, 0

    @property
    def _filed(self):
        current = self.__dict__["_filed"]
        self.reads += 1
        if self.reads == 2:  # the put under test has read it: another thread refiles now
            self.__dict__["_filed"] = (self.newer, {"token": "fresh"})
        return current

    @_filed.setter
    def _filed(self, value):
        self.__dict__["_filed"] = value


def test_an_answer_read_under_an_old_generation_never_lands_under_a_newer_one():
    memo = ReplacedMidPut(newer="g2")
    memo.put("other", "seen under g1", "g1")  # first read: files g1
    memo.put("token", "stale", "g1")  # second read: g2 replaces it while this put runs
    assert memo.get("token", "g2") == "fresh"
    assert memo.get("token", "g1") is None  # g1 is gone as a whole


def test_threads_sharing_a_memo_see_only_their_generations_answers():
    import threading

    memo = freshness.Memo()
    wrong = []

    def work(generation: str) -> None:
        for n in range(2000):
            memo.put(n % 50, generation, generation)
            found = memo.get(n % 50, generation)
            if found not in (None, generation):
                wrong.append((generation, found))

    threads = [threading.Thread(target=work, args=(f"g{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
