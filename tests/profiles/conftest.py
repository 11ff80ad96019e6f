"""Fixtures of the profiles tests: a tenant with a profile schema, extension schemas and keys."""

import pytest

from plugins.profiles import services

PROFILE = {
    "attributes": [
        {"name": "FirstName", "type": "string", "length": 64},
        {"name": "LastName", "type": "string", "length": 64, "mandatory": True},
        {"name": "PhoneNumber", "type": "string", "length": 32},
        {"name": "EmailAddress", "type": "string"},
        {"name": "Age", "type": "integer"},
    ]
}
ADDRESS = {
    "name": "Address",
    "type": "multi-valued",
    "unique": ["AddressType", ["PostCode", "Country"]],
    "attributes": [
        {"name": "AddressType", "type": "integer", "default": 0},
        {"name": "Address", "type": "string", "length": 256, "mandatory": True},
        {"name": "PostCode", "type": "string", "length": 10},
        {"name": "Country", "type": "string", "length": 32},
    ],
}
LOYALTY = {
    "name": "Loyalty",
    "type": "single-valued",
    "attributes": [
        {"name": "Level", "type": "string", "length": 10, "default": "bronze"},
        {"name": "Points", "type": "long"},
        {"name": "Since", "type": "date"},
        {"name": "LastVisit", "type": "datetime"},
        {"name": "Balance", "type": "currency"},
        {"name": "Score", "type": "double"},
        {"name": "Active", "type": "boolean"},
    ],
}


@pytest.fixture
def schemas(tenant, admin):
    """Profile schema, Address (multi-valued, composite unique) and Loyalty (single-valued)."""
    services.profile_schema_set(tenant=tenant, body=PROFILE, actor=admin)
    services.extension_schema_create(tenant=tenant, body=ADDRESS, actor=admin)
    services.extension_schema_create(tenant=tenant, body=LOYALTY, actor=admin)
    return tenant


@pytest.fixture
def keys(schemas, admin):
    services.identification_key_create(
        tenant=schemas,
        body={"name": "ByPhone", "source": "profile", "attributes": ["PhoneNumber"]},
        actor=admin,
    )
    services.identification_key_create(
        tenant=schemas,
        body={"name": "ByName", "source": "profile", "attributes": ["LastName", "FirstName"]},
        actor=admin,
    )
    services.identification_key_create(
        tenant=schemas,
        body={"name": "ByPostCode", "source": "Address", "attributes": ["PostCode", "Country"]},
        actor=admin,
    )
    return schemas
