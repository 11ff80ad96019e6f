"""Names before hex ids: a customer is titled by the profile schema's name-like attributes, with
the id beside, on the customer page, the customers list, breadcrumbs and the service pages."""

import re

import pytest

from csadmin.pluginlib import customer_names
from plugins.profiles import services
from plugins.profiles.naming import name_attributes, name_of
from plugins.services import services as service_writes

HEX = "a0bb9d1132ec4df6953744fa38694b0b"


@pytest.fixture
def web(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def named(tenant, admin, schemas):
    services.customer_create(
        tenant=tenant,
        body={"customer_id": HEX, "FirstName": "Ada", "LastName": "Lovelace"},
        actor=admin,
    )
    services.customer_create(
        tenant=tenant, body={"customer_id": "C2", "LastName": " "}, actor=admin
    )
    service = service_writes.service_start(
        tenant=tenant, body={"service_type": "Sales", "customer_id": HEX}, actor=admin
    )
    return service


def test_the_name_attributes_are_the_schemas_name_like_strings_in_order():
    attributes = [
        {"name": "LastName", "type": "string"},
        {"name": "Age", "type": "integer"},
        {"name": "FirstName", "type": "string"},
        {"name": "NickName", "type": "integer"},  # not a string
        {"name": "Email", "type": "string"},
    ]
    assert name_attributes(attributes) == ["LastName", "FirstName"]
    assert name_of({"LastName": "Lovelace", "FirstName": "Ada"}, ["FirstName", "LastName"]) == (
        "Ada Lovelace"
    )
    assert name_of({"LastName": "  "}, ["LastName"]) == ""


def test_other_plugins_read_names_through_the_host(tenant, other_tenant, named):
    assert customer_names(tenant, [HEX, "C2", "nobody", None]) == {HEX: "Ada Lovelace"}
    assert customer_names(other_tenant, [HEX]) == {}  # never another tenant's customer


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_pages_title_the_customer_by_name_with_the_id_beside(web, named):
    page = web.get(f"/profiles/customers/{HEX}/").content.decode()
    title = re.search(r'<h1 data-testid="customer-title">(.*?)</h1>', page, re.S).group(1)
    assert _text(title).startswith(f"Ada Lovelace customer {HEX}")
    assert '<span aria-current="page">Ada Lovelace</span>' in page  # the breadcrumb
    listing = web.get("/profiles/customers/").content.decode()
    assert f'Ada Lovelace</a> <code class="muted" data-testid="customer-id">{HEX}</code>' in listing
    assert ">C2</a>" in listing  # no name: the id alone
    detail = web.get(f"/services/s/{named.service_id}/").content.decode()
    assert f'Ada Lovelace</a> <code class="muted">{HEX}</code>' in detail
    services_list = web.get("/services/").content.decode()
    assert f'Ada Lovelace</a> <code class="muted">{HEX}</code>' in services_list
    tab = web.get(f"/services/customers/{HEX}/").content.decode()
    assert "Services of Ada Lovelace" in _text(tab)
    assert '<span aria-current="page">Services</span>' in tab and ">Ada Lovelace</span>" in tab
