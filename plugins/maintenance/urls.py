from django.urls import path

from plugins.maintenance import views

urlpatterns = [
    path("", views.MaintenancePage.as_view(), name="page"),
    path("preview/", views.PurgePreview.as_view(), name="preview"),
    path("purge/", views.PurgeAction.as_view(), name="purge"),
    path("policy/", views.PolicyAction.as_view(), name="policy"),
    path("export/", views.ExportDownload.as_view(), name="export"),
    path("export/files/", views.ExportFilesAction.as_view(), name="export-files"),
    path("import/", views.ImportAction.as_view(), name="import"),
]
