"""The customers of a tenant for the export (spec §8): in customer-id order, a chunk at a time
by keyset (a fixed number of queries per chunk, memory flat however many customers), each one
exactly as `GET /profiles/{id}?extensions=...` answers it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import NamedTuple

from django.db import connection

from plugins.profiles import selectors
from plugins.profiles.bulk import documents_sql
from plugins.profiles.models import Customer

CHUNK = 1000
# The SQL path's chunks: larger ones amortize each query's fixed cost, and the texts of a
# chunk are all that is held.
TEXT_CHUNK = 2000


class CustomerRow(NamedTuple):
    """What a customer's document is made of (no model instance: cheaper by far)."""

    pk: int
    customer_id: str
    attributes: dict


def customer_count(tenant) -> int:
    return Customer.objects.filter(tenant=tenant).count()


def customer_document_chunks(tenant, schemas: list, *, chunk: int = CHUNK) -> Iterator[list]:
    """Lists of customer documents (the API's), in customer-id order."""
    customers = Customer.objects.filter(tenant=tenant).order_by("customer_id")
    last = None
    while True:
        page = customers if last is None else customers.filter(customer_id__gt=last)
        rows = [CustomerRow(*row) for row in page[:chunk].values_list(*CustomerRow._fields)]
        if not rows:
            return
        last = rows[-1].customer_id
        yield selectors.customer_documents(rows, schemas)


# One encoder for every document (json.dumps with options builds one per call).
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def compact_json(document: dict) -> str:
    """A customer's document as the API's renderer writes it: compact, non-ASCII text as is,
    and U+2028 / U+2029 escaped (a JavaScript line break otherwise)."""
    return _compact(document).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def customer_text_chunks(tenant, schemas: list) -> Iterator[list[str]]:
    """Lists of customers' documents as compact JSON texts, in customer-id order. On
    PostgreSQL the database puts each document's text together (documents_sql) and json
    re-spells it compactly, in C; elsewhere from customer_documents. Same bytes either way (a
    test compares them)."""
    if connection.vendor != "postgresql":
        for documents in customer_document_chunks(tenant, schemas):
            yield [compact_json(document) for document in documents]
        return
    texts = documents_sql.document_texts(tenant, schemas, chunk=TEXT_CHUNK)
    loads = json.loads
    while chunk := list(islice(texts, TEXT_CHUNK)):
        yield [compact_json(loads(text)) for text in chunk]
