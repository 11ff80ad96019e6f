"""Pages of the services plug-in: parse, call a service or selector, render. One module per
page family; the URL patterns reach them by these names."""

from plugins.services.views.actions import (
    AssociateAction,
    DeleteServicePage,
    EndActionPage,
    EndForm,
    EndPartAction,
    EndServiceAction,
    ExpiryAction,
    ServiceActionView,
)
from plugins.services.views.attributes import (
    ATTRIBUTE_ANCHORS,
    ROW_TEMPLATE,
    BusinessAttributesPage,
    BusinessValueEdit,
    BusinessValueRemove,
)
from plugins.services.views.detail import ServiceDetailPage
from plugins.services.views.lists import CustomerServicesTab, CustomerSuggestions, ServiceListPage

__all__ = [
    "ATTRIBUTE_ANCHORS",
    "ROW_TEMPLATE",
    "AssociateAction",
    "BusinessAttributesPage",
    "BusinessValueEdit",
    "BusinessValueRemove",
    "CustomerServicesTab",
    "CustomerSuggestions",
    "DeleteServicePage",
    "EndActionPage",
    "EndForm",
    "EndPartAction",
    "EndServiceAction",
    "ExpiryAction",
    "ServiceActionView",
    "ServiceDetailPage",
    "ServiceListPage",
]
