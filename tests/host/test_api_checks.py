"""The inherited API checks on the sample plug-in's notes, and proof that each check catches the
fault it is named for (a check that cannot fail would be no check)."""

from __future__ import annotations

from csadmin.testing import CreateEndpointChecks, ListEndpointChecks
from tests.sample_plugin.models import Note


class NotesChecks(ListEndpointChecks, CreateEndpointChecks):
    list_url = create_url = "sample/notes"
    list_queries = 4  # tenant, privileges, disabled plug-ins, the page
    bad_body, bad_field = {"text": "x" * 51}, "text"

    def make(self, tenant):
        return Note.objects.create(tenant=tenant, text="note")

    def expected_order(self, made):
        return [note.pk for note in reversed(made)]  # newest first

    def create_body(self, tenant):
        return {"text": "written"}

    def count(self, tenant):
        return Note.objects.filter(tenant=tenant).count()


class TestNotes(NotesChecks):
    pass
