"""The checks every endpoint owes (csadmin.testing), for the profiles plug-in's API: tenancy,
the privilege row, refusals naming the field, keyset paging and list query counts."""

from __future__ import annotations

import copy

from csadmin.testing import (
    CreateEndpointChecks,
    DeleteEndpointChecks,
    GetEndpointChecks,
    ListEndpointChecks,
    UpdateEndpointChecks,
    unique_number,
)
from plugins.profiles import services
from plugins.profiles.models import Customer, ExtensionSchema, IdentificationKey
from tests.profiles.conftest import ADDRESS, PROFILE

EXT = "metadata/profiles/extensions"
KEYS = "metadata/identification-keys"
LIST_QUERIES = 2  # the grant (tenant and privileges at once), the page: nothing per row


def schema_body(name: str) -> dict:
    return {"name": name, "type": "multi-valued", "attributes": [{"name": "A", "type": "string"}]}


class ExtensionSchemaFactory:
    key_field = "name"

    def make(self, tenant):
        name = f"S{unique_number()}"
        return services.extension_schema_create(tenant=tenant, body=schema_body(name), actor=None)

    def key_of(self, obj):
        return obj.name


class TestExtensionSchemas(ExtensionSchemaFactory, ListEndpointChecks, CreateEndpointChecks):
    list_url = create_url = EXT
    list_queries = LIST_QUERIES
    bad_body, bad_field = {**ADDRESS, "name": "1Address"}, "name"

    def create_body(self, tenant):
        return schema_body(f"S{unique_number()}")

    def count(self, tenant):
        return ExtensionSchema.objects.filter(tenant=tenant).count()


class TestExtensionSchema(
    ExtensionSchemaFactory, GetEndpointChecks, UpdateEndpointChecks, DeleteEndpointChecks
):
    detail_url = EXT + "/{key}"
    missing_url = EXT + "/Nope"
    update_method = "PUT"

    def update_body(self, obj):
        body = schema_body(obj.name)
        body["attributes"].append({"name": "Floor", "type": "integer", "default": 1})
        return body

    bad_update_body, bad_update_field = schema_body("Renamed"), "name"  # a PUT cannot rename


class WithProfileSchema:
    def prepare(self, tenant):
        services.profile_schema_set(tenant=tenant, body=PROFILE, actor=None)


class IdentificationKeyFactory(WithProfileSchema):
    key_field = "name"

    def make(self, tenant):
        body = {"name": f"K{unique_number()}", "source": "profile", "attributes": ["LastName"]}
        return services.identification_key_create(tenant=tenant, body=body, actor=None)

    def key_of(self, obj):
        return obj.name


class TestIdentificationKeys(IdentificationKeyFactory, ListEndpointChecks, CreateEndpointChecks):
    list_url = create_url = KEYS
    list_queries = LIST_QUERIES
    bad_body = {"name": "K", "source": "profile", "attributes": ["Shoe"]}
    bad_field = "attributes[0]"

    def create_body(self, tenant):
        return {"name": f"K{unique_number()}", "source": "profile", "attributes": ["Age"]}

    def count(self, tenant):
        return IdentificationKey.objects.filter(tenant=tenant).count()


class TestIdentificationKey(IdentificationKeyFactory, GetEndpointChecks, DeleteEndpointChecks):
    detail_url = KEYS + "/{key}"
    missing_url = KEYS + "/Nope"


class CustomerFactory(WithProfileSchema):
    """Customers named Doe with one Address record; identified by LastName."""

    key_field = "customer_id"

    def prepare(self, tenant):
        super().prepare(tenant)
        services.extension_schema_create(tenant=tenant, body=copy.deepcopy(ADDRESS), actor=None)
        by_name = {"name": "ByName", "source": "profile", "attributes": ["LastName"]}
        services.identification_key_create(tenant=tenant, body=by_name, actor=None)

    def make(self, tenant):
        n = unique_number()
        body = {
            "customer_id": f"C{n}",
            "LastName": "Doe",
            "Address": [{"Address": "x", "PostCode": str(n), "AddressType": n}],
        }
        return services.customer_create(tenant=tenant, body=body, actor=None)

    def key_of(self, obj):
        return obj.customer_id


class TestCustomers(CustomerFactory, ListEndpointChecks, CreateEndpointChecks):
    # identify: + the extension schemas, the keys, the profile schema, the page's records
    list_url = "profiles?LastName=Doe&extensions=*"
    list_queries = LIST_QUERIES + 4
    create_url = "profiles"
    bad_body, bad_field = {"LastName": 5}, "LastName"

    def create_body(self, tenant):
        return {"customer_id": f"C{unique_number()}", "LastName": "Doe"}

    def count(self, tenant):
        return Customer.objects.filter(tenant=tenant).count()

    def test_identify_answers_each_customers_records(self):
        for _ in range(3):
            self.make(self.tenant)
        found = self.admin(self.tenant).get(self.list_url).json()
        assert len(found) == 3 and all(len(item["Address"]) == 1 for item in found)


class TestCustomer(CustomerFactory, GetEndpointChecks, UpdateEndpointChecks, DeleteEndpointChecks):
    detail_url = "profiles/{key}"
    missing_url = "profiles/C0"
    update_method = "PUT"
    bad_update_body, bad_update_field = {"FirstName": "x"}, "LastName"  # LastName is mandatory
    deleted_status = 200

    def update_body(self, obj):
        return {"LastName": "Roe"}
