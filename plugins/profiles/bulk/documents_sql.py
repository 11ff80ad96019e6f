"""On PostgreSQL: each customer's document (the API's, spec §8) put together by the database as
one JSON text per customer, a chunk of customers per query, from the stored jsonb texts.

The text has the document's keys in the document's order: customer_id, the attributes in their
stored order (jsonb's own, the order Python reads them in too), then the extensions asked for,
in their order (a multi-valued one as an array of its records in record order, even empty; a
single-valued one as its first record, or absent). It is spelt as jsonb spells values (a space
after each comma and colon); the caller re-spells it compactly with Python's json, which reads
every value exactly as the model path reads the same jsonb, so both paths write the same
bytes, numbers and duplicate keys included (a key given twice keeps its first place and its
last value, as `dict.update` does). The text is put together with string functions: building
jsonb and serializing it again would cost more, and would lose the order."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction

from csadmin.pluginlib import rendering
from plugins.profiles.models import ExtensionSchema

_CUSTOMER_DOCUMENTS_SQL = """
SELECT '{"customer_id": ' || to_json(c.customer_id)::text
  || CASE WHEN c.attributes = '{}'::jsonb THEN ''
          ELSE ', ' || substr(left(c.attributes::text, -1), 2) END
  || COALESCE(x.parts, '') || '}'
FROM profiles_customer c
CROSS JOIN LATERAL (
  SELECT string_agg(', ' || to_json(s.name)::text || ': ' || CASE
             WHEN s.multi THEN '[' || COALESCE(array_to_string(r.texts, ', '), '') || ']'
             ELSE r.texts[1] END, '' ORDER BY s.n) AS parts
  FROM unnest(%(schema_ids)s::bigint[], %(names)s::text[], %(multi)s::boolean[])
       WITH ORDINALITY AS s(id, name, multi, n)
  CROSS JOIN LATERAL (
    SELECT array_agg(r.values::text ORDER BY r.id) AS texts
    FROM profiles_extensionrecord r
    WHERE r.customer_id = c.id AND r.schema_id = s.id
  ) r
) x
WHERE c.id = ANY(%(ids)s::bigint[])
ORDER BY c.customer_id
"""

# The customers' ids in customer-id order come from one server-side cursor: one sort of the
# tenant's rows at most, whatever the statistics (keyset pages, without them, sort the rest of
# the tenant again for each page).
_IDS_SQL = "SELECT c.id FROM profiles_customer c WHERE c.tenant_id = %s ORDER BY c.customer_id"


def document_texts(tenant, schemas: list, *, chunk: int) -> Iterator[str]:
    """The customers' document texts in customer-id order, `chunk` customers per query. The
    ids come from a cursor in a transaction that lives as long as the generator (outside one,
    Django's cursor is WITH HOLD and PostgreSQL computes the whole result first); closing the
    generator early leaves it through GeneratorExit, which rolls the read back. Outside the
    caller's own transaction, the chunks are rendered on CSADMIN_EXPORT_RENDERERS extra
    connections at once (csadmin.pluginlib.rendering) while the caller re-spells the last."""
    params = {
        "schema_ids": [schema.pk for schema in schemas],
        "names": [schema.name for schema in schemas],
        "multi": [schema.type == ExtensionSchema.Type.MULTI for schema in schemas],
    }
    wanted = settings.CSADMIN_EXPORT_RENDERERS
    in_parallel = wanted > 1 and not connection.in_atomic_block

    def id_chunks(ids_cursor) -> Iterator[list[int]]:
        while ids := [row[0] for row in ids_cursor.fetchmany(chunk)]:
            yield ids

    def serially(chunks) -> Iterator[str]:
        with connection.cursor() as cursor:
            # Without statistics yet (a fresh import) a chunk's estimate can pass JIT's
            # threshold; compiling then costs more than the query.
            cursor.execute("SET LOCAL jit = off")
        for ids in chunks:
            with connection.cursor() as cursor:
                cursor.execute(_CUSTOMER_DOCUMENTS_SQL, {**params, "ids": ids})
                yield from (text for (text,) in cursor.fetchall())

    with transaction.atomic(), connection.chunked_cursor() as ids_cursor:
        ids_cursor.execute(_IDS_SQL, [tenant.pk])
        chunks = id_chunks(ids_cursor)
        renderers = rendering.open_renderers(connection, wanted) if in_parallel else None
        if renderers:
            for renderer in renderers:
                renderer.execute("SET jit = off")
            yield from rendering.render_in_order(renderers, _CUSTOMER_DOCUMENTS_SQL, chunks, params)
        else:
            yield from serially(chunks)
