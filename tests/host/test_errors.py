"""Spec §1 error bodies for every status code, from one exception handler.

400 for a bad body, 401 with its challenge and 403: the inherited checks
(tests/host/test_api_checks.py); these are the rest."""

from django.test import override_settings

from csadmin.testing import API, assert_error_body
from tests.sample_plugin.models import Note


def test_400_invalid_json(api):
    response = api.client.post(
        API + "sample/notes", data="{nope", content_type="application/json", headers=api.headers
    )
    assert_error_body(response, 400, "BadRequestException")


def test_404_for_unknown_paths_is_json(api):
    assert_error_body(api.get("no/such/thing"), 404, "NotFoundException")


@override_settings(DEBUG=True)
def test_404_is_json_in_debug_too(api):
    assert_error_body(api.get("no/such/thing"), 404, "NotFoundException")


def test_405_names_the_allowed_methods(api):
    response = api.delete("sample/notes")
    assert_error_body(response, 405, "MethodNotAllowedException")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_415_for_another_content_type(api):
    response = api.client.post(
        API + "sample/notes", data="text=x", content_type="text/plain", headers=api.headers
    )
    assert_error_body(response, 415, "UnsupportedMediaTypeException")


def test_413_for_a_body_over_the_limit(api, settings):
    settings.CSADMIN_API_MAX_BODY_BYTES = 100
    assert_error_body(
        api.post("sample/notes", {"text": "x" * 200}), 413, "PayloadTooLargeException"
    )
    assert Note.objects.count() == 0


def test_a_refused_call_writes_nothing(api, tenant):
    body = assert_error_body(
        api.post("sample/notes", {"text": "rollback"}), 400, "ValidationException"
    )
    assert body["errors"] == {"text": ["must not be 'rollback'"]}
    assert not Note.objects.filter(tenant=tenant).exists()
    assert api.post("sample/notes", {"text": "kept"}).status_code == 201
    assert Note.objects.filter(tenant=tenant).count() == 1
