"""Spec §1 paging: arrays in the body, keyset cursors, Link rel="next"."""

import base64
import re

import pytest

from tests.sample_plugin.models import Note

LINK = re.compile(r'<([^>]+)>; rel="next"')


@pytest.fixture
def notes(tenant, other_tenant):
    Note.objects.bulk_create(Note(tenant=tenant, text=f"n{i}") for i in range(250))
    Note.objects.bulk_create(Note(tenant=other_tenant, text=f"x{i}") for i in range(30))


def next_link(response):
    match = LINK.search(response.get("Link", ""))
    return match.group(1) if match else None


def test_walks_every_row_once_by_keyset(api, notes):
    seen, url, pages = [], "sample/notes?page_size=100", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        assert isinstance(response.json(), list)
        seen += [row["text"] for row in response.json()]
        url, pages = next_link(response), pages + 1
    assert pages == 3
    assert len(seen) == 250 and len(set(seen)) == 250
    assert not any(text.startswith("x") for text in seen)  # the other tenant's rows


def test_default_page_size_is_100_and_the_maximum_1000(api, notes):
    assert len(api.get("sample/notes").json()) == 100
    assert len(api.get("sample/notes?page_size=5000").json()) == 250


@pytest.mark.parametrize("size", ["0", "abc", "-3"])
def test_bad_page_size_is_400(api, notes, size):
    response = api.get(f"sample/notes?page_size={size}")
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_a_forged_cursor_is_400(api, notes):
    forged = base64.urlsafe_b64encode(b"o=abc&p=1").decode()
    response = api.get(f"sample/notes?cursor={forged}")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


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
