"""List APIs cost a fixed number of queries whatever the page size."""

import pytest

from plugins.profiles import services

LIST_QUERIES = 4  # tenant, privileges, disabled plug-ins, the page: nothing per row


def _schemas(tenant, admin, count):
    for n in range(count):
        services.extension_schema_create(
            tenant=tenant,
            body={
                "name": f"S{n}",
                "type": "multi-valued",
                "attributes": [{"name": "A", "type": "string"}],
            },
            actor=admin,
        )


@pytest.mark.parametrize("count", [2, 30])
def test_extension_schema_list_queries(api, tenant, admin, count, django_assert_max_num_queries):
    _schemas(tenant, admin, count)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(f"metadata/profiles/extensions?page_size={count}")
    assert len(response.json()) == count


@pytest.mark.parametrize("count", [2, 20])
def test_identification_key_list_queries(api, schemas, admin, count, django_assert_max_num_queries):
    for n in range(count):
        services.identification_key_create(
            tenant=schemas,
            body={
                "name": f"K{n}",
                "source": "Address" if n % 2 else "profile",
                "attributes": ["PostCode" if n % 2 else "LastName"],
            },
            actor=admin,
        )
    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("metadata/identification-keys?page_size=100")
    assert len(response.json()) == count


@pytest.mark.parametrize("count", [2, 25])
def test_identify_queries(api, keys, admin, count, django_assert_max_num_queries):
    for n in range(count):
        services.customer_create(
            tenant=keys,
            body={
                "customer_id": f"C{n}",
                "LastName": "Doe",
                "Address": [{"Address": "x", "PostCode": str(n), "AddressType": n}],
            },
            actor=admin,
        )
    # + extension schemas, keys, the profile schema, every record of the page in one query
    with django_assert_max_num_queries(LIST_QUERIES + 4):
        response = api.get("profiles?LastName=Doe&extensions=*&page_size=100")
    assert len(response.json()) == count
    assert all(len(item["Address"]) == 1 for item in response.json())
