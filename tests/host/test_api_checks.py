"""The inherited API checks on the sample plug-in's notes, and proof that each check catches the
fault it is named for (a check that cannot fail would be no check)."""

from __future__ import annotations

import pytest
from rest_framework.views import APIView

from csadmin.api.pagination import KeysetPagination
from csadmin.api.views import TenantAPIView
from csadmin.pluginlib import ValidationFailed
from csadmin.testing import CreateEndpointChecks, EndpointChecks, ListEndpointChecks
from tests.sample_plugin.api.views import NotesView
from tests.sample_plugin.models import Note


class NotesChecks(ListEndpointChecks, CreateEndpointChecks):
    list_url = create_url = "sample/notes"
    list_queries = 2  # the grant (tenant and privileges at once), the page
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


# -- each check fails on the fault it is named for ---------------------------------------------


@pytest.fixture
def checks(request, tenant, other_tenant):
    """The notes' checks, set up as pytest sets them up, to be run against a broken endpoint."""
    instance = NotesChecks()
    instance.set_up(request, tenant, other_tenant)
    return instance


def fails(check, match: str | None = None):
    with pytest.raises(AssertionError, match=match):
        check()


def test_a_list_showing_another_tenants_rows_fails(checks, monkeypatch):
    def leaky(view, request):
        return view.paginate(Note.objects.all(), lambda page: [{"id": n.pk} for n in page])

    monkeypatch.setattr(NotesView, "get", leaky)
    fails(checks.test_list_shows_only_the_callers_tenant, "another tenant")


def test_an_endpoint_letting_a_role_through_fails_the_privilege_row(checks, monkeypatch):
    from csadmin.access import permissions
    from csadmin.access.checks import Decision

    monkeypatch.setattr(permissions, "decide", lambda *args: Decision.ALLOW)
    fails(checks.test_list_privilege_row)


def test_a_refusal_without_the_error_body_fails_the_privilege_row(checks, monkeypatch):
    from csadmin.api import errors

    monkeypatch.setattr(errors, "error_body", lambda status, message, *a, **k: {"detail": message})
    fails(checks.test_create_privilege_row)


def test_a_list_ignoring_page_size_fails_the_paging_check(checks, monkeypatch):
    monkeypatch.setattr(KeysetPagination, "get_page_size", lambda self, request: 100)
    fails(checks.test_list_pages_by_keyset)


def test_a_list_answering_a_garbage_cursor_with_the_first_page_fails(checks, monkeypatch):
    monkeypatch.setattr(KeysetPagination, "decode_cursor", first_page_for_any_cursor)
    fails(checks.test_list_refuses_a_garbage_cursor)


def first_page_for_any_cursor(self, request):
    """decode_cursor as it was before cursors were signed: anything unreadable was page one."""
    from csadmin.pluginlib.paging import list_identity

    self._identity = list_identity(request, self.ordering, self.cursor_query_param)
    return None


def test_a_query_per_row_fails_the_query_count(checks, monkeypatch):
    def one_query_per_row(view, request):
        notes = Note.objects.filter(tenant=request.tenant)
        return view.paginate(notes, lambda page: [{"id": n.tenant.pk} for n in page])

    monkeypatch.setattr(NotesView, "get", one_query_per_row)
    fails(checks.test_list_query_count_does_not_grow_with_the_rows, "grow")


def test_a_create_writing_a_refused_body_fails(checks, monkeypatch):
    def careless(view, request):
        Note.objects.create(tenant=request.tenant, text=str(request.data)[:50])
        raise ValidationFailed.from_errors({"text": ["too long"]})

    monkeypatch.setattr(NotesView, "post", careless)
    monkeypatch.setattr(TenantAPIView, "dispatch", APIView.dispatch)  # no rollback
    fails(checks.test_create_refuses_a_bad_body_naming_the_field)


# -- the tenancy API: no objects, but the same privilege row -----------------------------------


class TestServerModeAndStatus(EndpointChecks):
    def test_server_status_privilege_row(self):
        self.check_privilege_row(
            "GET", lambda api: api.get("server/status") if api else "server/status", 200
        )

    def test_server_mode_privilege_row(self):
        before = []

        def call(api):
            if api is None:
                return "server/mode"
            self.tenant.refresh_from_db()
            before.append(self.tenant.mode)
            mode = "production" if self.tenant.mode == "maintenance" else "maintenance"
            return api.post("server/mode", {"mode": mode})

        def unchanged():
            self.tenant.refresh_from_db()
            assert self.tenant.mode == before[-1], "a refused call changed the mode"

        self.check_privilege_row("POST", call, 200, unchanged)
