from django.urls import path

from tests.sample_plugin import views

urlpatterns = [
    path("notes/", views.NotesPage.as_view(), name="notes"),
    path("notes/<str:key>/tab/", views.NoteTab.as_view(), name="note-tab"),
]
