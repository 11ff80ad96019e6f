from plugins.profiles.demo import load_demo
from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema, IdentificationKey
from plugins.profiles.selectors import identify


def test_demo_is_complete_and_idempotent(tenant, admin):
    load_demo(tenant=tenant, actor=admin)
    load_demo(tenant=tenant, actor=admin)
    assert Customer.objects.filter(tenant=tenant).count() == 300
    ids = set(Customer.objects.values_list("customer_id", flat=True))
    assert {"C000001", "C000150", "C000300"} <= ids
    assert ExtensionSchema.objects.filter(tenant=tenant).count() == 3
    assert IdentificationKey.objects.filter(tenant=tenant).count() == 4
    assert ExtensionRecord.objects.filter(schema__name="Address").count() == 400
    found = identify(tenant, {"PhoneNumber": "+32 2 555 0042"}, None)
    assert [c.customer_id for c in found] == ["C000042"]
    found = identify(tenant, {"Address.PostCode": "1007"}, None)
    assert [c.customer_id for c in found] == ["C000007"]
