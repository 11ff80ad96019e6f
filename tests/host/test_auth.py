"""Spec §1 authentication and privileges: 401 / 403 exactly, tokens, sessions, CSRF."""

import base64
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.test import APIClient

from csadmin.access.services import create_api_token, revoke_api_token
from csadmin.testing import API, make_user


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_no_credentials_is_401_with_a_challenge(db):
    response = APIClient().get(API + "server/status")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["exception"] == "AuthenticationException"


def test_wrong_password_is_401(tenant):
    make_user("agent", tenant, ["Supervisor"], password="right")
    client = APIClient()
    response = client.get(API + "server/status", HTTP_AUTHORIZATION=basic("agent", "wrong"))
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_basic_authentication_works(tenant):
    make_user("agent", tenant, ["Supervisor"], password="right")
    response = APIClient().get(API + "server/status", HTTP_AUTHORIZATION=basic("agent", "right"))
    assert response.status_code == 200


def test_token_authentication_and_revocation(tenant):
    user = make_user("agent", tenant, ["Supervisor"])
    token, key = create_api_token(user=user, name="ci")
    client = APIClient()
    assert client.get(API + "server/status", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.key_hash != key  # only the hash is stored
    revoke_api_token(user=user, token_id=token.pk)
    response = client.get(API + "server/status", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_a_user_cannot_revoke_another_users_token(tenant):
    from csadmin.pluginlib import NotFoundError

    owner, other = make_user("owner", tenant), make_user("other", tenant)
    token, _ = create_api_token(user=owner, name="mine")
    with pytest.raises(NotFoundError):
        revoke_api_token(user=other, token_id=token.pk)


def test_lacking_an_administrative_privilege_is_401(api_as):
    supervisor = api_as("Supervisor")
    response = supervisor.post("server/mode", {"mode": "production"})
    assert response.status_code == 401
    assert "tenancy.server.mode" in response.json()["message"]
    assert "WWW-Authenticate" in response


def test_lacking_a_data_privilege_is_403(api_as):
    response = api_as("Schema Designer").get("sample/notes")
    assert response.status_code == 403
    assert "sample.notes.read" in response.json()["message"]


def test_a_member_without_roles_is_403_on_data(api_as):
    assert api_as().get("sample/notes").status_code == 403


def test_session_calls_need_the_csrf_token(tenant):
    make_user("agent", tenant, ["Agent Application"], password="pw")
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="agent", password="pw")
    response = client.post(API + "sample/notes", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert client.get(API + "sample/notes").status_code == 200


def test_an_idle_session_expires(client, tenant, settings):
    make_user("agent", tenant, ["Agent Application"], password="pw")
    assert client.login(username="agent", password="pw")
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_each_request_slides_the_idle_expiry_but_a_pages_polling_does_not(client, tenant):
    from csadmin.ui.sessions import POLL_HEADER

    make_user("agent", tenant, ["Agent Application"], password="pw")
    assert client.login(username="agent", password="pw")
    assert client.get("/").status_code == 200  # the first page notes the tenant in the session
    soon = timezone.now() + timedelta(seconds=30)
    Session.objects.update(expire_date=soon)
    assert client.get("/", headers={POLL_HEADER: "1", "HX-Request": "true"}).status_code == 200
    assert Session.objects.get().expire_date == soon  # polling: the expiry stays
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > soon + timedelta(minutes=5)  # slid


def test_an_api_call_costs_no_query_before_its_view_once_known(tenant, django_assert_num_queries):
    """The token, then one query for the tenant, the caller's privileges and the plug-ins off;
    none of them again while no access change replaced the generation (see
    test_access_memory.py)."""
    from csadmin.access.freshness import bump
    from tests.sample_plugin.models import Note

    user = make_user("agent", tenant, ["Agent Application"])
    _token, key = create_api_token(user=user, name="load")
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Token {key}", "HTTP_CONTACTCENTERID": "Acme"}
    client.get(API + "server/status", **headers)  # first use also records last_used_at
    with django_assert_num_queries(0):
        assert client.get(API + "server/status", **headers).status_code == 200
    Note.objects.create(tenant=tenant, text="n")
    with django_assert_num_queries(1):  # the view's own query
        assert len(client.get(API + "sample/notes", **headers).json()) == 1
    bump()
    with django_assert_num_queries(2):
        assert client.get(API + "server/status", **headers).status_code == 200


def test_a_tokens_last_use_is_refreshed_once_a_minute(tenant):
    user = make_user("agent", tenant, ["Supervisor"])
    token, key = create_api_token(user=user, name="ci")
    long_ago = timezone.now() - timedelta(minutes=5)
    type(token).objects.filter(pk=token.pk).update(last_used_at=long_ago)
    client = APIClient()
    assert client.get(API + "server/status", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > long_ago + timedelta(minutes=4)
