from django.urls import path

from plugins.profiles import views
from plugins.profiles.privacy import pages as privacy

urlpatterns = [
    path("schema/", views.SchemaListPage.as_view(), name="schemas"),
    path("schema/core/", views.ProfileSchemaPage.as_view(), name="profile-schema"),
    path("schema/extensions/new/", views.ExtensionSchemaPage.as_view(), name="schema-new"),
    path("schema/extensions/<str:name>/", views.ExtensionSchemaPage.as_view(), name="schema-edit"),
    path(
        "schema/extensions/<str:name>/delete/",
        views.ExtensionSchemaDeletePage.as_view(),
        name="schema-delete",
    ),
    path("schema/designer/row/", views.DesignerRowView.as_view(), name="designer-row"),
    path("schema/designer/check/", views.DesignerCheckView.as_view(), name="designer-check"),
    path("keys/", views.KeysPage.as_view(), name="keys"),
    path("keys/<str:name>/delete/", views.KeyDeletePage.as_view(), name="key-delete"),
    path("customers/", views.CustomersPage.as_view(), name="customers"),
    path("customers/new/", views.CustomerFormPage.as_view(), name="customer-new"),
    path("customers/<str:customer_id>/", views.CustomerPage.as_view(), name="customer"),
    path(
        "customers/<str:customer_id>/delete/",
        views.CustomerDeletePage.as_view(),
        name="customer-delete",
    ),
    path(
        "customers/<str:customer_id>/data-export/",
        privacy.DataExportAction.as_view(),
        name="customer-data-export",
    ),
    path("customers/<str:customer_id>/erase/", privacy.ErasePage.as_view(), name="customer-erase"),
    path(
        "customers/<str:customer_id>/edit/", views.CustomerFormPage.as_view(), name="customer-edit"
    ),
    path(
        "customers/<str:customer_id>/profile/", views.ProfileTab.as_view(), name="customer-profile"
    ),
    path(
        "customers/<str:customer_id>/extensions/",
        views.ExtensionsTab.as_view(),
        name="customer-extensions",
    ),
    path(
        "customers/<str:customer_id>/extensions/<str:extension>/",
        views.ExtensionSectionView.as_view(),
        name="customer-extension",
    ),
    path(
        "customers/<str:customer_id>/extensions/<str:extension>/<int:record_id>/delete/",
        views.ExtensionRecordDeletePage.as_view(),
        name="record-delete",
    ),
]
