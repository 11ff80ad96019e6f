"""The one-record rule of single-valued and classifier extensions: the record's own row carries
it (one_per_customer under the partial constraint extrecord_one_per_customer), no key row
beside it. A second record that gets past the services' checks (another writer's, landed
first) is refused by the database with the API's answer for a duplicate; schema replace
keeps the flag in step with the type; the migration moves stored records to the flag."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from csadmin.pluginlib import ConflictError
from plugins.profiles import bulk, services
from plugins.profiles.bulk import writing
from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema, RecordKey
from tests.profiles.conftest import ADDRESS, LOYALTY

EXT = "metadata/profiles/extensions"
ONE_RECORD = "Loyalty is single-valued: a customer holds at most one record"


def points(tenant) -> list:
    return [values["Points"] for values in loyalty_records(tenant).values_list("values", flat=True)]


def loyalty_records(tenant, customer_id="C1"):
    return ExtensionRecord.objects.filter(
        customer__tenant=tenant, customer__customer_id=customer_id, schema__name="Loyalty"
    )


@pytest.fixture
def holder(api, schemas):
    """Customer C1 with a Loyalty record (single-valued) and two Address records (multi)."""
    response = api.post(
        "profiles",
        {
            "customer_id": "C1",
            "LastName": "Lee",
            "Loyalty": {"Points": 1},
            "Address": [
                {"AddressType": 1, "Address": "a", "PostCode": "1"},
                {"AddressType": 2, "Address": "b", "PostCode": "2"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    return Customer.objects.get(tenant=schemas, customer_id="C1")


@pytest.fixture
def rival_lands_first(monkeypatch):
    """Another writer's Loyalty record for the customer lands just before the services'
    insert (after their own checks): only the database can refuse the second one."""
    real = ExtensionRecord.objects.bulk_create

    def bulk_create(records, *args, **kwargs):
        for record in records:
            if record.schema.name == "Loyalty":
                ExtensionRecord.objects.create(
                    tenant_id=record.tenant_id,
                    customer_id=record.customer_id,
                    schema=record.schema,
                    values={"Points": 99},
                    one_per_customer=True,
                )
                break
        return real(records, *args, **kwargs)

    monkeypatch.setattr(ExtensionRecord.objects, "bulk_create", bulk_create)


def test_records_are_flagged_by_their_schema_type_and_single_ones_have_no_key_row(holder):
    flags = dict(
        ExtensionRecord.objects.filter(customer=holder).values_list(
            "schema__name", "one_per_customer"
        )
    )
    assert flags == {"Loyalty": True, "Address": False}
    assert not RecordKey.objects.filter(customer=holder, schema__name="Loyalty").exists()
    # two records, two unique items each
    assert RecordKey.objects.filter(customer=holder, schema__name="Address").count() == 4


def test_the_database_refuses_a_second_flagged_record_of_a_customer(holder):
    schema = ExtensionSchema.objects.get(tenant=holder.tenant, name="Loyalty")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtensionRecord.objects.create(
            tenant=holder.tenant, customer=holder, schema=schema, one_per_customer=True
        )
    # unflagged records (a multi-valued schema's) are not held to one
    address = ExtensionSchema.objects.get(tenant=holder.tenant, name="Address")
    ExtensionRecord.objects.create(tenant=holder.tenant, customer=holder, schema=address)


def test_a_second_record_through_the_api_is_refused_by_the_database(api, holder, rival_lands_first):
    response = api.post("profiles/C1/extensions", {"Loyalty": {"Points": 2}})
    assert response.status_code == ConflictError.status_code, response.json()
    assert response.json()["message"] == ONE_RECORD
    assert response.json()["errors"] == {"Loyalty": [ONE_RECORD]}
    assert points(holder.tenant) == [1]


def test_adding_a_second_record_is_refused_with_the_duplicate_answer(holder, admin):
    with pytest.raises(ConflictError) as refused:
        services.extension_record_add(
            tenant=holder.tenant,
            customer_id="C1",
            extension="Loyalty",
            values={"Points": 2},
            actor=admin,
        )
    assert str(refused.value) == ONE_RECORD
    assert loyalty_records(holder.tenant).count() == 1
    assert not RecordKey.objects.filter(customer=holder, schema__name="Loyalty").exists()


def test_the_bulk_import_reports_a_second_record_as_an_error_row(holder, monkeypatch):
    # the import drops the records it replaces; skipping that leaves the stored one in place,
    # as another writer's record would be: the database refuses the import's
    monkeypatch.setattr(writing, "_drop_replaced_records", lambda rows: None)
    rows = [{"customer_id": "C1", "Loyalty": {"Points": 2}}]
    result = bulk.import_customers_batch(holder.tenant, rows, mode="merge")
    assert result.problems == [(0, [("Loyalty", ONE_RECORD)])]
    assert result.counts["updated"] == 0
    assert points(holder.tenant) == [1]


def test_the_bulk_import_flags_the_records_it_writes(schemas):
    rows = [{"customer_id": f"B{n}", "LastName": "X", "Loyalty": {"Points": n}} for n in range(3)]
    result = bulk.import_customers_batch(schemas, rows, mode="create")
    assert result.problems == [] and result.counts["created"] == 3
    records = ExtensionRecord.objects.filter(schema__name="Loyalty")
    assert list(records.values_list("one_per_customer", flat=True)) == [True] * 3
    assert not RecordKey.objects.exists()


# -- schema replace follows the type ---------------------------------------------------------


def test_replace_multi_to_single_is_refused_while_a_customer_holds_two(api, holder):
    response = api.put(f"{EXT}/Address", {**ADDRESS, "type": "single-valued", "unique": []})
    assert response.status_code == 400, response.json()
    message = response.json()["message"]
    assert "1 existing records" in message and "more than one record" in message
    assert ExtensionSchema.objects.get(name="Address").type == "multi-valued"
    assert not ExtensionRecord.objects.filter(one_per_customer=True, schema__name="Address")


def test_replace_multi_to_single_flags_the_records_and_the_rule_holds(api, holder, admin):
    api.post("profiles/C1/extensions", {"Address": [{"Address": "only", "PostCode": "9"}]})
    response = api.put(f"{EXT}/Address", {**ADDRESS, "type": "single-valued", "unique": []})
    assert response.status_code == 200, response.json()
    records = ExtensionRecord.objects.filter(schema__name="Address")
    assert list(records.values_list("one_per_customer", flat=True)) == [True]
    assert not RecordKey.objects.filter(schema__name="Address").exists()
    with pytest.raises(ConflictError, match="Address is single-valued"):
        services.extension_record_add(
            tenant=holder.tenant,
            customer_id="C1",
            extension="Address",
            values={"Address": "second"},
            actor=admin,
        )


def test_replace_single_to_multi_lets_a_second_record_in(api, holder):
    response = api.put(f"{EXT}/Loyalty", {**LOYALTY, "type": "multi-valued"})
    assert response.status_code == 200, response.json()
    assert not loyalty_records(holder.tenant).filter(one_per_customer=True).exists()
    second = api.post("profiles/C1/extensions", {"Loyalty": [{"Points": 1}, {"Points": 2}]})
    assert second.status_code == 200, second.json()
    assert loyalty_records(holder.tenant).count() == 2


# -- the migration ---------------------------------------------------------------------------

BEFORE = [("profiles", "0002_lean_keys_and_indexes")]
AFTER = [("profiles", "0003_one_record_per_customer")]


def _stored_at(executor, state, tenant):
    """A single-valued record with its item -1 key row and a multi-valued one with its item
    key, written through the models of migration `state`."""
    apps = executor.loader.project_state(state).apps
    models = {n: apps.get_model("profiles", n) for n in ("ExtensionSchema", "Customer")}
    record, key = (
        apps.get_model("profiles", "ExtensionRecord"),
        apps.get_model("profiles", "RecordKey"),
    )
    customer = models["Customer"].objects.create(tenant_id=tenant.pk, customer_id="M1")
    made = {}
    for name, kind, item, digest in (
        ("Loyalty", "single-valued", -1, "single"),
        ("Address", "multi-valued", 0, "f" * 64),
    ):
        schema = models["ExtensionSchema"].objects.create(
            tenant_id=tenant.pk, name=name, name_lower=name.lower(), type=kind
        )
        made[name] = record.objects.create(
            tenant_id=tenant.pk, customer=customer, schema=schema, values={}
        )
        key.objects.create(
            tenant_id=tenant.pk,
            schema_id=schema.pk,
            customer_id=customer.pk,
            record=made[name],
            item=item,
            key_hash=digest,
        )
    return made


def _keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT record_id, item, key_hash FROM profiles_recordkey ORDER BY item")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_rule_to_the_flag_and_back(tenant):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        made = _stored_at(MigrationExecutor(connection), BEFORE, tenant)
        single, multi = made["Loyalty"].pk, made["Address"].pk
        MigrationExecutor(connection).migrate(AFTER)
        flags = dict(ExtensionRecord.objects.values_list("pk", "one_per_customer"))
        assert flags == {single: True, multi: False}
        assert _keys() == [(multi, 0, "f" * 64)]  # the single record's key row is gone

        MigrationExecutor(connection).migrate(BEFORE)  # and back: the key row again
        assert _keys() == [(single, -1, "single"), (multi, 0, "f" * 64)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
