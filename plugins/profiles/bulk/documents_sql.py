"""On PostgreSQL: the customers' documents (the API's, spec §8) put together by the database, one
text per chunk of customers: their documents in customer-id order, separated by commas (the
inside of a JSON array).

A document's keys come in the document's order: customer_id, the attributes in their stored
order (jsonb's own, the order Python reads them in too), then the extensions asked for, in
their order (a multi-valued one as an array of its records in record order, even empty; a
single-valued one as its first record, or absent). It is spelt as jsonb spells values (a space
after each comma and colon, numbers as stored); the caller re-spells it as the API does
(export.py). The text is put together with string functions: building jsonb and serializing it
again would cost more, and would lose the order.

Each extension is one correlated subquery per customer, written into the statement for the
schemas asked for: a probe of the records' (customer, schema) index whatever the statistics (a
fresh import has none), and about a quarter less of the server's time than joining the records
to an unnested list of the schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction

from csadmin.pluginlib import rendering
from plugins.profiles.models import ExtensionSchema

_DOCUMENTS_SQL = """
SELECT string_agg('{{"customer_id": ' || to_json(c.customer_id)::text
  || CASE WHEN c.attributes = '{{}}'::jsonb THEN ''
          ELSE ', ' || substr(left(c.attributes::text, -1), 2) END
  {extensions} || '}}', ',' ORDER BY c.customer_id)
FROM profiles_customer c
WHERE c.tenant_id = %(tenant)s
  AND c.customer_id BETWEEN (%(ids)s::text[])[1] AND (%(ids)s::text[])[2]
"""

# A single-valued extension: its first record (the lowest id), or nothing.
_SINGLE_SQL = """|| COALESCE((
    SELECT %(key_{n})s::text || r.values::text FROM profiles_extensionrecord r
    WHERE r.customer_id = c.id AND r.schema_id = %(schema_{n})s ORDER BY r.id LIMIT 1), '')"""

# A multi-valued extension: its records in id order, an empty array for none.
_MULTI_SQL = """|| %(key_{n})s::text || '[' || COALESCE((
    SELECT string_agg(r.values::text, ', ' ORDER BY r.id) FROM profiles_extensionrecord r
    WHERE r.customer_id = c.id AND r.schema_id = %(schema_{n})s), '') || ']'"""

# The customer ids in order come from one server-side cursor: one sort of the tenant's rows at
# most, whatever the statistics (keyset pages, without them, sort the rest of the tenant again
# for each page). A chunk is bound as its first and last customer ids: the range is read from
# the tenant's (tenant, customer_id) index, cheaper than looking each row up by key.
_IDS_SQL = (
    "SELECT c.customer_id FROM profiles_customer c WHERE c.tenant_id = %s ORDER BY c.customer_id"
)


def documents_query(schemas: list) -> tuple[str, dict]:
    """The statement rendering a chunk of customers (its first and last customer ids bound as
    %(ids)s, the tenant as %(tenant)s) with these extensions, and its parameters besides those.
    Only numbered placeholders are written into the text; the schemas' ids and names are
    bound."""
    extensions, params = [], {}
    for n, schema in enumerate(schemas):
        params[f"schema_{n}"] = schema.pk
        params[f"key_{n}"] = f", {json.dumps(schema.name)}: "
        multi = schema.type == ExtensionSchema.Type.MULTI
        extensions.append((_MULTI_SQL if multi else _SINGLE_SQL).format(n=n))
    return _DOCUMENTS_SQL.format(extensions="\n  ".join(extensions)), params


def document_chunks(tenant, schemas: list, *, chunk: int) -> Iterator[str]:
    """The texts of the customers' documents, `chunk` customers per text (one query each), in
    customer-id order. The ids come from a cursor in a transaction that lives as long as the
    generator (outside one, Django's cursor is WITH HOLD and PostgreSQL computes the whole
    result first); closing the generator early leaves it through GeneratorExit, which rolls
    the read back. Outside the caller's own transaction, the chunks are rendered on
    CSADMIN_EXPORT_RENDERERS extra connections at once (csadmin.pluginlib.rendering) while the
    caller re-spells the last. A chunk whose customers were all deleted meanwhile gives no
    text."""
    sql, params = documents_query(schemas)
    params["tenant"] = tenant.pk
    wanted = settings.CSADMIN_EXPORT_RENDERERS
    in_parallel = wanted > 1 and not connection.in_atomic_block

    def id_chunks(ids_cursor) -> Iterator[list[str]]:
        while rows := ids_cursor.fetchmany(chunk):
            yield [rows[0][0], rows[-1][0]]

    def serially(chunks) -> Iterator[str | None]:
        with connection.cursor() as cursor:
            # Without statistics yet (a fresh import) a chunk's estimate can pass JIT's
            # threshold; compiling then costs more than the query.
            cursor.execute("SET LOCAL jit = off")
        for ids in chunks:
            with connection.cursor() as cursor:
                cursor.execute(sql, {**params, "ids": ids})
                yield cursor.fetchone()[0]

    with transaction.atomic(), connection.chunked_cursor() as ids_cursor:
        ids_cursor.execute(_IDS_SQL, [tenant.pk])
        chunks = id_chunks(ids_cursor)
        renderers = rendering.open_renderers(connection, wanted) if in_parallel else None
        if renderers:
            for renderer in renderers:
                renderer.execute("SET jit = off")
            texts = rendering.render_in_order(renderers, sql, chunks, params)
        else:
            texts = serially(chunks)
        yield from (text for text in texts if text is not None)
