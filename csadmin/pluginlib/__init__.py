"""The plug-in framework: everything a plug-in may use of the host is named here.

Names that need Django's apps to be ready are imported lazily, so a plug-in's __init__ can
import PluginConfig while settings load.
"""

from importlib import import_module

from csadmin.pluginlib.config import (
    BUILTIN_ROLES,
    HEADINGS,
    CustomerData,
    PluginConfig,
    Privilege,
    Schedule,
)
from csadmin.pluginlib.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    Refused,
    ServiceUnavailable,
    ValidationFailed,
)
from csadmin.pluginlib.feeds import EventDocument, EventFeed, event_feed, provide_event_feed
from csadmin.pluginlib.names import NAME, NAME_MAX, NAME_PATTERN, name_problems
from csadmin.pluginlib.naming import customer_names, provide_customer_names
from csadmin.pluginlib.navigation import Extensions, MenuItem, Tab, Widget

# Imported eagerly: the name `registry` must be the instance, not the submodule of that name.
from csadmin.pluginlib.registry import registry
from csadmin.pluginlib.signals import events_recorded

_LAZY = {
    # API conventions
    "TenantAPIView": "csadmin.api.views",
    "KeysetPagination": "csadmin.api.pagination",
    "ErrorSerializer": "csadmin.api.schema",
    "NameField": "csadmin.api.schema",
    "NAME_SCHEMA": "csadmin.api.schema",
    "name_path_parameter": "csadmin.api.schema",
    # pages
    "TenantPageMixin": "csadmin.ui.views",
    "htmx_partial": "csadmin.ui.views",
    "ListPageView": "csadmin.ui.lists",
    "keyset_page": "csadmin.pluginlib.paging",
    "CursorRefused": "csadmin.pluginlib.paging",
    "tabs_for": "csadmin.ui.tabs",
    "bar_chart": "csadmin.ui.charts",
    "ConfirmActionView": "csadmin.ui.confirm",
    "Confirmation": "csadmin.ui.confirm",
    "OwnConfirmActionView": "csadmin.ui.confirm",
    # times typed and shown as ISO 8601 UTC
    "UtcDateTimeField": "csadmin.pluginlib.isotime",
    "UtcInput": "csadmin.pluginlib.isotime",
    "parse_utc": "csadmin.pluginlib.isotime",
    "format_utc": "csadmin.pluginlib.isotime",
    # privileges and audit
    "has_privilege": "csadmin.access.checks",
    "record_audit": "csadmin.audit.services",
    "require_maintenance_mode": "csadmin.tenancy.services",
    # storage
    "SealedTextField": "csadmin.pluginlib.sealing",
}

__all__ = [
    "BUILTIN_ROLES",
    "HEADINGS",
    "ConflictError",
    "DomainError",
    "NotFoundError",
    "Refused",
    "ServiceUnavailable",
    "ValidationFailed",
    "CustomerData",
    "customer_data_parts",
    "Extensions",
    "MenuItem",
    "PluginConfig",
    "Privilege",
    "Schedule",
    "Tab",
    "Widget",
    "EventDocument",
    "EventFeed",
    "event_feed",
    "events_recorded",
    "provide_event_feed",
    "registry",
    "NAME",
    "NAME_MAX",
    "NAME_PATTERN",
    "name_problems",
    "customer_names",
    "provide_customer_names",
    *_LAZY,
]


def customer_data_parts() -> list[CustomerData]:
    """Every installed plug-in's parts of a customer's data (CustomerData), in the order they
    are exported and erased: what a data-protection request goes through."""
    return [part for _label, part in registry.customer_data()]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'csadmin.pluginlib' has no attribute {name!r}")
