from django.urls import path

from plugins.profiles.api import privacy, views

urlpatterns = [
    path("metadata/profiles", views.ProfileSchemaView.as_view(), name="profile-schema"),
    path(
        "metadata/profiles/extensions",
        views.ExtensionSchemasView.as_view(),
        name="extensions",
    ),
    path(
        "metadata/profiles/extensions/<str:name>",
        views.ExtensionSchemaView.as_view(),
        name="extension",
    ),
    path(
        "metadata/identification-keys",
        views.IdentificationKeysView.as_view(),
        name="identification-keys",
    ),
    path(
        "metadata/identification-keys/<str:name>",
        views.IdentificationKeyView.as_view(),
        name="identification-key",
    ),
    path("profiles", views.CustomersView.as_view(), name="customers"),
    path("profiles/<str:customer_id>", views.CustomerView.as_view(), name="customer"),
    path(
        "profiles/<str:customer_id>/extensions",
        views.CustomerExtensionsView.as_view(),
        name="customer-extensions",
    ),
    path(
        "profiles/<str:customer_id>/data-export",
        privacy.DataExportView.as_view(),
        name="customer-data-export",
    ),
    path("profiles/<str:customer_id>/erase", privacy.EraseView.as_view(), name="customer-erase"),
    path(
        "profiles/<str:customer_id>/extensions/<str:extension>/by/unique",
        views.RecordByUniqueView.as_view(),
        name="record-by-unique",
    ),
    path(
        "profiles/<str:customer_id>/extensions/<str:extension>/delete/by/unique",
        views.RecordDeleteByUniqueView.as_view(),
        name="record-delete-by-unique",
    ),
]
