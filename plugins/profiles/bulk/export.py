"""The customers of a tenant for the export (spec §8): in customer-id order, a chunk at a time
by keyset (a fixed number of queries per chunk, memory flat however many customers), each one
exactly as `GET /profiles/{id}?extensions=...` answers it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from plugins.profiles import selectors
from plugins.profiles.models import Customer

CHUNK = 1000


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
