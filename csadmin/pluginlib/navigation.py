"""Menu entries, page tabs and dashboard widgets as data, filtered by privilege in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    """One entry of the left menu. `url_name` is reversed inside the plug-in's namespace."""

    label: str
    url_name: str
    privilege: str
    order: int = 100
    heading: str | None = None  # None: the plug-in's menu_heading
    plugin: str = ""  # filled by the registry

    def url(self) -> str:
        name = self.url_name if ":" in self.url_name else f"{self.plugin}:{self.url_name}"
        try:
            return reverse(name)
        except NoReverseMatch:
            return "#"


@dataclass(frozen=True)
class MenuGroup:
    heading: str
    items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class Tab:
    """A tab another page shows: `slot` names the page (e.g. "customer"), `url` builds the
    address of the tab's content from the page's object key."""

    slot: str
    key: str
    title: str
    url: Callable[[str], str]
    privilege: str
    order: int = 100
    plugin: str = ""


@dataclass(frozen=True)
class Widget:
    """A dashboard widget: `render(request)` returns HTML (already escaped by its template)."""

    key: str
    title: str
    render: Callable
    privilege: str
    order: int = 100
    plugin: str = ""
    wide: bool = False  # spans the dashboard's full width (charts)


@dataclass
class Extensions:
    """What a plug-in's `extensions` module contributes to extension points of the host."""

    tabs: list[Tab] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)
