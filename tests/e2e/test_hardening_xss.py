"""Stored XSS: hostile text saved in every field that accepts free text renders as text. The
test fails if any page opens a dialog or runs a payload's script."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from csadmin.tenancy.models import Tenant
from csadmin.tenancy.services import create_tenant
from plugins.profiles import selectors as profile_reads
from plugins.profiles import services as profiles
from plugins.services import services as service_writes
from plugins.services.models import BusinessAttributeValue

pytestmark = pytest.mark.e2e

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '<img src=x onerror="window.__xss=1">',
    "</textarea></title><script>window.__xss=2</script>",
    "javascript:alert(1)",
    "{{7*7}}<b onmouseover=alert(1)>x</b>",
    '<iframe srcdoc="<script>parent.alert(1)</script>">',
]


def store_payloads(tenant, actor) -> dict:
    """Payloads in schema defaults, customer values, extension records, attached data,
    business attribute values, a tenant name and job arguments; answers what was made."""
    profiles.extension_schema_create(
        tenant=tenant,
        body={
            "name": "Remarks",
            "type": "multi-valued",
            "attributes": [
                {"name": "Kind", "type": "integer"},
                {"name": "Text", "type": "string", "length": 256, "default": PAYLOADS[0]},
            ],
        },
        actor=actor,
    )
    first_attribute = profile_reads.profile_schema(tenant).attributes[0]["name"]
    customers = []
    for n, payload in enumerate(PAYLOADS):
        body = {
            "customer_id": f"XSS{n}",
            "Remarks": [{"Kind": n, "Text": payload}, {"Kind": 100 + n}],
        }
        for attribute in profile_reads.profile_schema(tenant).attributes:
            if attribute["type"] == "string":
                body[attribute["name"]] = payload[: attribute.get("length", 256)]
        profiles.customer_create(tenant=tenant, body=body, actor=actor)
        customers.append(f"XSS{n}")
    assert first_attribute
    values = []
    for n, payload in enumerate(PAYLOADS):
        values.append(
            service_writes.business_value_add(
                tenant=tenant,
                attribute="Media.type",
                name=f"{payload} {n}",
                display_name=payload,
                description=payload,
                actor=actor,
            )
        )
    service_type = BusinessAttributeValue.objects.filter(
        attribute__tenant=tenant, attribute__name="Service.type"
    ).first()
    service = service_writes.service_start(
        tenant=tenant,
        body={
            "service_type": service_type.name if service_type else "Sales",
            "customer_id": "XSS0",
            "media_type": values[1].name,
            "disposition_desc": PAYLOADS[1],
            **{f"note{n}": payload for n, payload in enumerate(PAYLOADS)},
        },
        actor=actor,
    )
    hostile_tenant = create_tenant(name=PAYLOADS[1], actor=actor)
    from csadmin.jobs import JobRun

    # Stored as a row: enqueue_job refuses arguments the job does not declare, but a run kept
    # from an earlier version of a job may hold any JSON, and its page must show it as text.
    job = JobRun.objects.create(
        tenant=tenant,
        kind="sample.count_notes",
        plugin="sample",
        created_by=actor.get_username(),
        created_by_user=actor,
        arguments={"batch": 1, "note": PAYLOADS[0], PAYLOADS[3]: PAYLOADS[4]},
    )
    return {"service_id": service.service_id, "tenant": hostile_tenant, "job": job}


def test_stored_payloads_render_as_text_on_every_page(signed_in_page):
    page = signed_in_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    admin = get_user_model().objects.get(username="admin")
    tenant = Tenant.objects.get(name="Environment")
    made = store_payloads(tenant, admin)
    urls = [
        reverse("ui:dashboard"),
        reverse("profiles:customers"),
        reverse("profiles:customers") + "?q=XSS",
        *[reverse("profiles:customer", kwargs={"customer_id": f"XSS{n}"}) for n in (0, 1)],
        reverse("profiles:schemas"),
        reverse("profiles:schema-edit", kwargs={"name": "Remarks"}),
        reverse("services:service-list"),
        reverse("services:service-detail", kwargs={"service_id": made["service_id"]}),
        reverse("services:customer-tab", kwargs={"customer_id": "XSS0"}),
        reverse("services:attributes"),
        reverse("tenancy:tenants"),
        reverse("jobs:list"),
        reverse("jobs:detail", kwargs={"job_id": made["job"].pk}),
    ]
    shown = 0
    for url in urls:
        response = page.goto(page.base_url + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        shown += sum(payload in text for payload in PAYLOADS)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("img[src=x], svg[onload], iframe[srcdoc], b[onmouseover]").count() == 0
        assert not dialogs, (url, dialogs)
    assert shown >= len(PAYLOADS)  # the payloads were on the pages, as text
