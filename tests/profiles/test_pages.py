"""The profiles pages: designer, keys, customers, tabs, widget; and their query counts."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from csadmin.pluginlib import paging
from csadmin.tenancy.services import set_server_mode
from plugins.profiles import services
from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema, IdentificationKey
from tests.profiles.conftest import ADDRESS

# session, user, tenant, privileges, disabled plug-ins, the shell's tenant list, session save
# (3 with its savepoint): what every page of the shell costs before its own queries
PAGE_QUERIES = 9
HOME = {"AddressType": 1, "Address": "1 Main St", "PostCode": "1000", "Country": "BE"}


@pytest.fixture
def web(client, admin):
    client.force_login(admin)
    return client


def designer_post(name="Address", type_="multi-valued", rows=(), unique=()):
    """A designer form as the web posts it."""
    data = {
        "name": name,
        "type": type_,
        "kind": "extension",
        "row": [],
        "unique_slots": str(len(unique) + 1),
    }
    for index, row in enumerate(rows):
        row_id = f"r{index}"
        data["row"].append(row_id)
        for key, value in row.items():
            data[f"a{row_id}-{key}"] = value
    for index, names in enumerate(unique):
        data[f"u{index}"] = list(names)
    return data


ADDRESS_ROWS = [
    {"name": "AddressType", "type": "integer", "default": "0"},
    {"name": "Address", "type": "string", "mandatory": "on"},
    {"name": "PostCode", "type": "string", "length": "10"},
    {"name": "Country", "type": "string", "length": "32"},
]


def test_designer_creates_a_schema_with_a_composite_key(web, tenant):
    response = web.post(
        "/profiles/schema/extensions/new/",
        designer_post(rows=ADDRESS_ROWS, unique=[["AddressType"], ["PostCode", "Country"]]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schema = ExtensionSchema.objects.get(tenant=tenant, name="Address")
    assert schema.unique == ["AddressType", ["PostCode", "Country"]]
    assert schema.attributes[0]["default"] == 0  # the form's text, typed by the validator
    assert schema.attributes[1]["mandatory"] is True
    page = web.get("/profiles/schema/")
    assert b"Address" in page.content and b"multi-valued" in page.content


def test_designer_refuses_what_the_api_refuses(web, tenant):
    rows = [
        {"name": "A" * 27, "type": "string"},
        {"name": "x", "type": "integer", "length": "5"},
        {"name": "X", "type": "string"},
    ]
    response = web.post("/profiles/schema/extensions/new/", designer_post(name="9bad", rows=rows))
    assert response.status_code == 400
    text = response.content.decode()
    assert "must start with a letter" in text
    assert "at most 26 characters" in text
    assert "only for string attributes" in text
    assert "duplicates the name of attribute 1" in text
    assert not ExtensionSchema.objects.exists()


def test_inline_check_answers_errors_and_preview(web, tenant):
    response = web.post(
        "/profiles/schema/designer/check/",
        designer_post(name="Bad Name", rows=[{"name": "Ok", "type": "integer", "default": "x"}]),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "only letters, digits and _" in text
    assert "default must be an integer" in text
    assert 'id="json-preview"' in text and 'hx-swap-oob="true"' in text
    good = web.post(
        "/profiles/schema/designer/check/",
        designer_post(rows=ADDRESS_ROWS, unique=[["PostCode", "Country"]]),
    )
    text = good.content.decode()
    assert "&quot;length&quot;: 256" in text  # the normalized schema, as the API returns it
    assert 'name="u0" value="PostCode" checked' in text


def test_inline_check_reports_a_taken_name(web, tenant, admin):
    services.extension_schema_create(tenant=tenant, body=ADDRESS, actor=admin)
    response = web.post(
        "/profiles/schema/designer/check/", designer_post(name="ADDRESS", rows=ADDRESS_ROWS)
    )
    assert "exists (names ignore case)" in response.content.decode()


def test_new_row_and_remove(web, tenant):
    row = web.get("/profiles/schema/designer/row/")
    assert b'data-testid="attr-name"' in row.content
    assert "designer-changed" in row["HX-Trigger-After-Settle"]
    removed = web.get("/profiles/schema/designer/row/?remove=1")
    assert removed.content == b""


def test_edit_existing_schema_and_delete_confirmation(web, tenant, admin, schemas):
    services.customer_create(
        tenant=tenant, body={"customer_id": "C1", "LastName": "a", "Address": [HOME]}, actor=admin
    )
    page = web.get("/profiles/schema/extensions/address/")
    assert page.status_code == 200 and b'value="PostCode"' in page.content
    confirm = web.get("/profiles/schema/extensions/Address/delete/")
    assert b"<span>Extension records</span>: <strong>1</strong>" in confirm.content
    response = web.post("/profiles/schema/extensions/Address/delete/")
    assert response.status_code == 302
    assert not ExtensionSchema.objects.filter(name="Address").exists()
    assert not ExtensionRecord.objects.filter(
        customer__customer_id="C1", schema__name="Address"
    ).exists()


def test_production_mode_disables_the_designer(web, tenant, admin, schemas):
    set_server_mode(tenant=tenant, mode="production", actor=admin)
    page = web.get("/profiles/schema/extensions/Address/")
    text = page.content.decode()
    assert 'data-testid="production-notice"' in text
    assert 'disabled data-testid="designer-fields"' in text
    assert "save-schema" not in text
    response = web.post("/profiles/schema/extensions/Address/", designer_post(rows=ADDRESS_ROWS))
    assert response.status_code == 403
    assert len(ExtensionSchema.objects.get(name="Address").attributes) == 4


def test_core_profile_designer(web, tenant):
    page = web.get("/profiles/schema/core/")
    assert b'value="EmailAddress"' in page.content  # the predefined suggestions
    rows = [
        {"name": "LastName", "type": "string", "mandatory": "on"},
        {"name": "Age", "type": "integer"},
    ]
    data = designer_post(rows=rows)
    data["kind"] = "profile"
    assert web.post("/profiles/schema/core/", data).status_code == 302
    assert [a["name"] for a in tenant.profile_schema.attributes] == ["LastName", "Age"]


def test_names_with_script_show_as_text(web, tenant, admin, schemas):
    services.customer_create(
        tenant=tenant, body={"customer_id": "C1", "LastName": "<script>x()</script>"}, actor=admin
    )
    page = web.get("/profiles/customers/C1/")
    assert b"<script>x()" not in page.content
    assert b"&lt;script&gt;x()" in page.content
    check = web.post(
        "/profiles/schema/designer/check/",
        designer_post(name="<script>a</script>", rows=ADDRESS_ROWS),
    )
    assert b"<script>a</script>" not in check.content


def test_a_schema_a_key_uses_cannot_be_deleted_and_the_page_says_why(web, schemas):
    web.post(
        "/profiles/keys/",
        {"name": "ByPost", "source": "Address", "attributes": ["PostCode", "Country"]},
    )
    asked = web.get("/profiles/schema/extensions/Address/delete/").content.decode()
    assert "Identification keys using this schema: ByPost. Delete them first." in asked
    assert 'data-testid="confirm-yes" disabled' in asked
    refused = web.post("/profiles/schema/extensions/Address/delete/")
    assert refused.status_code == 400 and b"Delete them first" in refused.content
    assert ExtensionSchema.objects.filter(name="Address").exists()


def test_keys_page_creates_and_deletes(web, schemas):
    page = web.get("/profiles/keys/?source=Address", headers={"HX-Request": "true"})
    assert b'value="PostCode"' in page.content and b"<h1>" not in page.content
    response = web.post(
        "/profiles/keys/",
        {"name": "ByPost", "source": "Address", "attributes": ["PostCode", "Country"]},
    )
    assert response.status_code == 302
    assert IdentificationKey.objects.get(name="ByPost").attributes == ["PostCode", "Country"]
    bad = web.post(
        "/profiles/keys/", {"name": "1x", "source": "profile", "attributes": ["LastName"]}
    )
    assert bad.status_code == 400 and b"must start with a letter" in bad.content
    asked = web.get("/profiles/keys/ByPost/delete/").content.decode()
    assert "Are you sure you want to delete identification key ByPost?" in asked
    assert IdentificationKey.objects.exists()  # asking is not deleting
    web.post("/profiles/keys/ByPost/delete/")
    assert not IdentificationKey.objects.exists()


def next_href(page: str) -> str:
    """The address of the "Next page" link of a customers page."""
    query = re.search(r'href="\?([^"]*)" data-testid="next-page"', page).group(1)
    return "/profiles/customers/?" + html.unescape(query)


def cursor_position(href: str):
    """The row a page's cursor continues after (cursors are signed, not readable ids)."""
    token = parse_qs(urlsplit(href).query)["after"][0]
    return signing.Signer(salt=paging.SALT).unsign_object(token)[1]


def _customers(tenant, admin, count):
    for n in range(count):
        services.customer_create(
            tenant=tenant,
            body={"customer_id": f"C{n:03d}", "LastName": f"Name{n}", "PhoneNumber": f"555-{n}"},
            actor=admin,
        )


def test_customers_search_sort_and_keyset_paging(web, keys, admin):
    _customers(keys, admin, 30)
    first = web.get("/profiles/customers/").content.decode()
    assert "C000" in first and "C024" in first and "C025" not in first
    assert 'data-testid="next-page"' in first
    assert cursor_position(next_href(first)) == "C024"
    second = web.get(next_href(first)).content.decode()
    assert "C025" in second and "C029" in second and "C024<" not in second
    descending = web.get("/profiles/customers/?sort=-customer_id").content.decode()
    assert descending.index("C029") < descending.index("C028")
    found = web.get("/profiles/customers/?q=name17").content.decode()
    assert "C017" in found and "C018" not in found
    by_key = web.get("/profiles/customers/?key=ByPhone&v.PhoneNumber=555-3").content.decode()
    assert "C003" in by_key and "C013" not in by_key
    partial = web.get("/profiles/customers/?q=name1", headers={"HX-Request": "true"})
    assert b"<h1>" not in partial.content and b"C011" in partial.content


@pytest.mark.parametrize("count", [3, 40])
def test_customers_page_queries_are_fixed(web, keys, admin, count, django_assert_max_num_queries):
    _customers(keys, admin, count)
    with django_assert_max_num_queries(PAGE_QUERIES + 3):  # profile schema, keys, the page
        response = web.get("/profiles/customers/?page_size=50")
    assert response.content.decode().count('href="/profiles/customers/C') == count


@pytest.mark.parametrize("count", [2, 25])
def test_schema_list_page_queries_are_fixed(
    web, tenant, admin, count, django_assert_max_num_queries
):
    for n in range(count):
        services.extension_schema_create(
            tenant=tenant, body={"name": f"S{n}", "type": "classifier"}, actor=admin
        )
    with django_assert_max_num_queries(PAGE_QUERIES + 2):  # profile schema, schemas + counts
        response = web.get("/profiles/schema/")
    assert response.content.decode().count("data-schema=") == count


@pytest.mark.parametrize("count", [1, 12])
def test_keys_page_queries_are_fixed(web, schemas, admin, count, django_assert_max_num_queries):
    for n in range(count):
        services.identification_key_create(
            tenant=schemas,
            body={"name": f"K{n}", "source": "Address", "attributes": ["PostCode"]},
            actor=admin,
        )
    with django_assert_max_num_queries(PAGE_QUERIES + 3):  # keys, schemas, profile schema
        response = web.get("/profiles/keys/")
    assert response.content.decode().count("data-key=") == count


def test_customer_forms_create_and_edit(web, schemas):
    response = web.post(
        "/profiles/customers/new/", {"customer_id": "C1", "LastName": "Doe", "Age": "41"}
    )
    assert response.status_code == 302
    assert Customer.objects.get(customer_id="C1").attributes == {"LastName": "Doe", "Age": 41}
    bad = web.post("/profiles/customers/new/", {"customer_id": "C2", "Age": "x"})
    assert bad.status_code == 400
    assert b"is mandatory" in bad.content and b"must be an integer" in bad.content
    form = web.get("/profiles/customers/C1/edit/").content.decode()
    assert 'type="number"' in form and 'maxlength="64"' in form
    web.post("/profiles/customers/C1/edit/", {"LastName": "Roe"})
    assert Customer.objects.get(customer_id="C1").attributes == {"LastName": "Roe"}


def test_customer_page_tabs_include_contributed_ones(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "42", "LastName": "Doe"}, actor=admin
    )
    page = web.get("/profiles/customers/42/").content.decode()
    assert 'hx-get="/profiles/customers/42/extensions/"' in page
    assert 'hx-get="/sample/notes/42/tab/"' in page  # contributed through tabs_for
    assert ">Notes</button>" in page
    tab = web.get("/profiles/customers/42/extensions/").content.decode()
    assert 'data-extension="Address"' in tab and 'data-extension="Loyalty"' in tab


def test_a_tab_that_cannot_take_the_id_does_not_break_the_page(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    page = web.get("/profiles/customers/C1/")
    assert page.status_code == 200 and b">Extensions</button>" in page.content


def test_extension_records_add_duplicate_edit_delete(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    url = "/profiles/customers/C1/extensions/Address/"
    hx = {"HX-Request": "true"}
    record = {f"Address.{k}": str(v) for k, v in HOME.items()}
    added = web.post(url, {**record, "action": "add"}, headers=hx)
    assert added.status_code == 200 and b"1 Main St" in added.content
    duplicate = web.post(url, {**record, "Address.AddressType": "2", "action": "add"}, headers=hx)
    assert b"PostCode, Country" in duplicate.content
    assert b'data-testid="record-errors"' in duplicate.content
    assert ExtensionRecord.objects.filter(schema__name="Address").count() == 1
    record_id = ExtensionRecord.objects.get(schema__name="Address").pk
    edit = web.get(f"{url}?edit={record_id}", headers=hx)
    assert b'value="save"' in edit.content
    web.post(
        url,
        {**record, "Address.Address": "9 New St", "action": "save", "record": record_id},
        headers=hx,
    )
    assert ExtensionRecord.objects.get(pk=record_id).values["Address"] == "9 New St"
    delete = f"/profiles/customers/C1/extensions/Address/{record_id}/delete/"
    assert delete in web.get(url, headers=hx).content.decode()
    asked = web.get(delete).content.decode()
    assert "Are you sure you want to delete this Address record of C1?" in asked
    assert "9 New St" in asked and ExtensionRecord.objects.exists()  # asking is not deleting
    refused = web.post(url, {"action": "delete", "record": record_id}, headers=hx)
    assert b"is not an action of this form" in refused.content  # only the confirmation deletes
    web.post(delete)
    assert not ExtensionRecord.objects.exists()


def test_deleting_a_customer_asks_first_with_its_record_count(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    services.extension_record_add(
        tenant=schemas, customer_id="C1", extension="Address", values=HOME, actor=admin
    )
    page = web.get("/profiles/customers/C1/").content.decode()
    assert "confirm(" not in page and 'href="/profiles/customers/C1/delete/"' in page
    asked = web.get("/profiles/customers/C1/delete/").content.decode()
    assert "Are you sure you want to delete customer C1?" in asked
    assert f'data-testid="confirm-tenant">{schemas.name}<' in asked
    assert "<span>Extension records</span>: <strong>1</strong>" in asked
    assert 'href="/profiles/customers/C1/" data-testid="confirm-cancel"' in asked
    assert Customer.objects.filter(customer_id="C1").exists()  # asking is not deleting
    response = web.post("/profiles/customers/C1/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/profiles/customers/"
    assert not Customer.objects.exists() and not ExtensionRecord.objects.exists()


def test_single_valued_form(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    url = "/profiles/customers/C1/extensions/Loyalty/"
    web.post(
        url,
        {
            "Loyalty.Points": "5",
            "Loyalty.Active": ["false", "true"],
            "Loyalty.LastVisit": "2026-11-29T10:15",
            "action": "set",
        },
    )
    values = ExtensionRecord.objects.get(schema__name="Loyalty").values
    assert values["Points"] == 5 and values["Active"] is True
    assert values["LastVisit"] == "2026-11-29T10:15:00.000Z"


def test_dashboard_widget(web, schemas, admin):
    services.customer_create(
        tenant=schemas, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    page = web.get("/").content.decode()
    assert 'data-testid="customer-count">1<' in page
    assert "2 extension schemas" in page


def test_menu_entries(web, tenant):
    page = web.get("/profiles/schema/").content.decode()
    for label in ("Profile Schema", "Identification Keys", "Customers"):
        assert f">{label}</a>" in page


@pytest.mark.parametrize(
    "url",
    [
        "/profiles/schema/extensions/Nope/",
        "/profiles/schema/extensions/Nope/delete/",
        "/profiles/customers/Nope/",
        "/profiles/customers/Nope/edit/",
        "/profiles/customers/Nope/extensions/",
        "/profiles/customers/Nope/extensions/Address/",
    ],
)
def test_unknown_objects_are_404_pages(web, schemas, url):
    assert web.get(url).status_code == 404


def test_pages_need_their_privileges(client, tenant, schemas):
    from csadmin.testing import make_user

    agent = make_user("agent", tenant, ["Agent Application"])
    client.force_login(agent)
    assert client.get("/profiles/schema/").status_code == 200  # reading schemas is allowed
    assert client.post("/profiles/schema/extensions/new/", designer_post()).status_code == 403
    assert client.get("/profiles/customers/").status_code == 200
    designer = make_user("designer", tenant, ["Schema Designer"])
    client.force_login(designer)
    assert client.get("/profiles/customers/").status_code == 403


def test_removing_a_single_valued_extension_asks_on_the_confirmation_page(
    web, tenant, admin, schemas
):
    services.customer_create(
        tenant=tenant, body={"customer_id": "C1", "LastName": "L"}, actor=admin
    )
    services.extension_records_set(
        tenant=tenant, customer_id="C1", body={"Loyalty": {"Level": "gold"}}, actor=admin
    )
    section = web.get("/profiles/customers/C1/extensions/Loyalty/").content.decode()
    link = re.search(
        r'<a class="btn btn-danger" href="([^"]+)" data-testid="clear-extension">', section
    )
    assert link and 'value="clear"' not in section  # no one-click removal
    asked = web.get(link.group(1))
    assert asked.status_code == 200 and "Are you sure" in asked.content.decode()
    assert ExtensionRecord.objects.filter(schema__name="Loyalty").count() == 1  # asking keeps it
    assert web.post(link.group(1)).status_code == 302
    assert ExtensionRecord.objects.filter(schema__name="Loyalty").count() == 0
