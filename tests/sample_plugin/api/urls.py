from django.urls import path

from tests.sample_plugin.api import views

urlpatterns = [
    path("sample/notes", views.NotesView.as_view(), name="notes"),
    path("sample/notes/purge", views.PurgeView.as_view(), name="purge"),
]
