from django.urls import path

from plugins.maintenance.api import views

urlpatterns = [
    path("maintenance/purge", views.PurgeView.as_view(), name="purge"),
    path("maintenance/services/stream", views.ExportStreamView.as_view(), name="stream"),
    path("maintenance/services/files", views.ServiceFilesView.as_view(), name="files"),
]
