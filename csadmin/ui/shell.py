"""The shell's one rule for where a page sits: its menu entry (highlighted) and its breadcrumb.

A page belongs to the menu entry its view declares (`menu_entry`, a URL name such as
"profiles:customers", or "" for none), otherwise to the entry whose address is the longest
prefix of the page's path. The dashboard's address is the root, a prefix of every path, so it
holds only itself. Every breadcrumb reads Home > menu heading > menu entry > the view's own
crumbs (the object and what is done to it), so no page spells its section.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from csadmin.pluginlib.navigation import MenuGroup, MenuItem

ROOT = "/"


@dataclass(frozen=True)
class Section:
    heading: str
    label: str
    url: str
    item: MenuItem | None = None  # the entry itself: two entries may share an address


def declared_entry(request) -> str | None:
    """The URL name the page's view declares as its menu entry; None when it declares none."""
    match = getattr(request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    return getattr(view_class, "menu_entry", None)


def _entry_url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _holds(url: str, path: str) -> bool:
    return path == url if url == ROOT else path.startswith(url)


def active_section(menu: list[MenuGroup], path: str, declared: str | None = None) -> Section | None:
    """The menu entry a page at `path` belongs to, with its heading; None for pages outside the
    menu (the user's own profile, say)."""
    entries: list[tuple[str, MenuItem, str]] = [
        (group.heading, item, item.url()) for group in menu for item in group.items
    ]
    if declared is not None:
        wanted = _entry_url(declared) if declared else None
        found = [(h, i, u) for h, i, u in entries if wanted and u == wanted]
    else:
        found = [(h, i, u) for h, i, u in entries if u != "#" and _holds(u, path)]
    if not found:
        return None
    heading, item, url = max(found, key=lambda entry: len(entry[2]))
    return Section(heading, item.label, url, item)


def breadcrumb_trail(section: Section | None, crumbs, title: str = "") -> list[tuple[str, str]]:
    """Home > heading > entry > the page's crumbs, each (label, url); the last has no url (it is
    the page). A page outside the menu shows Home > its title. The dashboard shows none."""
    crumbs = [(str(label), url or "") for label, url in (crumbs or [])]
    if section is None:
        trail = crumbs or ([(title, "")] if title else [])
    elif section.url == ROOT and not crumbs:
        return []
    else:
        trail = [(section.heading, ""), (section.label, section.url), *crumbs]
    trail = [("Home", ROOT), *trail]
    label, _ = trail[-1]
    return [*trail[:-1], (label, "")]
