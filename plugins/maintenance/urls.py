from django.urls import path

from plugins.maintenance import views
from plugins.maintenance.customers import views as customers

urlpatterns = [
    path("", views.MaintenancePage.as_view(), name="page"),
    path("preview/", views.PurgePreview.as_view(), name="preview"),
    path("purge/", views.PurgeAction.as_view(), name="purge"),
    path("policy/", views.PolicyAction.as_view(), name="policy"),
    path("export/", views.ExportDownload.as_view(), name="export"),
    path("export/files/", views.ExportFilesAction.as_view(), name="export-files"),
    path("import/", views.ImportAction.as_view(), name="import"),
    path("customers/export/", customers.CustomersExportAction.as_view(), name="customers-export"),
    path("customers/import/", customers.CustomersImportAction.as_view(), name="customers-import"),
    path(
        "customers/import/confirm/",
        customers.CustomersImportConfirm.as_view(),
        name="customers-import-confirm",
    ),
]
