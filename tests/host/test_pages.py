"""Administration pages, sign-in throttling, and the management commands."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from csadmin.access.models import ApiToken
from csadmin.tenancy.models import Membership, Tenant
from csadmin.testing import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/administration/tenants/",
        "/administration/plugins/",
        "/administration/server/",
        "/access/grants/",
        "/access/roles/",
        "/access/profile/",
        "/audit/",
        "/sample/notes/",
    ],
)
def test_admin_pages_render(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b'class="sidenav"' in response.content


def test_pages_need_sign_in(db):
    response = Client().get("/administration/tenants/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_create_a_tenant_from_the_page(admin_client, admin):
    response = admin_client.post("/administration/tenants/", {"name": "Initech"}, follow=True)
    assert b"Tenant Initech created" in response.content
    tenant = Tenant.objects.get(name="Initech")
    assert Membership.objects.get(user=admin, tenant=tenant).roles.get().name == "Administrator"
    response = admin_client.post("/administration/tenants/", {"name": "Initech"}, follow=True)
    assert b"exists" in response.content


def test_grant_roles_to_a_new_user_then_revoke(admin_client, tenant):
    response = admin_client.post(
        "/access/grants/",
        {"username": "newbie", "password": "a-long-password-9", "roles": ["Supervisor"]},
        follow=True,
    )
    assert b"Roles of newbie" in response.content
    newbie = get_user_model().objects.get(username="newbie")
    assert newbie.check_password("a-long-password-9")
    membership = Membership.objects.get(user=newbie, tenant=tenant)
    assert [role.name for role in membership.roles.all()] == ["Supervisor"]
    confirm = admin_client.get(f"/access/grants/{newbie.pk}/revoke/")
    assert b"Are you sure you want to revoke the grant of newbie?" in confirm.content
    assert b"<span>Roles in this tenant</span>: <strong>1</strong>" in confirm.content
    assert Membership.objects.filter(user=newbie).exists()  # asking is not revoking
    admin_client.post(f"/access/grants/{newbie.pk}/revoke/")
    assert not Membership.objects.filter(user=newbie).exists()


def test_a_new_user_needs_a_valid_password(admin_client):
    response = admin_client.post(
        "/access/grants/", {"username": "weak", "password": "1"}, follow=True
    )
    assert b"password" in response.content.lower()
    assert not get_user_model().objects.filter(username="weak").exists()


def test_token_is_shown_once_and_can_be_revoked(admin_client, admin):
    response = admin_client.post("/access/profile/", {"name": "script"})
    key = response.context["new_key"]
    assert key.encode() in response.content
    token = ApiToken.objects.get(user=admin)
    profile = admin_client.get("/access/profile/").content
    assert key.encode() not in profile and b"confirm(" not in profile
    asked = admin_client.get(f"/access/profile/tokens/{token.pk}/revoke/").content.decode()
    assert "Are you sure you want to revoke the API token script?" in asked
    assert "every tenant you hold a grant in" in asked
    assert ApiToken.objects.exists()  # asking is not revoking
    admin_client.post(f"/access/profile/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.exists()


def test_tenant_picker_switches_and_refuses_foreign_tenants(admin, tenant, other_tenant):
    from csadmin.access.services import grant_roles

    third = Tenant.objects.create(name="Third")
    grant_roles(tenant=other_tenant, user=admin, role_names=["Supervisor"], actor=None)
    client = Client()
    client.force_login(admin)
    assert client.get("/").context["request"].tenant == tenant
    client.post("/tenant/switch/", {"tenant": other_tenant.pk, "next": "/audit/"})
    assert client.get("/").context["request"].tenant == other_tenant
    response = client.post("/tenant/switch/", {"tenant": third.pk}, follow=True)
    assert b"no grant in that tenant" in response.content
    assert client.get("/").context["request"].tenant == other_tenant
    response = client.post(
        "/tenant/switch/", {"tenant": tenant.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_switch_lands_on_the_section_list_not_the_old_tenants_object(admin, tenant, other_tenant):
    from csadmin.access.services import grant_roles

    grant_roles(tenant=other_tenant, user=admin, role_names=["Administrator"], actor=None)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/tenant/switch/", {"tenant": other_tenant.pk, "next": "/services/s/old-one/?tab=states"}
    )
    assert response["Location"] == "/services/"
    response = client.post("/tenant/switch/", {"tenant": tenant.pk, "next": "/no/such/section/"})
    assert response["Location"] == "/"


def test_the_picker_switches_only_on_its_button(admin_client, tenant):
    html = admin_client.get("/").content.decode()
    picker = html[
        html.index('class="tenant-picker"') : html.index("</form>", html.index("tenant-picker"))
    ]
    assert "onchange" not in picker
    assert 'data-testid="switch-tenant">Switch</button>' in picker
    assert (
        'data-testid="current-tenant"><span class="visually-hidden">Current tenant: </span>'
        f"{tenant.name}<" in picker
    )


def test_sign_in_is_throttled_after_repeated_failures(tenant, settings):
    make_user("agent", tenant, ["Supervisor"], password="right")
    client = Client()
    for _ in range(settings.CSADMIN_LOGIN_MAX_FAILURES):
        response = client.post("/login/", {"username": "agent", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/login/", {"username": "agent", "password": "right"})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content


def test_sign_in_and_out(tenant):
    make_user("agent", tenant, ["Supervisor"], password="right")
    client = Client()
    response = client.post("/login/", {"username": "agent", "password": "right"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_create_tenant_command_prints_the_id(db):
    out = io.StringIO()
    call_command("create_tenant", "Hooli", stdout=out)
    assert out.getvalue().strip() == str(Tenant.objects.get(name="Hooli").pk)


def test_load_demo_is_idempotent(db, monkeypatch):
    monkeypatch.setenv("CSADMIN_ADMIN_PASSWORD", "s3cret-demo")
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("s3cret-demo")
    assert sorted(Tenant.objects.values_list("name", flat=True)) == ["Environment", "Sandbox"]
    assert Membership.objects.filter(user=admin).count() == 2
    from tests.sample_plugin.models import Note

    assert Note.objects.filter(tenant__name="Environment").count() == 1


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csadmin.settings_production",
        "SECRET_KEY": "x" * 60 + "production-only-test-key",
        "ALLOWED_HOSTS": "csadmin.example",
        "CSADMIN_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests of this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_need_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "csadmin.settings_production"}
    env.pop("SECRET_KEY", None)
    env["CSADMIN_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_openapi_schema_and_docs_are_served_without_a_cdn(db):
    client = Client()
    schema = client.get("/genesys/1/cs/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/genesys/1/cs/server/mode" in schema.content.decode()
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()


def test_healthz_answers_without_sign_in(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_dashboard_shows_recent_changes_to_those_who_may_read_the_audit(admin_client, tenant):
    from csadmin.tenancy.services import set_server_mode

    set_server_mode(tenant=tenant, mode="production", actor=None)
    page = admin_client.get("/").content.decode()
    assert "Recent configuration changes" in page and "server.mode" in page
    agent = make_user("agent", tenant, ["Agent Application"])
    client = Client()
    client.force_login(agent)
    assert "Recent configuration changes" not in client.get("/").content.decode()
