"""Spec §1 error bodies for every status code, from one exception handler."""

from django.test import override_settings
from rest_framework.test import APIClient

from csadmin.testing import API
from tests.sample_plugin.models import Note


def assert_error(response, status, exception):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["exception"] == exception
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_400_validation_names_the_field(api):
    body = assert_error(api.post("sample/notes", {"text": "x" * 51}), 400, "ValidationException")
    assert "text" in body["errors"]
    assert body["message"].startswith("text:")


def test_400_invalid_json(api):
    response = api.client.post(
        API + "sample/notes", data="{nope", content_type="application/json", headers=api.headers
    )
    assert_error(response, 400, "BadRequestException")


def test_400_body_that_is_not_an_object(api):
    body = assert_error(api.post("sample/notes", ["a", "b"]), 400, "ValidationException")
    assert body["errors"]


def test_401_has_a_challenge(db):
    response = APIClient().get(API + "sample/notes")
    assert_error(response, 401, "AuthenticationException")
    assert response["WWW-Authenticate"]


def test_403(api_as):
    assert_error(api_as("Maintenance Operator").get("sample/notes"), 403, "ForbiddenException")


def test_404_for_unknown_paths_is_json(api):
    assert_error(api.get("no/such/thing"), 404, "NotFoundException")


@override_settings(DEBUG=True)
def test_404_is_json_in_debug_too(api):
    assert_error(api.get("no/such/thing"), 404, "NotFoundException")


def test_405_names_the_allowed_methods(api):
    response = api.delete("sample/notes")
    assert_error(response, 405, "MethodNotAllowedException")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_415_for_another_content_type(api):
    response = api.client.post(
        API + "sample/notes", data="text=x", content_type="text/plain", headers=api.headers
    )
    assert_error(response, 415, "UnsupportedMediaTypeException")


def test_413_for_a_body_over_the_limit(api, settings):
    settings.CSADMIN_API_MAX_BODY_BYTES = 100
    assert_error(api.post("sample/notes", {"text": "x" * 200}), 413, "PayloadTooLargeException")
    assert Note.objects.count() == 0


def test_a_refused_call_writes_nothing(api, tenant):
    body = assert_error(api.post("sample/notes", {"text": "rollback"}), 400, "ValidationException")
    assert body["errors"] == {"text": ["must not be 'rollback'"]}
    assert not Note.objects.filter(tenant=tenant).exists()
    assert api.post("sample/notes", {"text": "kept"}).status_code == 201
    assert Note.objects.filter(tenant=tenant).count() == 1
