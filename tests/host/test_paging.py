"""Spec §1 paging: arrays in the body, keyset cursors, Link rel="next".

Every list walks by keyset, refuses a bad page_size and a garbage cursor in the inherited
checks (tests/host/test_api_checks.py for the sample notes); these are the rest."""

import base64
import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from csadmin.jobs.models import JobRun
from csadmin.pluginlib.paging import ELSEWHERE, GARBAGE
from csadmin.testing import next_link
from tests.sample_plugin.models import Note


@pytest.fixture
def notes(tenant, other_tenant):
    Note.objects.bulk_create(Note(tenant=tenant, text=f"n{i}") for i in range(250))
    Note.objects.bulk_create(Note(tenant=other_tenant, text=f"x{i}") for i in range(30))


def test_default_page_size_is_100_and_the_maximum_1000(api, notes):
    assert len(api.get("sample/notes").json()) == 100
    assert len(api.get("sample/notes?page_size=5000").json()) == 250


def test_a_deep_page_costs_what_the_first_costs(api, notes, django_assert_max_num_queries):
    first = api.get("sample/notes?page_size=10")
    url = next_link(first)
    for _ in range(15):
        url = next_link(api.get(url))
    with django_assert_max_num_queries(4):
        response = api.get(url)
    assert response.status_code == 200 and len(response.json()) == 10
    with django_assert_max_num_queries(4):
        api.get("sample/notes?page_size=1000")


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


@pytest.mark.parametrize("raw", [b"p=abc", b"p=100", b"o=2&p=5", b"o=abc&p=1", b"r=1"])
def test_a_cursor_in_the_unsigned_format_is_400_even_when_it_decodes(api, notes, raw):
    """DRF's own cursor format: its position went to SQL as given (p=abc was a 500)."""
    response = api.get(f"sample/notes?cursor={base64.b64encode(raw).decode()}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": [GARBAGE]}


def test_a_cursor_altered_by_one_character_is_400(api, notes):
    cursor = cursor_of(next_link(api.get("sample/notes?page_size=10")))
    altered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    assert api.get(f"sample/notes?{urlencode({'cursor': altered})}").status_code == 400


def test_a_cursor_under_other_filters_is_400(api, tenant):
    for state in ("failed", "failed", "succeeded", "succeeded"):
        JobRun.objects.create(tenant=tenant, kind="k", plugin="sample", state=state)
    link = next_link(api.get("maintenance/jobs?state=failed&page_size=1"))
    cursor = urlencode({"cursor": cursor_of(link)})
    assert len(api.get(f"maintenance/jobs?state=failed&page_size=5&{cursor}").json()) == 1
    response = api.get(f"maintenance/jobs?state=succeeded&page_size=1&{cursor}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": [ELSEWHERE]}
    assert api.get(f"maintenance/jobs?page_size=1&{cursor}").status_code == 400


def test_a_cursor_of_another_tenant_is_400(api, api_as, notes, other_tenant):
    cursor = urlencode({"cursor": cursor_of(next_link(api.get("sample/notes?page_size=10")))})
    elsewhere = api_as("Administrator", in_tenant=other_tenant)
    response = elsewhere.get(f"sample/notes?{cursor}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": [ELSEWHERE]}


def test_an_empty_cursor_is_the_first_page(api, notes):
    assert api.get("sample/notes?cursor=").json() == api.get("sample/notes").json()


# -- the list page (ListPageView), through the sample plug-in's notes page -------------------

NEXT = re.compile(r'href="\?([^"]+)"')


def test_a_list_page_walks_every_row_once_and_answers_htmx_with_its_rows(
    client, admin, notes, django_assert_max_num_queries
):
    client.force_login(admin)
    seen, query, pages = [], "", 0
    while query is not None:
        with django_assert_max_num_queries(12):
            response = client.get(f"/sample/notes/?{query}")
        assert response.status_code == 200 and response["Vary"].count("HX-Request") == 1
        seen += re.findall(r"<li>(n\d+)</li>", response.content.decode())
        found = NEXT.search(response.content.decode())
        query, pages = html.unescape(found.group(1)) if found else None, pages + 1
    assert pages == 10 and seen == [f"n{i}" for i in range(250)]  # oldest first, as declared
    partial = client.get("/sample/notes/", headers={"HX-Request": "true"}).content.decode()
    assert "<li>n0</li>" in partial and "<h1>" not in partial and "<html" not in partial
