"""The one-record rule of single-valued and classifier extensions moves from a key row per
record (RecordKey item -1, hash "single") to the record's own row: a flag under a partial
unique constraint on (customer, schema). Undone, the key rows come back from the flags."""

from django.db import migrations, models

MULTI = "multi-valued"
SINGLE_ITEM = -1
SINGLE_RECORD_HASH = "single"
BATCH = 5000


def flag_single_records(apps, schema_editor):
    """Flag the records of every schema that is not multi-valued, then drop their key rows:
    the constraint (empty until now) holds what the key rows held."""
    ExtensionSchema = apps.get_model("profiles", "ExtensionSchema")
    ExtensionRecord = apps.get_model("profiles", "ExtensionRecord")
    RecordKey = apps.get_model("profiles", "RecordKey")
    singles = ExtensionSchema.objects.exclude(type=MULTI).values("pk")
    ExtensionRecord.objects.filter(schema__in=singles).update(one_per_customer=True)
    RecordKey.objects.filter(item=SINGLE_ITEM).delete()


def restore_single_keys(apps, schema_editor):
    """The key row of every flagged record, as the services wrote it before the flag."""
    ExtensionRecord = apps.get_model("profiles", "ExtensionRecord")
    RecordKey = apps.get_model("profiles", "RecordKey")
    flagged = ExtensionRecord.objects.filter(one_per_customer=True).order_by("pk")
    columns = ("pk", "tenant_id", "schema_id", "customer_id")
    batch = []
    for pk, tenant_id, schema_id, customer_id in flagged.values_list(*columns).iterator():
        batch.append(
            RecordKey(
                tenant_id=tenant_id,
                schema_id=schema_id,
                customer_id=customer_id,
                record_id=pk,
                item=SINGLE_ITEM,
                key_hash=SINGLE_RECORD_HASH,
            )
        )
        if len(batch) >= BATCH:
            RecordKey.objects.bulk_create(batch)
            batch = []
    RecordKey.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_lean_keys_and_indexes"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="extensionrecord",
            name="one_per_customer",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="extensionrecord",
            constraint=models.UniqueConstraint(
                condition=models.Q(("one_per_customer", True)),
                fields=("customer", "schema"),
                name="extrecord_one_per_customer",
            ),
        ),
        migrations.RunPython(flag_single_records, restore_single_keys),
    ]
