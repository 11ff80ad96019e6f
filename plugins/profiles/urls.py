from django.urls import path

from plugins.profiles.privacy import pages as privacy
from plugins.profiles.views import (
    customer_search,
    customers,
    identification_keys,
    records,
    schemas,
)

urlpatterns = [
    path("schema/", schemas.SchemaListPage.as_view(), name="schemas"),
    path("schema/core/", schemas.ProfileSchemaPage.as_view(), name="profile-schema"),
    path("schema/extensions/new/", schemas.ExtensionSchemaPage.as_view(), name="schema-new"),
    path(
        "schema/extensions/<str:name>/", schemas.ExtensionSchemaPage.as_view(), name="schema-edit"
    ),
    path(
        "schema/extensions/<str:name>/delete/",
        schemas.ExtensionSchemaDeletePage.as_view(),
        name="schema-delete",
    ),
    path("schema/designer/row/", schemas.DesignerRowView.as_view(), name="designer-row"),
    path("schema/designer/check/", schemas.DesignerCheckView.as_view(), name="designer-check"),
    path("keys/", identification_keys.KeysPage.as_view(), name="keys"),
    path("keys/<str:name>/delete/", identification_keys.KeyDeletePage.as_view(), name="key-delete"),
    path("customers/", customer_search.CustomersPage.as_view(), name="customers"),
    path("customers/new/", customers.CustomerFormPage.as_view(), name="customer-new"),
    path("customers/<str:customer_id>/", customers.CustomerPage.as_view(), name="customer"),
    path(
        "customers/<str:customer_id>/delete/",
        customers.CustomerDeletePage.as_view(),
        name="customer-delete",
    ),
    path(
        "customers/<str:customer_id>/data-export/",
        privacy.DataExportAction.as_view(),
        name="customer-data-export",
    ),
    path("customers/<str:customer_id>/erase/", privacy.ErasePage.as_view(), name="customer-erase"),
    path(
        "customers/<str:customer_id>/edit/",
        customers.CustomerFormPage.as_view(),
        name="customer-edit",
    ),
    path(
        "customers/<str:customer_id>/profile/",
        customers.ProfileTab.as_view(),
        name="customer-profile",
    ),
    path(
        "customers/<str:customer_id>/extensions/",
        records.ExtensionsTab.as_view(),
        name="customer-extensions",
    ),
    path(
        "customers/<str:customer_id>/extensions/<str:extension>/",
        records.ExtensionSectionView.as_view(),
        name="customer-extension",
    ),
    path(
        "customers/<str:customer_id>/extensions/<str:extension>/<int:record_id>/delete/",
        records.ExtensionRecordDeletePage.as_view(),
        name="record-delete",
    ),
]
