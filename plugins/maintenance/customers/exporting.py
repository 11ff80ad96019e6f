"""The profiles stream and the customers export file: every customer of the tenant in
customer-id order, as `GET /profiles/{id}?extensions=...` answers it, a chunk at a time (memory
flat however many customers)."""

from __future__ import annotations

from csadmin.pluginlib import ValidationFailed
from plugins.maintenance.customers.files import FORMATS, writer_for
from plugins.profiles import bulk


def stream_json_array(tenant, schemas: list):
    yield b"["
    separator = b""
    for documents in bulk.customer_json_chunks(tenant, schemas, lines=False):
        yield separator + documents
        separator = b","
    yield b"]"


def stream_ndjson(tenant, schemas: list):
    yield from bulk.customer_json_chunks(tenant, schemas, lines=True)


def write_customers_file(*, tenant, extensions: str, fmt: str, open_file, reporter) -> dict:
    """Write `customers.<fmt>`; `open_file(name)` gives a text stream (the job handle's)."""
    if fmt not in FORMATS:
        raise ValidationFailed.from_errors({"format": ["must be json or csv"]})
    schemas = bulk.requested_extensions(tenant, extensions)
    total = bulk.customer_count(tenant)
    reporter.progress(0, total)
    written = 0
    with open_file(f"customers.{fmt}") as out:
        writer = writer_for(fmt, out, tenant, schemas)
        for chunk in bulk.customer_document_chunks(tenant, schemas):
            reporter.check_cancelled()
            for document in chunk:
                writer.write(document)
            written += len(chunk)
            reporter.set_counts(customers=written)
            reporter.progress(written, max(total, written))
        writer.close()
    reporter.set_counts(customers=written)
    reporter.progress(written, max(total, written))
    return {"customers": written}
