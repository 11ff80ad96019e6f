"""One imported customer row, checked by the rules of `POST /profiles`: the body goes through
services.check_customer_body (the API's own check, not a copy), and its records through the
API's uniqueness rule. The schemas are read once per batch (ImportSchemas)."""

from __future__ import annotations

from dataclasses import dataclass

from csadmin.pluginlib import ValidationFailed
from plugins.profiles import selectors, services
from plugins.profiles.keys import record_key_hashes, value_hash
from plugins.profiles.models import ExtensionSchema, IdentificationKey
from plugins.profiles.values import BadValue, coerce

NO_PROFILE_SCHEMA = "There is no profile schema yet: define it before importing customers."


class RowProblems(Exception):
    """One import row broke rules: `problems` is a list of (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


def problems_of(error: ValidationFailed) -> list[tuple[str, str]]:
    found = [(f, reason) for f, reasons in (error.errors or {}).items() for reason in reasons]
    return found or [("row", str(error))]


@dataclass
class ImportSchemas:
    """What a batch checks its rows against: read once, held until the batch commits."""

    core: list
    extensions: dict[str, ExtensionSchema]  # by lower-case name
    keys: list[IdentificationKey]

    def find(self, name) -> ExtensionSchema | None:
        return self.extensions.get(name.lower()) if selectors.storable(name) else None

    def key(self, name: str) -> IdentificationKey | None:
        return next((k for k in self.keys if k.name_lower == name.lower()), None)

    def same_as(self, other: ImportSchemas) -> bool:
        """Whether rows checked against `other` are checked against these rules too."""
        return self._rules() == other._rules()

    def _rules(self) -> tuple:
        extensions = [
            (s.pk, s.name_lower, s.type, s.attributes, s.unique) for s in self.extensions.values()
        ]
        keys = [(k.pk, k.name_lower, k.attributes, k.unique, k.extension_id) for k in self.keys]
        return self.core, sorted(extensions), sorted(keys)


def import_schemas(tenant) -> ImportSchemas:
    """The tenant's schemas and keys, held for writing records (as the API's writers hold
    them); ValidationFailed when there is no profile schema (nothing can be imported)."""
    profile = selectors.profile_schema(tenant, for_records=True)
    if profile is None:
        raise ValidationFailed.from_errors({"file": [NO_PROFILE_SCHEMA]})
    rows = selectors.held_for_records(selectors.extension_schemas(tenant))
    return ImportSchemas(
        core=profile.attributes,
        extensions={schema.name_lower: schema for schema in rows},
        keys=list(selectors.identification_keys(tenant)),
    )


def row_customer_id(row, schemas: ImportSchemas, *, from_text: bool) -> str | None:
    """The row's customer_id by the API's rule; None when it has none. A bad id is reported
    after the body's own problems, as `POST /profiles` reports them."""
    if not isinstance(row, dict):
        raise RowProblems([("body", "must be a JSON object")])
    try:
        return services.checked_customer_id(row)
    except ValidationFailed as error:
        checked_row(row, schemas, from_text=from_text)
        raise RowProblems(problems_of(error)) from None


def checked_row(body: dict, schemas: ImportSchemas, *, from_text: bool):
    """(core values, [(schema, [record values])]) of a customer body, or RowProblems: the
    API's check, then its rule that no two records of a customer are equal on a unique item.
    `from_text`: the core values are text (a CSV's cells); records are JSON either way."""
    try:
        core, extensions = services.check_customer_body(
            body, schemas.core, schemas.find, from_text=from_text, records_from_text=False
        )
    except ValidationFailed as error:
        raise RowProblems(problems_of(error)) from None
    for schema, records in extensions:
        if not schema.is_multi:
            continue  # no unique items: one record at most, by the body's check
        seen = set()
        for values in records:
            for item, digest in record_key_hashes(schema, values):
                if (item, digest) in seen:
                    _message, errors = services.duplicate_record_rule(schema, item)
                    raise RowProblems([(f, r) for f, reasons in errors.items() for r in reasons])
                seen.add((item, digest))
    return core, extensions


def key_hashes(key: IdentificationKey, row: dict, schemas: ImportSchemas, *, from_text: bool):
    """The hashes of the full values of identification key `key` that the row gives (one per
    record for an extension's key; none when the row lacks one of its attributes): what the
    row is matched by. Values are read by the API's types (RowProblems when one is bad)."""
    if key.extension_id is None:
        sources, attributes = [row], schemas.core
    else:
        schema = next(s for s in schemas.extensions.values() if s.pk == key.extension_id)
        given = next((v for n, v in row.items() if n.lower() == schema.name_lower), None)
        sources = given if isinstance(given, list) else [] if given is None else [given]
        attributes = schema.attributes
    by_name = {attribute["name"]: attribute for attribute in attributes}
    hashes = []
    for source in sources:
        if not isinstance(source, dict):
            continue  # the row's check names it
        lowered = {str(name).lower(): value for name, value in source.items()}
        parts = [lowered.get(name.lower()) for name in key.attributes]
        if any(part is None or part == "" for part in parts):
            continue
        try:
            typed = [
                coerce(part, by_name[name], from_text=from_text and key.extension_id is None)
                for name, part in zip(key.attributes, parts, strict=True)
            ]
        except BadValue as bad:
            raise RowProblems([("match", f"identification key {key.name}: {bad}")]) from None
        hashes.append(value_hash(typed))
    return hashes
