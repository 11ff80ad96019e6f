"""The schema designer's JSON preview is the API's body: the same numbers, booleans and typed
defaults as the API's GET of the saved schema, before saving and after."""

import html
import json
import re

import pytest

from tests.profiles.test_pages import ADDRESS_ROWS, designer_post

PREVIEW = re.compile(r'<pre id="json-preview"[^>]*>(.*?)</pre>', re.S)


@pytest.fixture
def web(client, admin):
    client.force_login(admin)
    return client


def _preview(response) -> dict:
    return json.loads(html.unescape(PREVIEW.search(response.content.decode()).group(1)))


def test_the_extension_preview_equals_the_apis_get_of_the_saved_schema(web, api, tenant):
    form = designer_post(rows=ADDRESS_ROWS, unique=[["PostCode", "Country"]])
    while_typing = _preview(web.post("/profiles/schema/designer/check/", form))
    assert web.post("/profiles/schema/extensions/new/", form).status_code == 302
    saved = api.get("metadata/profiles/extensions/Address")
    assert saved.status_code == 200
    assert while_typing == saved.json()
    assert _preview(web.get("/profiles/schema/extensions/Address/")) == saved.json()
    country = saved.json()["attributes"][3]
    assert country["length"] == 32 and country["mandatory"] is False  # not "32", not "off"


def test_the_core_profile_preview_equals_the_apis_get(web, api, tenant):
    rows = [
        {"name": "LastName", "type": "string", "length": "40", "mandatory": "on"},
        {"name": "Age", "type": "integer", "default": "18"},
    ]
    form = {**designer_post(rows=rows), "kind": "profile"}
    assert web.post("/profiles/schema/core/", form).status_code == 302
    saved = api.get("metadata/profiles").json()
    assert _preview(web.get("/profiles/schema/core/")) == saved
    assert saved["attributes"][0]["length"] == 40 and saved["attributes"][1]["default"] == 18


def test_an_invalid_form_previews_its_numbers_as_numbers(web):
    rows = [{"name": "Bad name", "type": "string", "length": "32"}]
    preview = _preview(web.post("/profiles/schema/designer/check/", designer_post(rows=rows)))
    assert preview["attributes"][0]["length"] == 32
