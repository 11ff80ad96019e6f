"""On PostgreSQL the profiles stream's documents are put together by the database
(bulk/documents_sql) and re-spelt compactly: each text must be byte for byte what the model path
writes, and what GET /profiles/{id} answers, for every kind of value."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from csadmin.testing import require_service, uses_postgresql
from plugins.profiles import bulk
from plugins.profiles.bulk import documents_sql, export
from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema

pytestmark = pytest.mark.services

ODD_TEXT = 'Zoë "quoted" back\\slash\nnew\ttab\x01\x1f\x7f 北京 😀 \u2028\u2029 </script>'


def make(tenant, customer_id, attributes, records=()):
    customer = Customer.objects.create(
        tenant=tenant, customer_id=customer_id, attributes=attributes
    )
    schemas = {schema.name: schema for schema in ExtensionSchema.objects.filter(tenant=tenant)}
    ExtensionRecord.objects.bulk_create(
        ExtensionRecord(tenant=tenant, customer=customer, schema=schemas[name], values=values)
        for name, values in records
    )
    return customer


def set_raw(customer, attributes_json: str) -> None:
    """Values no Python write stores (trailing zeros, nesting): written as jsonb text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE profiles_customer SET attributes = %s::jsonb WHERE id = %s",
            [attributes_json, customer.pk],
        )


@pytest.fixture
def varied(schemas):
    """Customers covering every kind of value, numbers jsonb spells otherwise than Python,
    nested values and keys given twice."""
    tenant = schemas
    make(
        tenant,
        "A-every-kind",
        {"LastName": ODD_TEXT, "FirstName": "Ann", "Age": 41, "PhoneNumber": None},
        [
            ("Address", {"AddressType": 2, "Address": "2 Side St", "Country": "ÜK"}),
            ("Address", {"AddressType": 1, "Address": ODD_TEXT, "PostCode": None}),
            (
                "Loyalty",
                {
                    "Level": "gold",
                    "Points": 9007199254740993,
                    "Since": "2020-02-29",
                    "LastVisit": "2026-11-29T10:15:00.123Z",
                    "Balance": 1.0,
                    "Score": -3.14159,
                    "Active": False,
                },
            ),
        ],
    )
    make(tenant, "B-bare", {"LastName": "Bo"})
    make(tenant, "C-empty", {})
    make(tenant, "D-big", {"LastName": "Big"}, [("Loyalty", {"Score": 1.5e20, "Active": True})])
    make(tenant, "E-tiny", {"LastName": "Tiny"}, [("Loyalty", {"Score": 1e-05})])
    set_raw(make(tenant, "F-zeros", {}), '{"LastName": "Zeros", "Age": 1.50}')
    set_raw(make(tenant, "G-nested", {}), '{"LastName": "Nest", "Extra": {"a": [1, 2]}}')
    set_raw(make(tenant, "H-clash", {}), '{"LastName": "Clash", "Loyalty": "x", "customer_id": 1}')
    for n in range(7):
        make(tenant, f"Z{n}", {"LastName": f"L{n}", "Age": n}, [("Address", {"Address": f"{n}"})])
    return tenant


def python_texts(tenant, schemas) -> list[str]:
    documents = [d for chunk in bulk.customer_document_chunks(tenant, schemas) for d in chunk]
    return [export.compact_json(document) for document in documents]


def sql_texts(tenant, schemas) -> list[str]:
    return [text for chunk in bulk.customer_text_chunks(tenant, schemas) for text in chunk]


@pytest.mark.parametrize("extensions", ["*", "Loyalty", "Address", ""])
def test_sql_texts_are_the_python_texts_byte_for_byte(varied, monkeypatch, extensions):
    require_service(uses_postgresql(), "PostgreSQL")
    monkeypatch.setattr(export, "TEXT_CHUNK", 4)  # several chunks, a keyset step between each
    schemas = bulk.requested_extensions(varied, extensions)
    texts = sql_texts(varied, schemas)
    assert len(texts) == Customer.objects.filter(tenant=varied).count() == 15
    assert texts == python_texts(varied, schemas)
    assert "\u2028" not in "".join(texts) and "Zoë" in "".join(texts)


def test_the_database_puts_each_document_together(varied):
    """The comparison above would pass with the model path everywhere: the texts must come from
    the database (jsonb's spelling), one per customer, in the document's key order."""
    require_service(uses_postgresql(), "PostgreSQL")
    schemas = bulk.requested_extensions(varied, "*")
    texts = list(documents_sql.document_texts(varied, schemas, chunk=4))
    assert len(texts) == 15
    first = texts[0]
    assert first.startswith('{"customer_id": "A-every-kind", ')
    assert list(json.loads(first)) == [
        "customer_id",
        *Customer.objects.get(customer_id="A-every-kind").attributes,
        "Address",
        "Loyalty",
    ]
    assert json.loads(first)["Address"][1]["Address"] == ODD_TEXT
    assert texts[1] == '{"customer_id": "B-bare", "LastName": "Bo", "Address": []}'  # no records


def test_each_streamed_line_is_the_api_answer_byte_for_byte(varied, api):
    require_service(uses_postgresql(), "PostgreSQL")
    response = api.client.get(
        "/genesys/1/cs/maintenance/profiles/stream?extensions=*",
        headers={**api.headers, "Accept": "application/x-ndjson"},
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 15
    for line in lines:
        customer_id = json.loads(line)["customer_id"]
        if customer_id == 1:  # H-clash: its attributes override the id, as in the API
            continue
        one = api.get(f"profiles/{customer_id}?extensions=*")
        assert one.status_code == 200
        assert one.content.decode() == line
    array = api.client.get(
        "/genesys/1/cs/maintenance/profiles/stream?extensions=*", headers=api.headers
    )
    assert b"".join(array.streaming_content).decode() == "[" + ",".join(lines) + "]"


@pytest.mark.django_db(transaction=True)
def test_chunks_rendered_on_extra_connections_are_the_same_bytes(varied, monkeypatch, settings):
    """Outside a transaction the chunks are rendered on extra connections, several at once:
    same texts, same order (the customers committed, as the renderers read committed rows)."""
    require_service(uses_postgresql(), "PostgreSQL")
    settings.CSADMIN_EXPORT_RENDERERS = 2
    monkeypatch.setattr(export, "TEXT_CHUNK", 4)
    opened = []
    real_open = documents_sql.rendering.open_renderers

    def spy(connection, count):
        renderers = real_open(connection, count)
        opened.append(len(renderers))
        return renderers

    monkeypatch.setattr(documents_sql.rendering, "open_renderers", spy)
    for extensions in ("*", ""):
        schemas = bulk.requested_extensions(varied, extensions)
        assert sql_texts(varied, schemas) == python_texts(varied, schemas)
    assert opened == [2, 2]
