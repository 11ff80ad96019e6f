"""On PostgreSQL the profiles stream's documents are put together by the database
(bulk/documents_sql) and re-spelt compactly by msgspec: each text must be byte for byte what the
model path writes, and what GET /profiles/{id} answers, for every kind of value."""

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
# jsonb's separators inside a value: a re-spelling that only drops the spaces after them breaks
SEPARATORS_TEXT = 'a, b: c", "d": [1, 2], {"e": 3}, \\", "'


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
def varied(schemas, other_tenant):
    """Customers covering every kind of value, numbers jsonb spells otherwise than Python,
    nested values and keys given twice; another tenant's customers sort among them (a chunk is
    a range of customer ids: theirs must stay out)."""
    # before any data: some of it is written as jsonb text, which only PostgreSQL reads
    require_service(uses_postgresql(), "PostgreSQL")
    tenant = schemas
    for customer_id in ("A-every-kind", "B-other", "D-big", "Z3", "ZZ-last"):
        make(other_tenant, customer_id, {"LastName": "Other"})
    make(
        tenant,
        "A-every-kind",
        {"LastName": ODD_TEXT, "FirstName": "Ann", "Age": 41, "PhoneNumber": None},
        [
            ("Address", {"AddressType": 2, "Address": SEPARATORS_TEXT, "Country": "ÜK"}),
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
    set_raw(
        make(tenant, "I-numbers", {}, [("Loyalty", {"Balance": 1.0, "Score": 1e20})]),
        '{"LastName": "Numbers", "Age": 123456789012345678901234567890, "Pi": 3.141592653589793238,'
        ' "Zero": -0.0, "Whole": 2.000, "Small": -0.000000123, "Keys": {"a, b": {"c: d": 1.10}}}',
    )
    make(tenant, "J-separators", {"LastName": SEPARATORS_TEXT, "FirstName": ": "})
    for n in range(7):
        make(tenant, f"Z{n}", {"LastName": f"L{n}", "Age": n}, [("Address", {"Address": f"{n}"})])
    return tenant


def python_texts(tenant, schemas) -> list[str]:
    documents = [d for chunk in bulk.customer_document_chunks(tenant, schemas) for d in chunk]
    return [export.compact_json(document) for document in documents]


def sql_texts(tenant, schemas) -> list[str]:
    """The NDJSON chunks' lines; the JSON array's chunks must hold the same, comma-separated."""
    lines = b"".join(bulk.customer_json_chunks(tenant, schemas, lines=True)).decode()
    array = b",".join(bulk.customer_json_chunks(tenant, schemas, lines=False)).decode()
    texts = lines.splitlines()
    assert lines.endswith("\n") or not lines
    assert array == ",".join(texts)
    return texts


@pytest.mark.parametrize("extensions", ["*", "Loyalty", "Address", ""])
def test_sql_texts_are_the_python_texts_byte_for_byte(varied, monkeypatch, extensions):
    require_service(uses_postgresql(), "PostgreSQL")
    monkeypatch.setattr(export, "TEXT_CHUNK", 4)  # several chunks, a keyset step between each
    schemas = bulk.requested_extensions(varied, extensions)
    texts = sql_texts(varied, schemas)
    assert len(texts) == Customer.objects.filter(tenant=varied).count() == 17
    assert texts == python_texts(varied, schemas)
    assert "\u2028" not in "".join(texts) and "Zoë" in "".join(texts)


def test_the_database_puts_each_document_together(varied):
    """The comparison above would pass with the model path everywhere: the texts must come from
    the database (jsonb's spelling), a chunk of customers per text, each document in its key
    order."""
    require_service(uses_postgresql(), "PostgreSQL")
    schemas = bulk.requested_extensions(varied, "*")
    chunks = list(documents_sql.document_chunks(varied, schemas, chunk=4))
    assert len(chunks) == 5  # 17 customers, 4 a chunk
    first = chunks[0]
    assert first.startswith('{"customer_id": "A-every-kind", ')
    documents = [d for chunk in chunks for d in json.loads(f"[{chunk}]")]
    assert [d["customer_id"] for d in documents][:3] == ["A-every-kind", "B-bare", "C-empty"]
    assert list(documents[0]) == [
        "customer_id",
        *Customer.objects.get(tenant=varied, customer_id="A-every-kind").attributes,
        "Address",
        "Loyalty",
    ]
    assert documents[0]["Address"][1]["Address"] == ODD_TEXT
    # no records: an empty array for the multi-valued extension, nothing for the single-valued
    assert '{"customer_id": "B-bare", "LastName": "Bo", "Address": []}' in first


def test_numbers_and_separators_are_spelt_as_the_api_spells_them(varied):
    """Both paths could agree and still be wrong: the spellings themselves, as json writes the
    values Python reads from jsonb."""
    require_service(uses_postgresql(), "PostgreSQL")
    texts = sql_texts(varied, bulk.requested_extensions(varied, "*"))
    numbers = next(text for text in texts if '"I-numbers"' in text)
    assert numbers == (
        '{"customer_id":"I-numbers","Pi":3.141592653589793,"Age":123456789012345678901234567890,'
        '"Keys":{"a, b":{"c: d":1.1}},"Zero":0.0,"Small":-1.23e-07,"Whole":2.0,'
        '"LastName":"Numbers","Address":[],"Loyalty":{"Score":100000000000000000000,'
        '"Balance":1.0}}'
    )
    separators = next(text for text in texts if '"J-separators"' in text)
    assert json.loads(separators)["LastName"] == SEPARATORS_TEXT
    assert '"FirstName":": "' in separators


def test_a_number_too_large_for_a_float_is_spelt_as_the_model_path_spells_it(schemas):
    require_service(uses_postgresql(), "PostgreSQL")
    set_raw(make(schemas, "huge", {}), '{"LastName": "Huge", "Age": 1%s.5}' % ("0" * 400))
    expected = ['{"customer_id":"huge","Age":Infinity,"LastName":"Huge"}']
    assert sql_texts(schemas, []) == python_texts(schemas, []) == expected


def test_a_chunk_whose_customers_are_gone_gives_no_text(varied):
    """Customers deleted after the ids were read: their chunks are skipped, not written as
    nothing (a bare comma in the array) or as a null."""
    require_service(uses_postgresql(), "PostgreSQL")
    chunks = documents_sql.document_chunks(varied, [], chunk=4)
    first = next(chunks)
    Customer.objects.filter(tenant=varied).exclude(customer_id__lt="E").delete()
    assert '"A-every-kind"' in first
    assert list(chunks) == []


def test_each_streamed_line_is_the_api_answer_byte_for_byte(varied, api):
    require_service(uses_postgresql(), "PostgreSQL")
    response = api.client.get(
        "/genesys/1/cs/maintenance/profiles/stream?extensions=*",
        headers={**api.headers, "Accept": "application/x-ndjson"},
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 17
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
    assert opened == [2] * 4  # each extension choice streamed as NDJSON and as an array
