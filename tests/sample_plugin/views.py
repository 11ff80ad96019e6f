from django.http import HttpResponse
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import ConfirmActionView, Confirmation, ListPageView, TenantPageMixin
from tests.sample_plugin.models import Note


class NotesPage(ListPageView):
    privilege = "sample.notes.read"
    template_name = "sample/notes.html"
    ordering = "id"
    rows_name = "notes"

    def get_rows(self, filters):
        return Note.objects.filter(tenant=self.request.tenant)


class NoteTab(TenantPageMixin, View):
    privilege = "sample.notes.read"

    def get(self, request, key):
        notes = Note.objects.filter(tenant=request.tenant).count()
        return HttpResponse(f"{notes} notes about {key}", content_type="text/plain")


class NotesPurgePage(ConfirmActionView):
    """A plug-in's destructive action through the host's one confirmation page."""

    privilege = "sample.notes.purge"

    def confirmation(self):
        notes = Note.objects.filter(tenant=self.request.tenant).count()
        return Confirmation(
            heading="Are you sure you want to delete every note?",
            button=f"Yes, delete {notes} notes",
            cancel_url=reverse("sample:notes"),
            goes=[("Notes", notes)],
        )

    def perform(self, form):
        deleted, _ = Note.objects.filter(tenant=self.request.tenant).delete()
        return f"{deleted} notes deleted.", reverse("sample:notes")
