"""On PostgreSQL: the compact JSON text of each customer's document (the API's, spec §8) built by
the database itself, a chunk of customers per query, so the stream sends texts it never parses.

Each text is byte for byte what `json.dumps(document, ensure_ascii=False, separators=(",", ":"))`
writes for the document `selectors.customer_documents` builds from the same rows:
- keys in the same order: customer_id, the attributes in their stored order (jsonb's own,
  which is also the order Python reads them in), then the extensions in the order asked;
- strings escaped by to_json, which escapes exactly the characters Python's encoder escapes
  when it keeps non-ASCII text as is (quote, backslash, control characters, \\uXXXX lower-case);
- scalars as jsonb writes them, which is what Python writes after reading them back, except for
  numbers that Python would re-read as floats and spell otherwise (below 1e-4, 17 digits and
  more, trailing zeros after the point; none of which Python's own writes store). For such a
  customer, or one whose values nest objects or arrays, or whose keys collide, the query gives
  NULL and the caller renders that customer in Python: same bytes, rarely taken.

The attribute and record values are flat objects of scalars (values.py), so one jsonb_each per
object spells them; the text is put together with string functions (cheaper than building
jsonb and serializing it again)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from plugins.profiles.models import ExtensionSchema

# A number with a point (Python reads it as a float) that Python would spell otherwise: below
# 1e-4, 17 digits and more, or trailing zeros after the point. Whole numbers are always alike.
_UNSTABLE_NUMBER = r"^-?0\.0000|^-?(?=[0-9.]{18})[0-9]*\.|\.[0-9]*[0-9]0$"


def _odd(value: str) -> str:
    """True for a value the SQL spelling may not match Python's (see the module's text)."""
    return f"""(jsonb_typeof({value}) IN ('object', 'array')
        OR (jsonb_typeof({value}) = 'number' AND {value}::text ~ '{_UNSTABLE_NUMBER}'))"""


def _members(obj: str, alias: str) -> str:
    """A lateral subquery over a flat jsonb object: its `"key":value` texts joined by commas
    in stored order (`pairs`, NULL when empty) and whether any value is odd (`odd`)."""
    return f"""(SELECT string_agg(to_json(m.key)::text || ':' || m.value::text, ','
                                  ORDER BY m.n) AS pairs,
                       COALESCE(bool_or({_odd("m.value")}), false) AS odd
                FROM jsonb_each({obj}) WITH ORDINALITY AS m(key, value, n)) {alias}"""  # noqa: S608 (constant SQL)


_CUSTOMER_DOCUMENTS_SQL = f"""
WITH chunk AS (
  SELECT c.id, c.customer_id, c.attributes FROM profiles_customer c
  WHERE c.tenant_id = %(tenant)s {{after}}
  ORDER BY c.customer_id LIMIT %(limit)s
)
SELECT c.id, c.customer_id,
  CASE WHEN a.odd OR x.odd OR c.attributes ? 'customer_id' OR c.attributes ?| %(names)s::text[]
  THEN NULL ELSE
    replace(replace(
      '{{"customer_id":' || to_json(c.customer_id)::text || COALESCE(',' || a.pairs, '')
        || COALESCE(x.parts, '') || '}}',
      U&'\\2028', '\\u2028'), U&'\\2029', '\\u2029')
  END
FROM chunk c
CROSS JOIN LATERAL {_members("c.attributes", "a")}
CROSS JOIN LATERAL (
  SELECT string_agg(
           ',' || to_json(s.name)::text || ':' || CASE
             WHEN s.multi THEN '[' || COALESCE(r.texts, '') || ']' ELSE r.first END,
           '' ORDER BY s.n) AS parts,
         COALESCE(bool_or(r.odd), false) AS odd
  FROM unnest(%(schema_ids)s::bigint[], %(names)s::text[], %(multi)s::boolean[])
       WITH ORDINALITY AS s(id, name, multi, n)
  CROSS JOIN LATERAL (
    SELECT string_agg(v.text, ',' ORDER BY r.id) AS texts,
           (array_agg(v.text ORDER BY r.id))[1] AS first,
           COALESCE(bool_or(v.odd), false) AS odd
    FROM profiles_extensionrecord r
    CROSS JOIN LATERAL (
      SELECT '{{' || COALESCE(p.pairs, '') || '}}' AS text, p.odd
      FROM {_members("r.values", "p")}
    ) v
    WHERE r.customer_id = c.id AND r.schema_id = s.id
  ) r
) x
ORDER BY c.customer_id
"""  # noqa: S608 (constant SQL: every input is a bound parameter)

_FIRST = _CUSTOMER_DOCUMENTS_SQL.replace("{after}", "")
_NEXT = _CUSTOMER_DOCUMENTS_SQL.replace("{after}", "AND c.customer_id > %(after)s")


def document_text_rows(tenant, schemas: list, *, chunk: int) -> Iterator[list[tuple]]:
    """Lists of (row id, customer_id, text or None) in customer-id order, `chunk` customers per
    query (keyset on customer_id, as the Python path pages)."""
    params = {
        "tenant": tenant.pk,
        "limit": chunk,
        "schema_ids": [schema.pk for schema in schemas],
        "names": [schema.name for schema in schemas],
        "multi": [schema.type == ExtensionSchema.Type.MULTI for schema in schemas],
    }
    sql = _FIRST
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        sql, params["after"] = _NEXT, rows[-1][1]
