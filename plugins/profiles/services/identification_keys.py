"""The writes of identification keys (spec §2): create (its index built at once) and
delete. Audited and refused in production mode."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from csadmin.pluginlib import ValidationFailed, require_maintenance_mode
from csadmin.pluginlib.storable import echo
from plugins.profiles import selectors
from plugins.profiles.models import IdentificationKey, IdentityKey
from plugins.profiles.schema_rules import Errors, name_problems, parse_flag
from plugins.profiles.services.common import audit
from plugins.profiles.services.identity import rebuild_key_index


def identification_key_create(*, tenant, body, actor) -> IdentificationKey:
    require_maintenance_mode(tenant)
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    errors = Errors()
    for unknown in sorted(set(body) - {"name", "source", "attributes", "unique"}):
        errors.add(unknown, "is not a field of an identification key")
    for problem in name_problems(body.get("name")):
        errors.add("name", problem)
    unique = parse_flag(body.get("unique", False), "unique", errors)
    source = body.get("source", "profile")
    extension, source_attributes = _key_source(tenant, source, errors)
    names = _key_attributes(body.get("attributes"), extension, source_attributes, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            key = IdentificationKey.objects.create(
                tenant=tenant,
                name=body["name"],
                name_lower=body["name"].lower(),
                extension=extension,
                attributes=names,
                unique=unique,
            )
            rebuild_key_index(key)
            audit(
                tenant,
                actor,
                "identification_key.create",
                "identification_key",
                key.name,
                after=selectors.key_document(key),
            )
    except IntegrityError:
        raise ValidationFailed.from_errors(
            {"name": [f"an identification key named {body['name']} exists (names ignore case)"]}
        ) from None
    return key


def _key_source(tenant, source, errors: Errors):
    if not isinstance(source, str) or not source:
        errors.add("source", 'must be "profile" or the name of an extension schema')
        return None, []
    if source.lower() == "profile":
        schema = selectors.profile_schema(tenant)
        return None, schema.attributes if schema else []
    extension = selectors.find_extension_schema(tenant, source)
    if extension is None:
        errors.add("source", f"names {echo(source)}, which is not an extension schema")
        return None, []
    return extension, extension.attributes


def _key_attributes(raw, extension, source_attributes, errors: Errors) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        errors.add("attributes", "must be a non-empty list of attribute names")
        return []
    by_lower = {attribute["name"].lower(): attribute["name"] for attribute in source_attributes}
    names = []
    for index, name in enumerate(raw):
        if "." in name:
            prefix, _, name = name.partition(".")
            if extension is None or prefix.lower() != extension.name_lower:
                errors.add(f"attributes[{index}]", "all attributes of a key come from its source")
                continue
        if name.lower() not in by_lower:
            source = extension.name if extension else "the profile schema"
            errors.add(f"attributes[{index}]", f"{echo(name)} is not an attribute of {source}")
            continue
        names.append(by_lower[name.lower()])
    if len(set(names)) != len(names):
        errors.add("attributes", "names an attribute twice")
    return names


def identification_key_delete(*, tenant, name: str, actor) -> None:
    require_maintenance_mode(tenant)
    with transaction.atomic():
        key = selectors.identification_key(tenant, name)
        document = selectors.key_document(key)
        IdentityKey.objects.filter(key=key).delete()
        key.delete()
        audit(
            tenant,
            actor,
            "identification_key.delete",
            "identification_key",
            document["name"],
            before=document,
        )
