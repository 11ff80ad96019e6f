"""Schemas, identification keys, customers and their extension records.

Attribute values live in JSON columns. Two derived tables make the rules index-backed:
RecordKey holds one hash per unique item of each multi-valued record under a database unique
constraint (so two concurrent writers cannot both win), and IdentityKey holds the hashed values
of each identification key per customer (so identifying a customer is an index lookup).
Both are rewritten by the services on every write; nothing else writes them. A single-valued
or classifier record carries its own rule: ExtensionRecord.one_per_customer under a partial
unique constraint on (customer, schema).
"""

from django.db import models
from django.db.models import Q


class ProfileSchema(models.Model):
    """The core attributes of every customer in a tenant."""

    tenant = models.OneToOneField(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="profile_schema"
    )
    attributes = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile schema of {self.tenant_id}"


class ExtensionSchema(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single-valued"
        MULTI = "multi-valued"
        CLASSIFIER = "classifier"

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=26)
    name_lower = models.CharField(max_length=26, editable=False)
    type = models.CharField(max_length=16, choices=Type.choices)
    attributes = models.JSONField(default=list)
    unique = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_lower"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name_lower"], name="extschema_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_multi(self) -> bool:
        return self.type == self.Type.MULTI


class IdentificationKey(models.Model):
    """Attributes that identify a customer, all from one source: the profile or one extension."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=26)
    name_lower = models.CharField(max_length=26, editable=False)
    # None: the core profile; otherwise the extension the attributes come from.
    extension = models.ForeignKey(
        ExtensionSchema, null=True, blank=True, on_delete=models.PROTECT, related_name="keys"
    )
    attributes = models.JSONField(default=list)
    unique = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]  # identify tries keys from the oldest
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name_lower"], name="idkey_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return self.extension.name if self.extension_id else "profile"


class Customer(models.Model):
    # customer_unique_id (tenant, customer_id) serves the tenant's lookups: no index of its own
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer_id = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer_id"], name="customer_unique_id")
        ]

    def __str__(self) -> str:
        return self.customer_id


class ExtensionRecord(models.Model):
    # The record's tenant repeats its customer's (the writers copy it from the customer), so
    # the database checks the customer's key alone: the tenant's would be a check per record
    # at every commit (a quarter of a bulk load's key checks) vouching for nothing more.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # extrecord_customer_schema (customer, schema) serves the customer's lookups
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    schema = models.ForeignKey(ExtensionSchema, on_delete=models.CASCADE, related_name="records")
    values = models.JSONField(default=dict)
    # Set when the schema is single-valued or a classifier (not multi-valued): the partial
    # constraint below is then the "a customer holds at most one record" rule, on the record's
    # own row (no key row to write beside it). Schema replace keeps it in step with the type.
    one_per_customer = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "schema"], name="extrecord_customer_schema")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "schema"],
                condition=Q(one_per_customer=True),
                name="extrecord_one_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.schema_id}/{self.customer_id}/{self.pk}"


class RecordKey(models.Model):
    """One hash per unique item of a multi-valued record. The constraint is the uniqueness
    rule. Single-valued and classifier records have no key row: their rule is
    ExtensionRecord.one_per_customer's constraint."""

    # The item a "one record only" collision is reported as (no row carries it).
    SINGLE_ITEM = -1

    # The key's tenant, schema and customer repeat its record's (recordkey_unique needs them
    # on the key's row). The record's foreign key vouches for them: the database checks only
    # that one, which halves a key row's cost on insert. recordkey_unique, led by customer,
    # serves the customer's lookups.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    schema = models.ForeignKey(
        ExtensionSchema, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    record = models.ForeignKey(ExtensionRecord, on_delete=models.CASCADE, related_name="keys")
    item = models.IntegerField()
    key_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "schema", "item", "key_hash"], name="recordkey_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id}:{self.item}"


class IdentityKey(models.Model):
    """The hashed leading values of an identification key for one customer: a row per prefix
    length (depth), so a lookup by the first n attributes of a key is one index probe."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    # identitykey_lookup (key, ...) and identitykey_customer serve these: no index of their own
    key = models.ForeignKey(
        IdentificationKey, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    depth = models.PositiveSmallIntegerField()
    value_hash = models.CharField(max_length=64)
    # Set on the full-depth rows of a unique key: the partial constraint enforces the key.
    unique_scope = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["key", "depth", "value_hash"], name="identitykey_lookup"),
            models.Index(fields=["customer"], name="identitykey_customer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "value_hash"],
                condition=Q(unique_scope=True),
                name="identitykey_unique_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_id}:{self.depth}:{self.customer_id}"
