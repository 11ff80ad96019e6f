"""Demo data for `make run`: a profile schema, three extension schemas, identification keys and
300 customers C000001..C000300 (other plug-ins' demos refer to these ids). Idempotent."""

from __future__ import annotations

import random

from plugins.profiles import services
from plugins.profiles.keys import record_key_rows
from plugins.profiles.models import (
    Customer,
    ExtensionRecord,
    ExtensionSchema,
    IdentificationKey,
    ProfileSchema,
    RecordKey,
)
from plugins.profiles.record_rules import validate_values

CUSTOMERS = 300
PROFILE = {
    "attributes": [
        {"name": "FirstName", "type": "string", "length": 64},
        {"name": "LastName", "type": "string", "length": 64, "mandatory": True},
        {"name": "PhoneNumber", "type": "string", "length": 32},
        {"name": "EmailAddress", "type": "string", "length": 128},
        {"name": "Title", "type": "string", "length": 16},
    ]
}
EXTENSIONS = [
    {
        "name": "Address",
        "type": "multi-valued",
        "unique": ["AddressType", ["PostCode", "Country"]],
        "attributes": [
            {"name": "AddressType", "type": "integer", "default": 0},
            {"name": "Address", "type": "string", "length": 256, "mandatory": True},
            {"name": "PostCode", "type": "string", "length": 10},
            {"name": "Country", "type": "string", "length": 32},
        ],
    },
    {
        "name": "Loyalty",
        "type": "single-valued",
        "attributes": [
            {"name": "Level", "type": "string", "length": 10, "default": "bronze"},
            {"name": "Points", "type": "long", "default": 0},
            {"name": "MemberSince", "type": "date"},
        ],
    },
    {"name": "VIP", "type": "classifier"},
]
KEYS = [
    {"name": "ByPhone", "source": "profile", "attributes": ["PhoneNumber"]},
    {"name": "ByEmail", "source": "profile", "attributes": ["EmailAddress"], "unique": True},
    {"name": "ByName", "source": "profile", "attributes": ["LastName", "FirstName"]},
    {"name": "ByPostCode", "source": "Address", "attributes": ["PostCode", "Country"]},
]
FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Tim"]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Berners",
    "Knuth",
    "Wirth",
]
TITLES = ["Mr", "Ms", "Dr", "Mx"]
COUNTRIES = ["BE", "FR", "DE", "NL", "US"]


def load_demo(*, tenant, actor) -> str:
    if not ProfileSchema.objects.filter(tenant=tenant).exists():
        services.profile_schema_set(tenant=tenant, body=PROFILE, actor=actor)
    for body in EXTENSIONS:
        if not ExtensionSchema.objects.filter(tenant=tenant, name_lower=body["name"].lower()):
            services.extension_schema_create(tenant=tenant, body=body, actor=actor)
    created = _customers(tenant)
    for body in KEYS:
        if not IdentificationKey.objects.filter(tenant=tenant, name_lower=body["name"].lower()):
            services.identification_key_create(tenant=tenant, body=body, actor=actor)
    return f"{created} customers added, {len(EXTENSIONS)} extension schemas, {len(KEYS)} keys"


def _customers(tenant) -> int:
    """The demo customers that are missing, written in bulk (keys index them afterwards)."""
    wanted = [f"C{n:06d}" for n in range(1, CUSTOMERS + 1)]
    existing = set(
        Customer.objects.filter(tenant=tenant, customer_id__in=wanted).values_list(
            "customer_id", flat=True
        )
    )
    missing = [customer_id for customer_id in wanted if customer_id not in existing]
    if not missing:
        return 0
    profile = ProfileSchema.objects.get(tenant=tenant).attributes
    schemas = {s.name: s for s in ExtensionSchema.objects.filter(tenant=tenant)}
    customers = Customer.objects.bulk_create(
        Customer(tenant=tenant, customer_id=cid, attributes=validate_values(_person(cid), profile))
        for cid in missing
    )
    customers = list(Customer.objects.filter(tenant=tenant, customer_id__in=missing))
    records = []
    for customer in customers:
        n = int(customer.customer_id[1:])
        for schema_name, values in _records(n):
            schema = schemas[schema_name]
            records.append(
                ExtensionRecord(
                    tenant=tenant,
                    customer=customer,
                    schema=schema,
                    values=validate_values(values, schema.attributes),
                    one_per_customer=not schema.is_multi,
                )
            )
    ExtensionRecord.objects.bulk_create(records)
    saved = ExtensionRecord.objects.filter(customer__in=customers).select_related("schema")
    RecordKey.objects.bulk_create(
        [key for record in saved for key in record_key_rows(record.schema, record)]
    )
    return len(customers)


def _person(customer_id: str) -> dict:
    n = int(customer_id[1:])
    pick = random.Random(n)  # the same person every run
    first, last = pick.choice(FIRST), pick.choice(LAST)
    return {
        "FirstName": first,
        "LastName": last,
        "PhoneNumber": f"+32 2 555 {n:04d}",
        "EmailAddress": f"{first.lower()}.{last.lower()}.{n}@example.com",
        "Title": pick.choice(TITLES),
    }


def _records(n: int) -> list[tuple[str, dict]]:
    pick = random.Random(-n)
    country = pick.choice(COUNTRIES)
    found = [
        (
            "Address",
            {
                "AddressType": 1,
                "Address": f"{n} Main Street",
                "PostCode": f"{1000 + n}",
                "Country": country,
            },
        )
    ]
    if n % 3 == 0:
        found.append(
            (
                "Address",
                {
                    "AddressType": 2,
                    "Address": f"{n} Office Park",
                    "PostCode": f"{5000 + n}",
                    "Country": country,
                },
            )
        )
    if n % 2 == 0:
        found.append(
            (
                "Loyalty",
                {
                    "Level": pick.choice(["bronze", "silver", "gold"]),
                    "Points": n * 10,
                    "MemberSince": f"20{10 + n % 15}-01-15",
                },
            )
        )
    if n % 10 == 0:
        found.append(("VIP", {}))
    return found
