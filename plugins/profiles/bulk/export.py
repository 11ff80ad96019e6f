"""The customers of a tenant for the export (spec §8): in customer-id order, a chunk at a time
by keyset (a fixed number of queries per chunk, memory flat however many customers), each one
exactly as `GET /profiles/{id}?extensions=...` answers it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import NamedTuple

import msgspec
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


def _python_float(text: str) -> msgspec.Raw:
    """A number with a fraction spelt as json writes the float it reads (1.50 as 1.5, 0.00001
    as 1e-05, one too large for a float as Infinity), where msgspec would spell its own way."""
    value = float(text)
    if math.isinf(value):
        return msgspec.Raw(b"Infinity" if value > 0 else b"-Infinity")
    return msgspec.Raw(float.__repr__(value).encode())


# msgspec reads what json.loads reads into the same values (big integers exact, the last of
# duplicate keys in the first one's place) and writes them as the JSON renderer does (compact,
# the same string escapes, non-ASCII as is), several times faster; only its floats are spelt
# otherwise, hence the hook.
_decode_documents = msgspec.json.Decoder(float_hook=_python_float).decode
_encoder = msgspec.json.Encoder()
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def _respelt(text: str, *, lines: bool) -> bytes:
    """A chunk of documents in jsonb's spelling, comma-separated, as the API spells them: one
    per line, or comma-separated again."""
    documents = _decode_documents(f"[{text}]")
    data = _encoder.encode_lines(documents) if lines else _encoder.encode(documents)[1:-1]
    if not text.isascii():  # known without a scan: most chunks skip both
        for separator, escaped in _LINE_SEPARATORS:
            data = data.replace(separator, escaped)
    return data


def _joined(texts: list[str], lines: bool) -> bytes:
    return ("".join(text + "\n" for text in texts) if lines else ",".join(texts)).encode()


def customer_json_chunks(tenant, schemas: list, *, lines: bool) -> Iterator[bytes]:
    """The customers' documents as the API writes each one, in customer-id order, a chunk at a
    time: one per line (NDJSON, each line ended) or comma-separated (the inside of a JSON
    array). On PostgreSQL the database puts each chunk's documents together (documents_sql)
    and msgspec re-spells them; elsewhere they come from customer_documents. Same bytes either
    way (a test compares them)."""
    if connection.vendor != "postgresql":
        for documents in customer_document_chunks(tenant, schemas):
            yield _joined([compact_json(document) for document in documents], lines)
        return
    for text in documents_sql.document_chunks(tenant, schemas, chunk=TEXT_CHUNK):
        yield _respelt(text, lines=lines)
