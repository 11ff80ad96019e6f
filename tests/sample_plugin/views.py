from django.http import HttpResponse
from django.views import View

from csadmin.pluginlib import ListPageView, TenantPageMixin
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
