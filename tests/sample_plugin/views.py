from django.http import HttpResponse
from django.views import View
from django.views.generic import TemplateView

from csadmin.pluginlib import TenantPageMixin
from tests.sample_plugin.models import Note


class NotesPage(TenantPageMixin, TemplateView):
    privilege = "sample.notes.read"
    template_name = "sample/notes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notes"] = Note.objects.filter(tenant=self.request.tenant).order_by("id")
        return context


class NoteTab(TenantPageMixin, View):
    privilege = "sample.notes.read"

    def get(self, request, key):
        notes = Note.objects.filter(tenant=request.tenant).count()
        return HttpResponse(f"{notes} notes about {key}", content_type="text/plain")
