"""Whatever a client sends, the profiles API answers with a status of the spec, never 5xx."""

import itertools
import json

import pytest

NASTY_VALUES = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    1e308,
    "",
    " ",
    "x" * 5000,
    "<script>",
    "'; DROP TABLE x;--",
    "\u0000",
    "é",
    [],
    [1, "a"],
    {},
    {"a": {"b": []}},
    [[[]]],
    "2026-13-45",
    "NaN",
]
BODIES = [
    *NASTY_VALUES,
    {
        "name": "A",
        "type": "multi-valued",
        "attributes": [{"name": "B", "type": "string", "length": None, "default": []}],
    },
    {"name": "A", "type": "multi-valued", "attributes": None, "unique": [[]]},
    {"name": "A", "type": "multi-valued", "attributes": [{}], "unique": [None]},
    {
        "name": "A",
        "type": "single-valued",
        "attributes": [{"name": "B", "type": "date", "default": 5, "mandatory": 1}],
    },
    {"attributes": [{"name": "B", "type": "boolean", "default": "true"}]},
    {"LastName": "x", "Address": {"Address": []}},
    {"LastName": "x", "Address": [None, 3]},
    {"LastName": "x", "Loyalty": "gold"},
    {"customer_id": "", "LastName": "x"},
    {"customer_id": ["C1"], "LastName": "x"},
    {"AddressType": "1", "PostCode": None},
    {"name": "K", "source": 5, "attributes": "LastName", "unique": None},
    {"name": "K", "source": "Address", "attributes": ["Address."], "unique": False},
]
WRITE_PATHS = [
    ("post", "metadata/profiles/extensions"),
    ("put", "metadata/profiles/extensions/Address"),
    ("put", "metadata/profiles"),
    ("post", "metadata/identification-keys"),
    ("post", "profiles"),
    ("put", "profiles/C1"),
    ("post", "profiles/C1/extensions"),
    ("put", "profiles/C1/extensions/Address/by/unique"),
    ("put", "profiles/C1/extensions/Address/delete/by/unique"),
    ("put", "profiles/C1/extensions/Loyalty/by/unique"),
]
QUERIES = [
    "profiles?",
    "profiles?id_key=",
    "profiles?PhoneNumber=",
    "profiles?PhoneNumber=1&extensions=,,,",
    "profiles?LastName=x&FirstName=y&id_key=ByName&include_profile=",
    "profiles?Address.PostCode=%FF%FE&Address.Country=x",
    "profiles?Age=99999999999999999999999",
    "profiles?PhoneNumber=1&page_size=0",
    "profiles?PhoneNumber=1&cursor=zzz",
    "profiles/C1?extensions=*,Address",
    "profiles/" + "x" * 300,
    "metadata/profiles/extensions?page_size=-1",
    "metadata/profiles/extensions/" + "A" * 300,
    "metadata/identification-keys?cursor=%00",
]


@pytest.fixture
def customer(api, keys):
    api.put(
        "metadata/profiles",
        {
            "attributes": [
                {"name": "FirstName", "type": "string"},
                {"name": "LastName", "type": "string"},
                {"name": "PhoneNumber", "type": "string"},
                {"name": "Age", "type": "integer"},
            ]
        },
    )
    api.post(
        "profiles",
        {
            "customer_id": "C1",
            "LastName": "Doe",
            "Address": [{"AddressType": 1, "Address": "a", "PostCode": "1", "Country": "BE"}],
        },
    )
    return api


def test_writes_with_nasty_bodies_never_fail_the_server(customer):
    api = customer
    for (method, path), body in itertools.product(WRITE_PATHS, BODIES):
        response = api.client.generic(
            method.upper(),
            "/genesys/1/cs/" + path,
            json.dumps(body),
            content_type="application/json",
            headers=api.headers,
        )
        assert response.status_code < 500, (method, path, body, response.content[:300])
        assert response.status_code in (200, 201, 204, 400, 403, 404), (method, path, body)


def test_queries_with_nasty_parameters_never_fail_the_server(customer):
    for query in QUERIES:
        response = customer.get(query)
        assert response.status_code in (200, 400, 404), (query, response.content[:300])
