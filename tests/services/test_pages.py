"""Pages: the services list, a service, its actions, the customer tab, business attributes."""

import re

import pytest
from django.urls import reverse

from csadmin.audit.models import AuditEntry
from csadmin.testing import make_user
from plugins.services import services
from plugins.services.models import BusinessAttribute, BusinessAttributeValue, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, admin, tenant):
    client.force_login(admin)  # admin's default tenant is `tenant`
    return client


@pytest.fixture
def journey(tenant, admin):
    service, _, _ = services.service_start_composite(
        tenant=tenant,
        body={
            "service_type": "Sales",
            "customer_id": "C000001",
            "note": "<script>alert(1)</script>",
            "states": [{"state_type": "Queue"}],
            "tasks": [{"task_type": "Call", "state_index": 0}],
        },
        actor=admin,
    )
    return service


def test_service_page_shows_timeline_tables_data_and_history(browser, journey):
    response = browser.get(reverse("services:service-detail", args=[journey.service_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="timeline"' in html and "<rect" in html
    assert html.count('class="bar bar-') == 3  # service, one state, one task
    assert "bar-active" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # attached data escaped
    assert "<script>alert(1)</script>" not in html
    assert "service.start" in html and "End state 1" in html


def test_service_page_queries_do_not_grow_with_states(
    browser, journey, tenant, admin, django_assert_max_num_queries
):
    url = reverse("services:service-detail", args=[journey.service_id])
    browser.get(url)
    with django_assert_max_num_queries(14):
        browser.get(url)
    for _ in range(15):
        services.state_start(
            tenant=tenant, service_id=journey.service_id, body={"state_type": "S"}, actor=admin
        )
    with django_assert_max_num_queries(14):
        browser.get(url)


def test_unknown_service_page_is_404(browser):
    assert browser.get(reverse("services:service-detail", args=["nope"])).status_code == 404


def test_end_state_action_moves_it_to_completed(browser, journey):
    url = reverse("services:state-end", args=[journey.service_id, 1])
    response = browser.post(url, follow=True)  # the confirmation page's "Yes"
    assert response.status_code == 200
    assert 'data-state="1" data-status="completed"' in response.content.decode()
    again = browser.post(url, follow=True)
    assert "already ended" in again.content.decode()


def test_ending_asks_first_naming_the_tenant_and_what_ends(browser, tenant, journey):
    page = browser.get(reverse("services:state-end", args=[journey.service_id, 1]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Are you sure you want to end state 1 of service {journey.service_id}?" in html
    assert f'data-testid="confirm-tenant">{tenant.name}<' in html
    assert "<span>Its active tasks</span>: <strong>1</strong>" in html
    assert "confirm(" not in html
    assert journey.states.get(state_id=1).completed_at is None  # asking is not ending
    service_page = browser.get(reverse("services:service-detail", args=[journey.service_id]))
    assert "confirm(" not in service_page.content.decode()


def test_ending_a_state_takes_a_disposition_of_the_tenant(browser, tenant, journey):
    attribute = BusinessAttribute.objects.create(tenant=tenant, name="Disposition")
    BusinessAttributeValue.objects.create(attribute=attribute, name="Resolved")
    url = reverse("services:state-end", args=[journey.service_id, 1])
    assert '<option value="Resolved">Resolved</option>' in browser.get(url).content.decode()
    refused = browser.post(url, {"disposition": "Lost"})
    assert refused.status_code == 400 and "Disposition: Select a valid choice" in (
        refused.content.decode()
    )
    assert journey.states.get(state_id=1).completed_at is None
    browser.post(url, {"disposition": "Resolved", "disposition_desc": "Paid in full"})
    state = journey.states.get(state_id=1)
    assert state.completed_at is not None
    assert (state.disposition, state.disposition_desc) == ("Resolved", "Paid in full")


def test_an_unknown_state_has_no_confirmation_page(browser, journey):
    assert (
        browser.get(reverse("services:state-end", args=[journey.service_id, 9])).status_code == 404
    )


def test_end_associate_expiry_and_delete_actions(browser, journey):
    sid = journey.service_id
    browser.post(reverse("services:service-associate", args=[sid]), {"customer_id": "C9"})
    assert Service.objects.get(service_id=sid).customer_id == "C9"
    browser.post(reverse("services:service-expiry", args=[sid]), {"ttl": "3600"})
    assert Service.objects.get(service_id=sid).expires_at is not None
    bad = browser.post(reverse("services:service-expiry", args=[sid]), {"ttl": "x"}, follow=True)
    assert "ttl" in bad.content.decode()
    browser.post(reverse("services:service-end", args=[sid]))
    assert Service.objects.get(service_id=sid).completed_at is not None
    confirm = browser.get(reverse("services:service-delete", args=[sid]))
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.content
    assert "<span>Events</span>: <strong>" in confirm.content.decode()
    assert Service.objects.filter(service_id=sid).exists()  # asking is not deleting
    browser.post(reverse("services:service-delete", args=[sid]))
    assert not Service.objects.filter(service_id=sid).exists()


def test_read_only_users_see_no_actions_and_cannot_post(client, tenant, journey):
    user = make_user("sup", tenant, ["Supervisor"])
    client.force_login(user)
    page = client.get(reverse("services:service-detail", args=[journey.service_id]))
    assert page.status_code == 200 and b"End service" not in page.content
    response = client.post(reverse("services:service-end", args=[journey.service_id]))
    assert response.status_code == 403
    assert Service.objects.get(pk=journey.pk).completed_at is None


def test_services_list_filters_and_find(browser, tenant, admin, journey):
    services.service_start(
        tenant=tenant, body={"service_type": "Support", "contact_key": "555"}, actor=admin
    )
    url = reverse("services:service-list")
    page = browser.get(url)
    assert page.status_code == 200 and page.content.count(b"<code>") == 2
    anonymous = browser.get(url, {"anonymous": "yes"}).content.decode()
    assert "Support" in anonymous and "C000001" not in anonymous
    by_key = browser.get(url, {"contact_key": "555"}, headers={"HX-Request": "true"})
    assert b"<html" not in by_key.content and b"Support" in by_key.content
    found = browser.get(url, {"service_id": journey.service_id})
    assert found.status_code == 302 and journey.service_id in found["Location"]
    missing = browser.get(url, {"service_id": "nope"})
    assert b"No service nope" in missing.content


def test_customer_tab_full_page_and_fragment_with_counts(browser, tenant, admin, journey):
    done = services.service_start(
        tenant=tenant, body={"service_type": "Support", "customer_id": "C000001"}, actor=admin
    )
    services.service_end(tenant=tenant, service_id=done.service_id, body={}, actor=admin)
    url = reverse("services:customer-tab", args=["C000001"])
    full = browser.get(url).content.decode()
    assert "<html" in full and journey.service_id in full and done.service_id not in full
    assert 'data-testid="count-active">1<' in full and 'data-testid="count-completed">1<' in full
    fragment = browser.get(url, {"status": "completed"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and done.service_id in body and journey.service_id not in body
    filtered = browser.get(url, {"status": "completed", "type": "Sales"}).content.decode()
    assert done.service_id not in filtered


def test_customer_tab_is_a_fixed_number_of_queries(
    browser, tenant, admin, django_assert_max_num_queries
):
    for _ in range(30):
        services.service_start_composite(
            tenant=tenant,
            body={"service_type": "S", "customer_id": "C1", "states": [{"state_type": "Q"}] * 3},
            actor=admin,
        )
    url = reverse("services:customer-tab", args=["C1"])
    browser.get(url)
    with django_assert_max_num_queries(14):
        response = browser.get(url, headers={"HX-Request": "true"})
    assert response.content.count(b"<code>") == 25  # one page
    assert b"Older services" in response.content


def test_suggestions_list_customer_ids_seen_in_this_tenant(browser, journey, other_tenant, admin):
    services.service_start(
        tenant=other_tenant, body={"service_type": "S", "customer_id": "C000002"}, actor=admin
    )
    response = browser.get(reverse("services:customer-suggest"), {"customer_id": "C0"})
    assert b"C000001" in response.content and b"C000002" not in response.content


def test_business_attributes_page_add_rename_remove_audited(browser, tenant):
    url = reverse("services:attributes")
    assert browser.get(url).content.count(b"data-attribute=") == 7
    browser.post(url, {"attribute": "Service.type", "name": "Sales", "description": "d"})
    value = BusinessAttributeValue.objects.get(name="Sales")
    duplicate = browser.post(url, {"attribute": "Service.type", "name": "Sales"}, follow=True)
    assert b"already has a value Sales" in duplicate.content
    edit = reverse("services:value-edit", args=[value.pk])
    browser.post(edit, {"name": "Sale", "display_name": "Sale", "description": "x"})
    value.refresh_from_db()
    assert value.name == "Sale"
    remove = reverse("services:value-remove", args=[value.pk])
    asked = browser.get(remove).content.decode()
    assert "Are you sure you want to remove Service.type value Sale?" in asked
    assert BusinessAttributeValue.objects.exists()  # asking is not removing
    browser.post(remove)
    assert not BusinessAttributeValue.objects.exists()
    assert AuditEntry.objects.filter(plugin="services").count() == 3


def test_dashboard_widget_and_menu(browser, journey):
    page = browser.get("/").content.decode()
    assert 'data-testid="active-services">1<' in page
    assert reverse("services:service-list") in page and reverse("services:attributes") in page


def test_customer_slot_offers_the_services_tab(rf, admin, tenant):
    from csadmin.pluginlib import tabs_for

    request = rf.get("/")
    request.user, request.tenant = admin, tenant
    # a numeric key: the test settings' sample plug-in also fills this slot, with int-only URLs
    tabs = {tab["key"]: tab for tab in tabs_for(request, "customer", "42")}
    assert tabs["services"]["title"] == "Services"
    assert tabs["services"]["url"] == reverse("services:customer-tab", args=["42"])


def test_type_filters_are_selects_of_the_tenants_types_with_any(browser, tenant, admin, journey):
    for name in ("Sales", "Billing"):
        services.business_value_add(tenant=tenant, attribute="Service.type", name=name, actor=admin)

    for url in (
        reverse("services:service-list"),
        reverse("services:customer-tab", args=["C000001"]),
    ):
        html = browser.get(url, {"type": "Sales"}).content.decode()
        select = re.search(r'<select id="[ft]-type" name="type"[^>]*>(.*?)</select>', html, re.S)
        assert select, url
        options = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))
        assert options == ["Any", "Billing", "Sales"], url
        assert "<option selected>Sales</option>" in select.group(1)
        assert 'list="' not in html.split("</form>")[1]  # no free-text datalist for the type


def _values(html: str, attribute: str) -> str:
    return html.split(f'data-attribute="{attribute}"')[1].split("</table>")[0]


def test_business_values_are_a_table_in_id_order_edited_one_row_at_a_time(browser, tenant, admin):
    for name in ("Zeta", "Alpha"):
        services.business_value_add(tenant=tenant, attribute="Service.type", name=name, actor=admin)
    _zeta, alpha = BusinessAttributeValue.objects.order_by("pk")
    url = reverse("services:attributes")
    table = _values(browser.get(url).content.decode(), "Service.type")
    assert table.index("Zeta") < table.index("Alpha")  # ids in order, not names
    assert "<input" not in table  # read, until one row is edited
    htmx = {"HX-Request": "true"}
    edit_url = reverse("services:value-edit", args=[alpha.pk])
    row = browser.get(edit_url, headers=htmx).content.decode()
    assert row.strip().startswith(f'<tr id="value-{alpha.pk}"')
    assert "<html" not in row and row.count('<input form="edit-') == 3 and "autofocus" in row
    assert 'value="Alpha"' in row
    assert 'aria-label="Name of Service.type value Alpha"' in row
    cancel = browser.get(edit_url + "?show=1", headers=htmx).content.decode()
    assert "<input" not in cancel and "Alpha" in cancel
    saved = browser.post(
        edit_url, {"name": "Beta", "display_name": "B", "description": "d"}, headers=htmx
    ).content.decode()
    assert "Beta" in saved and "<input" not in saved and 'data-testid="edit-value"' in saved
    alpha.refresh_from_db()
    assert alpha.name == "Beta"
    refused = browser.post(
        edit_url, {"name": "Zeta", "display_name": "", "description": ""}, headers=htmx
    )
    assert refused.status_code == 200  # htmx swaps the row with its refusal
    text = refused.content.decode()
    assert "already has a value Zeta" in text and 'value="Zeta"' in text and "<input" in text
    alpha.refresh_from_db()
    assert alpha.name == "Beta"  # nothing half-written
    without_js = browser.get(edit_url)
    assert without_js.status_code == 302 and f"?edit={alpha.pk}" in without_js["Location"]
    page = _values(browser.get(without_js["Location"]).content.decode(), "Service.type")
    assert page.count('<input form="edit-') == 3  # that one row, in edit


def test_business_value_labels_are_unique_on_the_page(browser, tenant, admin):
    for name in ("IVR", "Web"):
        services.business_value_add(tenant=tenant, attribute="Service.type", name=name, actor=admin)
        services.business_value_add(tenant=tenant, attribute="State.type", name=name, actor=admin)
    html = browser.get(reverse("services:attributes")).content.decode()
    labels = re.findall(r'<label for="[^"]+">(.*?)</label>', html)
    assert len(labels) == len(set(labels)) and len(labels) >= 21
    names = re.findall(r'>(Edit|Remove…)<span class="visually-hidden">([^<]+)</span>', html)
    assert len(names) == len(set(names)) == 8
