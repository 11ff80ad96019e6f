from django.urls import path

from plugins.maintenance.api import customers, views

urlpatterns = [
    path("maintenance/purge", views.PurgeView.as_view(), name="purge"),
    path("maintenance/services/stream", views.ExportStreamView.as_view(), name="stream"),
    path("maintenance/services/files", views.ServiceFilesView.as_view(), name="files"),
    path(
        "maintenance/profiles/stream",
        customers.ProfilesStreamView.as_view(),
        name="profiles-stream",
    ),
    path("maintenance/profiles/files", customers.ProfileFilesView.as_view(), name="profiles-files"),
]
