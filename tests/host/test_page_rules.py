"""The shell's one rule for where a page sits: the highlighted menu entry and the breadcrumb
(Home > heading > entry > object), walked over every menu page and a detail behind each list."""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from csadmin.pluginlib.navigation import MenuGroup, MenuItem
from csadmin.ui.shell import Section, active_section, breadcrumb_trail
from tests.walk import add_rows_behind_empty_lists

ACTIVE = re.compile(r'<a href="([^"]+)" aria-current="page" class="active">([^<]+)</a>')
MENU_LINK = re.compile(r'<li><a href="([^"]+)"')
ROW_LINK = re.compile(r'<a href="([^"]+)"')
TRAIL = re.compile(r'<nav class="breadcrumbs"[^>]*><ol>(.*?)</ol></nav>', re.S)
CRUMB = re.compile(r"<li>(?:<a href=\"([^\"]+)\">|<span[^>]*>)([^<]*)<")


@pytest.fixture
def demo_client(db):
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    add_rows_behind_empty_lists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _active(page: str) -> list[tuple[str, str]]:
    return ACTIVE.findall(page)


def _trail(page: str) -> list[tuple[str, str]]:
    found = TRAIL.search(page)
    return [(url, unescape(label)) for url, label in CRUMB.findall(found.group(1))] if found else []


def _menu(page: str) -> dict[str, tuple[str, str]]:
    """Each menu entry's path -> (heading, label) of its first entry (the one highlighted)."""
    nav = page.split('<nav class="sidenav"')[1].split("</nav>")[0]
    entries = {}
    for block in nav.split('<h2 class="nav-heading">')[1:]:
        heading = block.split("<")[0]
        for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block):
            entries.setdefault(url, (heading, unescape(label)))
    return entries


def _detail_behind(page: str, list_path: str) -> str | None:
    """The first link of the list's table that leads below the list's own address."""
    main = page.split("<main", 1)[1]
    for table in main.split("<tbody")[1:]:
        for href in ROW_LINK.findall(table.split("</tbody>")[0]):
            path = href.split("?")[0].split("#")[0]  # not the list itself with a query
            if path.startswith(list_path) and path != list_path:
                return unescape(href)
    return None


def test_every_menu_page_and_a_detail_behind_it_highlight_their_entry(demo_client):
    menu = _menu(_page(demo_client, "/"))
    assert len(menu) >= 12
    details = []
    for url, (heading, label) in menu.items():
        page = _page(demo_client, url)
        assert _active(page) == [(url, label)], url
        if url != "/":
            assert _trail(page) == [("/", "Home"), ("", heading), ("", label)], url
        detail = _detail_behind(page, url) if url != "/" else None
        if detail:
            details.append(detail)
            page = _page(demo_client, detail)
            assert _active(page) == [(url, label)], detail
            trail = _trail(page)
            assert trail[:3] == [("/", "Home"), ("", heading), (url, label)], detail
            assert len(trail) >= 4 and trail[-1][0] == "", detail  # the object, not linked
    assert len(details) >= 5, details  # schemas, customers, services, jobs, subscriptions


# Pages about no one tenant's data: all tenants, and the roles every tenant shares.
NOT_OF_A_TENANT = {"/administration/tenants/", "/access/roles/"}
SUBTITLE = re.compile(
    r"<h1>[^<]*<small class=\"muted subtitle\" data-testid=\"subtitle\">([^<]*)</small>"
)


def test_every_menu_page_of_a_tenant_names_it_the_same_way(demo_client):
    for url in _menu(_page(demo_client, "/")):
        subtitles = SUBTITLE.findall(_page(demo_client, url))
        expected = [] if url in NOT_OF_A_TENANT else ["in Environment"]
        assert subtitles == expected, url


def test_the_profile_page_highlights_no_menu_entry(demo_client):
    page = _page(demo_client, "/access/profile/")
    assert _active(page) == []
    assert _trail(page) == [("/", "Home"), ("", "Profile and API tokens")]


def test_a_customers_services_page_belongs_to_customers(demo_client):
    customer = re.search(
        r'href="/profiles/customers/([^/"]+)/"', _page(demo_client, "/profiles/customers/")
    )
    page = _page(demo_client, f"/services/customers/{customer.group(1)}/")
    assert _active(page) == [("/profiles/customers/", "Customers")]


def test_a_confirmation_page_sits_under_its_section(demo_client):
    page = _page(
        demo_client, "/maintenance/purge/?limit=2000-01-01T00:00Z&operation=purge.service.all"
    )
    trail = _trail(page)
    assert trail[:3] == [("/", "Home"), ("", "Operations"), ("/maintenance/", "Maintenance")]
    assert _active(page) == [("/maintenance/", "Maintenance")]


def _menu_of(*entries: tuple[str, str, str]) -> list[MenuGroup]:
    class Fixed(MenuItem):
        def url(self) -> str:
            return self.url_name

    groups: dict[str, list] = {}
    for heading, label, url in entries:
        groups.setdefault(heading, []).append(Fixed(label, url, "p"))
    return [MenuGroup(heading, tuple(items)) for heading, items in groups.items()]


MENU = _menu_of(
    ("Dashboard", "Dashboard", "/"),
    ("Operations", "Services", "/services/"),
    ("Configuration", "Business Attributes", "/services/attributes/"),
)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/", "Dashboard"),
        ("/access/profile/", None),  # the root holds only itself
        ("/services/s/1/", "Services"),
        ("/services/attributes/values/3/", "Business Attributes"),  # the longest prefix wins
    ],
)
def test_the_entry_is_the_longest_menu_prefix(path, label):
    section = active_section(MENU, path)
    assert (section.label if section else None) == label


def test_a_trail_names_home_the_heading_the_entry_then_the_object():
    section = Section("Operations", "Services", "/services/")
    assert breadcrumb_trail(section, [("S1", None)]) == [
        ("Home", "/"),
        ("Operations", ""),
        ("Services", "/services/"),
        ("S1", ""),
    ]
    assert breadcrumb_trail(section, []) == [("Home", "/"), ("Operations", ""), ("Services", "")]
    assert breadcrumb_trail(Section("Dashboard", "Dashboard", "/"), []) == []
    assert breadcrumb_trail(None, [], title="Profile") == [("Home", "/"), ("Profile", "")]


def test_date_filters_refuse_other_forms_naming_the_field_and_the_rule(demo_client):
    for path, name in (
        ("/services/", "started_from"),
        ("/audit/", "since"),
    ):
        response = demo_client.get(path, {name: "03/01/2026"})
        assert response.status_code == 200, path
        error = re.search(r'data-testid="list-error">([^<]*)<', response.content.decode())
        assert error, path
        assert error.group(1).startswith(f"{name}: ") and "YYYY-MM-DD" in error.group(1), path
        ok = demo_client.get(path, {name: "2000-01-01T00:00Z"}).content.decode()
        assert 'data-testid="list-error"' not in ok, path


def test_no_page_offers_a_date_picker(demo_client):
    pages = [*_menu(_page(demo_client, "/")), "/maintenance/"]
    for url in pages:
        html = _page(demo_client, url)
        assert 'type="date"' not in html and 'type="datetime-local"' not in html, url


DESTRUCTIVE = re.compile(r"^(Delete|Remove|Revoke|Rotate|Clear|End |Cancel job|Purge)")
CONTROL = re.compile(r"<(a|button)\b([^>]*)>(.*?)</\1>", re.S)


def _destructive_controls(html: str) -> list[tuple[str, str, str]]:
    found = []
    for tag, attributes, inner in CONTROL.findall(html.split("<main", 1)[-1]):
        label = unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if 'data-testid="remove-attribute"' in attributes:
            continue  # a row of the designer's unsaved form: nothing stored goes until Save
        if DESTRUCTIVE.match(label):
            found.append((tag, attributes, label))
    return found


def test_every_destructive_control_has_one_look_and_leads_to_the_confirmation(demo_client):
    menu = _menu(_page(demo_client, "/"))
    pages = list(menu)
    for url in menu:
        if url != "/" and (detail := _detail_behind(_page(demo_client, url), url)):
            pages.append(detail)
    pages += ["/access/profile/", "/profiles/customers/C000001/extensions/"]
    seen = 0
    for url in pages:
        html = _page(demo_client, url)
        assert "confirm(" not in html and "hx-confirm" not in html, url
        for tag, attributes, label in _destructive_controls(html):
            seen += 1
            assert 'class="btn btn-danger"' in attributes, (url, label)
            assert label.split(" ")[0].endswith("…") or label.endswith("…"), (url, label)
            if tag == "button":  # only the purge's, which opens its confirmation page by GET
                assert 'data-testid="run-purge"' in attributes, (url, label)
    assert seen >= 8, seen
