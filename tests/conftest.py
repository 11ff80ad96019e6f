"""Fixtures shared by every test: tenants, users with roles, API clients, the browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csadmin.testing import Api, make_tenant, make_user, require_service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def redis_circuit_closed():
    """A test that made Redis fail leaves the next one a closed Redis circuit."""
    from csadmin import circuit

    circuit.reset_all()
    yield
    circuit.reset_all()


@pytest.fixture
def tenant(db):
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(db):
    return make_tenant("Globex")


@pytest.fixture
def admin(tenant):
    return make_user("root", tenant, ["Administrator"])


@pytest.fixture
def api(admin, tenant) -> Api:
    """An Administrator's API client in `tenant`."""
    return Api(admin, tenant)


@pytest.fixture
def api_as(tenant):
    """api_as("Supervisor") -> an API client for a new user holding that role in `tenant`."""
    counter = iter(range(10_000))

    def build(*roles: str, in_tenant=None) -> Api:
        target = in_tenant or tenant
        user = make_user(f"user{next(counter)}", target, roles)
        return Api(user, target)

    return build


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def signed_in_page(page, live_server, transactional_db):
    """A browser page signed in as `admin` (password admin) in tenants Environment and Sandbox."""
    from django.core.management import call_command

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.base_url = live_server.url
    return page


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on loopback for event delivery; loopback is allowed as a target
    for the test's duration."""
    from tests.webhooks.receiver import Receiver

    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CSADMIN_WEBHOOK_TIMEOUT = 2
    server = Receiver().start()
    yield server
    server.stop()
