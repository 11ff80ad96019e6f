"""The shell's help for administrators and programs: favicon, the server-mode badge, links to
the API documentation, and the token page's ready example call."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from csadmin.access.models import ApiToken


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_favicon_ico_redirects_to_the_icon_every_page_links(admin_client, db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg")
    assert "favicon" in response["Location"]
    assert finders.find("csadmin/favicon.svg")
    page = admin_client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg"', page)


def test_server_mode_badge_explains_itself_and_links_to_the_mode_page(admin_client, tenant):
    page = admin_client.get("/").content.decode()
    badge = re.search(r'<a class="mode mode-maintenance" href="([^"]+)"[^>]*title="([^"]+)"', page)
    assert badge, "the badge is a link with a title"
    assert badge.group(1) == "/administration/server/"
    assert "schema changes are allowed" in badge.group(2)
    assert "Server mode" in admin_client.get(badge.group(1)).content.decode()


def test_api_docs_are_linked_from_the_user_menu_and_the_plugins_page(admin_client, tenant):
    menu = admin_client.get("/").content.decode()
    assert re.search(r'<details class="user-menu">.*href="/api/docs/".*</details>', menu, re.S)
    plugins = admin_client.get("/administration/plugins/").content.decode()
    assert 'href="/api/docs/"' in plugins


def test_token_page_shows_a_curl_call_for_the_current_tenant(admin_client, admin, tenant):
    page = admin_client.get("/access/profile/").content.decode()
    assert (
        "curl -H 'Authorization: Token &lt;key&gt;' "
        f"-H 'ContactCenterId: {tenant.pk}' 'http://testserver/genesys/1/cs/server/status'"
    ) in page
    created = admin_client.post("/access/profile/", {"name": "ci"}).content.decode()
    key = re.search(r'data-testid="new-token-key">([^<]+)</pre>', created).group(1)
    assert ApiToken.objects.filter(user=admin, name="ci").exists()
    assert f"curl -H 'Authorization: Token {key}' -H 'ContactCenterId: {tenant.pk}'" in created
    assert 'data-copy="#curl-example"' in created and 'data-copy="#new-token-key"' in created


def test_the_curl_example_answers_for_that_tenant(admin_client, admin, tenant, other_tenant):
    created = admin_client.post("/access/profile/", {"name": "ci"}).content.decode()
    example = re.search(r'data-testid="curl-example"[^>]*>([^<]+)</pre>', created).group(1)
    token = re.search(r"Authorization: Token (\S+)'", example).group(1)
    tenant_id = re.search(r"ContactCenterId: (\S+)'", example).group(1)
    path = re.search(r"'http://testserver(/[^']+)'", example).group(1)
    response = Client().get(
        path, HTTP_AUTHORIZATION=f"Token {token}", HTTP_CONTACTCENTERID=tenant_id
    )
    assert response.status_code == 200, response.content
    assert response.json()["tenant"] == tenant.name
