"""CORS for plug-ins running in a browser on another origin: the API only, the listed origins
only, preflights answered without credentials, tokens rather than cookies."""

import pytest
from django.test import Client

from csadmin.access.services import create_api_token
from csadmin.testing import API, make_user

PLUGIN = "https://plugin.example"
PREFLIGHT = {
    "HTTP_ORIGIN": PLUGIN,
    "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, contactcenterid",
}


@pytest.fixture
def allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [PLUGIN]


def cors_headers(response) -> dict:
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


def test_no_origin_is_allowed_by_default(db):
    response = Client().options(API + "sample/notes", **PREFLIGHT)
    assert cors_headers(response) == {}


def test_a_preflight_from_a_listed_origin_is_answered_without_credentials(allowed, db):
    response = Client().options(API + "sample/notes", **PREFLIGHT)
    assert response.status_code == 200
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == PLUGIN
    allowed_headers = {name.strip() for name in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "contactcenterid", "x-genesys-tenantid"} <= (
        allowed_headers
    )
    assert "POST" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers  # tokens, not cookies


def test_a_listed_origins_call_exposes_link_and_location(allowed, tenant):
    user = make_user("plugin", tenant, ["Agent Application"])
    _, key = create_api_token(user=user, name="plug-in")
    response = Client().get(
        API + "sample/notes",
        HTTP_ORIGIN=PLUGIN,
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_CONTACTCENTERID=str(tenant.pk),
    )
    assert response.status_code == 200
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == PLUGIN
    exposed = {name.strip() for name in headers["access-control-expose-headers"].split(",")}
    assert exposed == {"Link", "Location"}
    assert "origin" in response["Vary"].lower()  # caches keep one answer per origin


def test_a_refusal_is_readable_by_a_listed_origin(allowed, db):
    response = Client().get(API + "sample/notes", HTTP_ORIGIN=PLUGIN)
    assert response.status_code == 401
    assert cors_headers(response)["access-control-allow-origin"] == PLUGIN


def test_an_unlisted_origin_gets_nothing(allowed, db):
    preflight = {**PREFLIGHT, "HTTP_ORIGIN": "https://elsewhere.example"}
    assert cors_headers(Client().options(API + "sample/notes", **preflight)) == {}
    response = Client().get(API + "sample/notes", HTTP_ORIGIN="https://elsewhere.example")
    assert cors_headers(response) == {}


def test_pages_outside_the_api_get_nothing(allowed, db):
    assert cors_headers(Client().get("/login/", HTTP_ORIGIN=PLUGIN)) == {}
    assert cors_headers(Client().options("/login/", **PREFLIGHT)) == {}
