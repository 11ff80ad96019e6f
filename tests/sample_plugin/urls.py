from django.urls import path

from tests.sample_plugin import views

urlpatterns = [
    path("notes/", views.NotesPage.as_view(), name="notes"),
    path("notes/purge/", views.NotesPurgePage.as_view(), name="notes-purge"),
    path("notes/<str:key>/tab/", views.NoteTab.as_view(), name="note-tab"),
]
