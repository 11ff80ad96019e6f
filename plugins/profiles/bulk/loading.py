"""Loading checked customer rows, a batch per short transaction, set-based: a few queries per
batch whatever its size. Modes (spec §8): `create` skips a customer that is there, `merge`
lays the given core attributes over the stored ones, `replace` is `PUT /profiles/{id}`; the
given extensions replace the customer's records in both. Rows are matched by customer_id or
by an identification key's values.

Uniqueness is the API's: a customer id, the records of one customer (rows.checked_row) and
unique identification keys, checked between the rows of a batch and against the database; on
PostgreSQL the database's constraints decide when another writer gets there first (the batch
is then loaded again row by row, and the losing rows are reported)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction

from csadmin.pluginlib import ValidationFailed
from plugins.profiles import selectors, services
from plugins.profiles.bulk.rows import (
    ImportSchemas,
    RowProblems,
    checked_row,
    import_schemas,
    key_hashes,
    row_customer_id,
)
from plugins.profiles.bulk.writing import write_rows
from plugins.profiles.keys import identity_rows
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey

MODES = ("create", "merge", "replace")
MATCH_BY_ID = "customer_id"
COUNTS = ("created", "updated", "unchanged", "skipped")


@dataclass
class BatchResult:
    """What a batch did: counts, and the problems of its bad rows by position in the batch."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    problems: list = field(default_factory=list)  # (position, [(field, reason)])
    stopped: bool = False  # it reached stop_at bad rows: nothing of it was written

    def add(self, other: BatchResult, offset: int = 0) -> None:
        for key, value in other.counts.items():
            self.counts[key] += value
        self.problems += [(position + offset, found) for position, found in other.problems]


def check_match(tenant, match: str) -> None:
    """400 naming `match` unless it is customer_id or an identification key of the tenant."""
    if match == MATCH_BY_ID:
        return
    names = [key.name for key in selectors.identification_keys(tenant)]
    if not any(name.lower() == str(match).lower() for name in names):
        known = ", ".join(["customer_id", *names])
        raise ValidationFailed.from_errors(
            {"match": [f"must be customer_id or an identification key ({known})"]}
        )


def import_customers_batch(
    tenant,
    rows: list,
    *,
    mode: str,
    match: str = MATCH_BY_ID,
    dry_run: bool = False,
    from_text: bool = False,
    stop_at: int | None = None,
) -> BatchResult:
    """Check and load one batch of rows (dicts as read from a file) in one transaction: a
    CustomerImport's prepare then load, for a caller with a single batch."""
    load = CustomerImport(tenant, mode=mode, match=match, dry_run=dry_run, from_text=from_text)
    return load.load(load.prepare(rows), stop_at=stop_at)


def _in_transaction(work, dry_run: bool, stop_at=None, on_written=None) -> BatchResult:
    with transaction.atomic():
        result = work()
        if on_written is not None:
            on_written()
        stopped = stop_at is not None and len(result.problems) >= stop_at
        if dry_run or stopped:
            transaction.set_rollback(True)
        result.stopped = stopped
    return result


@dataclass(eq=False)
class _Row:
    position: int
    raw: dict
    customer_id: str | None
    hashes: list | tuple  # () when the import matches by id: one less object per row
    checked: tuple | RowProblems  # the body's check alone: (core, extensions) or its problems
    target: Customer | None = None
    core: dict | None = None
    extensions: list | None = None


@dataclass
class Prepared:
    """A batch's rows checked on their own (no database): what `CustomerImport.load` writes."""

    schemas: ImportSchemas  # what the rows were checked against
    raws: list
    rows: list[_Row]
    problems: list  # (position, [(field, reason)]) of rows refused before any lookup


class CustomerImport:
    """One import's rows, a batch at a time, in two steps. `prepare` reads and checks a batch's
    rows by the API's rules and touches no database, so a caller may prepare the next batch
    in another thread while `load` writes this one. `load` writes a prepared batch in one
    transaction, against the schemas it holds there: when they changed since the batch was
    prepared, the batch is checked again first. `dry_run` checks everything the same way,
    then rolls the batch back; so does a batch with `stop_at` bad rows or more (an import
    stopping at its max_errors writes none of it). `from_text`: core values are text (CSV)."""

    def __init__(self, tenant, *, mode: str, match=MATCH_BY_ID, dry_run=False, from_text=False):
        if mode not in MODES:
            raise ValidationFailed.from_errors({"mode": ["must be create, merge or replace"]})
        self.tenant, self.mode, self.match = tenant, mode, match
        self.dry_run, self.from_text = dry_run, from_text
        self.schemas = import_schemas(tenant)

    def prepare(self, rows: list) -> Prepared:
        schemas = self.schemas
        key = schemas.key(self.match) if self.match != MATCH_BY_ID else None
        prepared = Prepared(schemas, rows, [], [])
        for position, raw in enumerate(rows):
            try:
                customer_id = row_customer_id(raw, schemas, from_text=self.from_text)
                hashes = key_hashes(key, raw, schemas, from_text=self.from_text) if key else ()
            except RowProblems as bad:
                prepared.problems.append((position, bad.problems))
                continue
            try:
                checked = checked_row(raw, schemas, from_text=self.from_text)
            except RowProblems as bad:
                checked = bad
            prepared.rows.append(_Row(position, raw, customer_id, hashes, checked))
        return prepared

    def load(self, prepared: Prepared, *, stop_at: int | None = None, on_written=None):
        """`on_written` is called once the batch is written, before its commit: a caller that
        checks its next batch in another thread starts it there, so the checks run while
        the database commits (its key checks) rather than slow this batch's round trips."""
        try:
            return _in_transaction(lambda: self._load(prepared), self.dry_run, stop_at, on_written)
        except IntegrityError:
            pass  # another writer took a key first: the database decides, row by row
        result = BatchResult()
        for position, raw in enumerate(prepared.raws):
            try:
                one = _in_transaction(lambda raw=raw: self._load(self.prepare([raw])), self.dry_run)
                result.add(one, position)
            except IntegrityError:
                result.problems.append((position, self.conflict_problems(raw)))
        return result

    def _load(self, prepared: Prepared) -> BatchResult:
        """Rows naming a customer an earlier row of the batch names wait for the next wave,
        so each sees what the earlier one wrote (as one API call after another would)."""
        schemas = import_schemas(self.tenant)
        key = self._match_key(schemas)
        if not schemas.same_as(prepared.schemas):
            self.schemas = schemas
            prepared = self.prepare(prepared.raws)
        result, pending = BatchResult(), prepared.rows
        result.problems += prepared.problems
        while pending:
            wave, pending = _one_wave(pending)
            self.load_wave(wave, schemas, key, result)
        return result

    def _match_key(self, schemas: ImportSchemas):
        if self.match == MATCH_BY_ID:
            return None
        key = schemas.key(self.match)
        if key is None:
            check_match(self.tenant, self.match)
        return key

    def conflict_problems(self, raw) -> list:
        """Why a row lost to another writer: a record of a single-valued extension the
        customer holds already, its customer id, or a unique key's values."""
        customer_id = raw.get("customer_id") if isinstance(raw, dict) else None
        there = Customer.objects.filter(tenant=self.tenant, customer_id=customer_id).first()
        if customer_id and there is not None:
            # a create row lost on the customer id; a merge or replace row only on a record
            held = self._held_single_records(raw, there) if self.mode != "create" else []
            return held or [("customer_id", f"a customer {customer_id} exists")]
        names = ", ".join(k.name for k in selectors.identification_keys(self.tenant) if k.unique)
        _message, errors = services.identity_conflict_rule(names)
        return [(f, reason) for f, reasons in errors.items() for reason in reasons]

    def _held_single_records(self, raw: dict, customer: Customer) -> list:
        """The one-record rule's problems (the API's duplicate message) of the single-valued and
        classifier extensions the row gives and the customer holds a record of."""
        given = {str(name).lower() for name, value in raw.items() if value is not None}
        singles = [
            schema
            for name, schema in self.schemas.extensions.items()
            if name in given and not schema.is_multi
        ]
        for schema in singles:
            if ExtensionRecord.objects.filter(customer=customer, schema=schema).exists():
                _message, errors = services.duplicate_record_rule(schema, RecordKey.SINGLE_ITEM)
                return [(f, reason) for f, reasons in errors.items() for reason in reasons]
        return []

    # -- one wave: no two rows name the same customer ----------------------------------------

    def _checked(self, row: _Row, schemas: ImportSchemas):
        """The row's checked values: a merge checks the stored attributes with the row's
        laid over them; otherwise the row's own check stands."""
        if row.target is not None and self.mode == "merge":
            body = {**row.target.attributes, **row.raw}
            return checked_row(body, schemas, from_text=self.from_text)
        if isinstance(row.checked, RowProblems):
            raise row.checked
        return row.checked

    def load_wave(self, wave: list[_Row], schemas: ImportSchemas, key, result: BatchResult):
        by_id, by_hash = _existing(self.tenant, wave, key)
        writes = []
        for row in wave:
            try:
                row.target = _target(row, by_id, by_hash, key)
                if row.target is not None and self.mode == "create":
                    result.counts["skipped"] += 1
                    continue
                row.core, row.extensions = self._checked(row, schemas)
            except RowProblems as bad:
                result.problems.append((row.position, bad.problems))
                continue
            writes.append(row)
        stored = _stored_records([row.target for row in writes if row.target is not None])
        changed = []
        for row in writes:
            if row.target is not None and _unchanged(row, stored):
                result.counts["unchanged"] += 1
            else:
                changed.append(row)
        identities = {id(row): _identity_rows(self.tenant, row, schemas, stored) for row in changed}
        clashes = _identity_clashes(self.tenant, changed, identities, schemas.keys)
        for row in [row for row in changed if id(row) in clashes]:
            result.problems.append((row.position, clashes[id(row)]))
        changed = [row for row in changed if id(row) not in clashes]
        fresh = sum(1 for row in changed if row.target is None)
        write_rows(self.tenant, changed, identities)
        result.counts["created"] += fresh
        result.counts["updated"] += len(changed) - fresh


def _one_wave(rows: list[_Row]):
    """The rows that name no customer (id or key values) an earlier one names; the rest."""
    wave, later, seen = [], [], set()
    for row in rows:
        names = {("id", row.customer_id)} if row.customer_id else set()
        names |= {("key", digest) for digest in row.hashes}
        if names & seen:
            later.append(row)
        else:
            seen |= names
            wave.append(row)
    return wave, later


def _existing(tenant, wave: list[_Row], key):
    """The stored customers the wave's rows name: by customer id, and by key hash (customer
    lists); locked as the API's writers lock a customer."""
    customers = Customer.objects.filter(tenant=tenant)
    if connection.vendor == "postgresql":
        customers = customers.select_for_update(no_key=True)
    ids = [row.customer_id for row in wave if row.customer_id]
    by_id = {c.customer_id: c for c in _customers_named(tenant, ids)} if ids else {}
    by_hash: dict[str, list] = {}
    hashes = [digest for row in wave for digest in row.hashes]
    if key is not None and hashes:
        found = IdentityKey.objects.filter(
            key=key, depth=len(key.attributes), value_hash__in=hashes
        ).values_list("value_hash", "customer_id")
        pks = {pk for _, pk in found}
        by_pk = {c.pk: c for c in customers.filter(pk__in=pks)} if pks else {}
        for digest, pk in found:
            by_hash.setdefault(digest, []).append(by_pk[pk])
    return by_id, by_hash


def _customers_named(tenant, ids: list[str]):
    """The tenant's customers of these ids, locked as the API's writers lock a customer. On
    PostgreSQL the ids go as one array parameter: an IN list of a batch's thousand ids
    costs more to send and to parse than the lookup itself."""
    if connection.vendor != "postgresql":
        return Customer.objects.filter(tenant=tenant, customer_id__in=ids)
    table = connection.ops.quote_name(Customer._meta.db_table)
    return Customer.objects.raw(
        f"SELECT * FROM {table} WHERE tenant_id = %s AND customer_id = ANY(%s) "  # noqa: S608 - own table
        "FOR NO KEY UPDATE",
        [tenant.pk, ids],
    )


def _target(row: _Row, by_id: dict, by_hash: dict, key) -> Customer | None:
    """The stored customer the row is about, or None (the row creates one)."""
    if key is None:
        return by_id.get(row.customer_id) if row.customer_id else None
    matched = {c.pk: c for digest in row.hashes for c in by_hash.get(digest, [])}
    if len(matched) > 1:
        raise RowProblems(
            [("match", f"matches {len(matched)} customers through identification key {key.name}")]
        )
    target = next(iter(matched.values()), None)
    if target is not None and row.customer_id and row.customer_id != target.customer_id:
        raise RowProblems(
            [
                (
                    "customer_id",
                    f"the row matches customer {target.customer_id} "
                    f"through identification key {key.name}",
                )
            ]
        )
    if target is None and row.customer_id in by_id:
        raise RowProblems([("customer_id", f"a customer {row.customer_id} exists")])
    return target


def _stored_records(customers: list) -> dict:
    """(customer pk, schema pk) -> [record values] in record order, for these customers."""
    stored: dict = {}
    if customers:
        rows = ExtensionRecord.objects.filter(customer__in=[c.pk for c in customers])
        for customer_pk, schema_pk, values in rows.order_by("pk").values_list(
            "customer_id", "schema_id", "values"
        ):
            stored.setdefault((customer_pk, schema_pk), []).append(values)
    return stored


def _unchanged(row: _Row, stored: dict) -> bool:
    if row.core != row.target.attributes:
        return False
    return all(
        stored.get((row.target.pk, schema.pk), []) == values for schema, values in row.extensions
    )


def _identity_rows(tenant, row: _Row, schemas: ImportSchemas, stored: dict) -> list:
    """The row's customer's identity rows once written (customer pk set at the write)."""
    if not schemas.keys:
        return []
    given = {schema.pk: values for schema, values in row.extensions}
    records = {}
    for schema in schemas.extensions.values():
        if schema.pk in given:
            values = given[schema.pk]
        elif row.target is not None:
            values = stored.get((row.target.pk, schema.pk), [])
        else:
            values = []
        records[schema.pk] = [SimpleNamespace(values=v) for v in values]
    customer = SimpleNamespace(tenant_id=tenant.pk, pk=None, attributes=row.core)
    return identity_rows(schemas.keys, customer, records)


def _identity_clashes(tenant, rows: list[_Row], identities: dict, keys: list) -> dict:
    """id(row) -> problems, for rows whose unique key values an earlier row of the wave or
    another stored customer holds (the API's message)."""
    names = {key.pk: key.name for key in keys}
    wanted = {
        (item.key_id, item.value_hash): row
        for row in reversed(rows)
        for item in identities[id(row)]
        if item.unique_scope
    }
    held = {}
    if wanted:
        found = IdentityKey.objects.filter(
            tenant=tenant,
            unique_scope=True,
            key_id__in={k for k, _ in wanted},
            value_hash__in={h for _, h in wanted},
        ).values_list("key_id", "value_hash", "customer_id")
        held = {(k, h): pk for k, h, pk in found}
    clashes, taken = {}, {}
    for row in rows:
        own = row.target.pk if row.target is not None else None
        for item in identities[id(row)]:
            if not item.unique_scope:
                continue
            slot = (item.key_id, item.value_hash)
            holder = held.get(slot)
            if slot in taken or (holder is not None and holder != own):
                _message, errors = services.identity_conflict_rule(names[item.key_id])
                clashes[id(row)] = [(f, r) for f, reasons in errors.items() for r in reasons]
                break
        else:
            for item in identities[id(row)]:
                if item.unique_scope:
                    taken[(item.key_id, item.value_hash)] = row
    return clashes
