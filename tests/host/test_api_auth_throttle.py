"""HTTP Basic on the API: paused after repeated failures as the sign-in page is (one counter
per user name for both), a much higher limit per address, and a password hash paid once per
generation instead of on every call."""

import base64
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from csadmin.access import authentication
from csadmin.access.models import LoginFailure
from csadmin.access.throttle import client_address
from csadmin.testing import API, make_user


class CountingHasher(MD5PasswordHasher):
    """Counts every hash computed, for checking, setting or equalising timing."""

    algorithm = "counting_md5"
    computed = 0

    def encode(self, password, salt):
        CountingHasher.computed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.host.test_api_auth_throttle.CountingHasher"]

    def count(call, status: int) -> int:
        """The hashes `call` computed; its answer must have `status`."""
        before = CountingHasher.computed
        assert call().status_code == status
        return CountingHasher.computed - before

    return count


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def call(username, password, address="10.0.0.1", tenant=None):
    headers = {"HTTP_AUTHORIZATION": basic(username, password), "REMOTE_ADDR": address}
    if tenant is not None:
        headers["HTTP_CONTACTCENTERID"] = str(tenant.pk)
    return APIClient().get(API + "server/status", **headers)


@pytest.fixture
def agent(tenant):
    return make_user("agent", tenant, ["Supervisor"], password="right")


def test_basic_pauses_a_user_name_after_repeated_failures(agent, settings):
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES):
        assert call("agent", "wrong").status_code == 401
    response = call("agent", "right", address="10.0.0.2")  # the right password, too late
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.CSADMIN_LOGIN_LOCKOUT_SECONDS
    body = response.json()
    assert body["exception"] == "TooManyRequestsException"
    assert "Too many failed authentications" in body["message"]
    assert LoginFailure.objects.filter(channel="api").count() == 5  # a paused try is not counted


def test_retry_after_is_when_the_failure_that_filled_the_limit_leaves_the_window(agent, settings):
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES):
        call("agent", "wrong")
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=200))
    response = call("agent", "right")
    assert response.status_code == 429
    assert 95 <= int(response["Retry-After"]) <= 100  # 300 s window, 200 s gone
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=301))
    assert call("agent", "right").status_code == 200


def test_sign_in_page_and_basic_share_one_counter_per_user_name(agent, settings):
    page = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        assert page.post("/login/", {"username": "agent", "password": "x"}).status_code == 200
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES - 3):
        assert call("agent", "wrong").status_code == 401
    assert call("agent", "right").status_code == 429
    response = page.post("/login/", {"username": "agent", "password": "right"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_success_clears_the_user_names_failures(agent, settings):
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES - 1):
        call("agent", "wrong")
    assert call("agent", "right").status_code == 200
    assert not LoginFailure.objects.filter(username="agent").exists()


def test_an_address_pauses_after_many_user_names_fail(agent, settings):
    settings.CSADMIN_API_ADDRESS_MAX_FAILURES = 6
    for index in range(6):  # a spray: a new name every time, no name reaches its own limit
        assert call(f"guess{index}", "wrong", address="10.0.0.9").status_code == 401
    assert call("agent", "right", address="10.0.0.9").status_code == 429
    assert call("agent", "right", address="10.0.0.8").status_code == 200


def test_api_failures_do_not_use_up_the_sign_in_pages_address_limit(agent, settings):
    settings.CSADMIN_LOGIN_MAX_FAILURES = 1  # sign-in pauses an address after 4
    for index in range(4):
        call(f"guess{index}", "wrong", address="10.0.0.9")
    page = Client(REMOTE_ADDR="10.0.0.9")
    response = page.post("/login/", {"username": "agent", "password": "right"})
    assert response.status_code == 302


def test_verified_credentials_cost_no_hash_and_no_query_on_later_calls(
    tenant, hashes, django_assert_num_queries
):
    make_user("agent", tenant, ["Supervisor"], password="right")
    assert hashes(lambda: call("agent", "right", tenant=tenant), 200) == 1
    with django_assert_num_queries(0):
        assert hashes(lambda: call("agent", "right", tenant=tenant), 200) == 0
    assert hashes(lambda: call("agent", "wrong", tenant=tenant), 401) == 1  # a wrong one pays


def test_the_memory_keeps_no_password(agent):
    assert call("agent", "right").status_code == 200
    _generation, entries = authentication._verified_basic._filed
    assert entries and all(isinstance(key, bytes) and len(key) == 32 for key in entries)
    assert all("right" not in repr(value) for value in entries.values())


def test_a_changed_password_is_seen_by_the_very_next_call(agent):
    assert call("agent", "right").status_code == 200
    agent.set_password("new-one")
    agent.save()
    assert call("agent", "right").status_code == 401
    assert call("agent", "new-one").status_code == 200


def test_a_deactivated_user_is_refused_by_the_very_next_call(agent):
    assert call("agent", "right").status_code == 200
    agent.is_active = False
    agent.save()
    assert call("agent", "right").status_code == 401


def test_a_failure_costs_one_hash_whether_or_not_the_user_exists(tenant, hashes):
    make_user("agent", tenant, ["Supervisor"], password="right")
    assert hashes(lambda: call("agent", "wrong"), 401) == 1
    assert hashes(lambda: call("nobody", "wrong"), 401) == 1


def test_a_paused_call_costs_no_hash(tenant, hashes, settings):
    make_user("agent", tenant, ["Supervisor"], password="right")
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES):
        call("agent", "wrong")
    assert hashes(lambda: call("agent", "right"), 429) == 0


def test_the_address_is_the_proxys_forwarded_one_only_when_a_proxy_is_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5"
    )
    settings.CSADMIN_TRUSTED_PROXY = False
    assert client_address(request) == "10.0.0.1"
    settings.CSADMIN_TRUSTED_PROXY = True
    assert client_address(request) == "203.0.113.5"  # what the trusted proxy appended
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_the_openapi_document_describes_the_pause(db):
    schema = Client().get(API + "schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            paused = operation["responses"].get("429")
            assert paused is not None, (method, path)
            assert "Retry-After" in paused["headers"], (method, path)
