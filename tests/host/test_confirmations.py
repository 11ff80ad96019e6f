"""Every destructive control goes through the one confirmation page: no template asks with a
browser dialog (confirm(), hx-confirm) and the host exports the pattern to plug-ins."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Cancelling a job stops work, it destroys no data: its page keeps its own dialog.
LEFT_ALONE = {Path("csadmin/jobs/templates")}


def templates():
    for base in ("templates", "csadmin", "plugins"):
        for path in sorted((ROOT / base).rglob("*.html")):
            relative = path.relative_to(ROOT)
            if not any(relative.is_relative_to(skip) for skip in LEFT_ALONE):
                yield relative


@pytest.mark.parametrize("path", list(templates()), ids=str)
def test_no_template_asks_with_a_browser_dialog(path):
    text = (ROOT / path).read_text()
    assert "confirm(" not in text and "hx-confirm" not in text


def test_plugins_get_the_confirmation_page_from_pluginlib():
    import csadmin.pluginlib as pluginlib
    from csadmin.ui.confirm import ConfirmActionView, Confirmation

    assert pluginlib.ConfirmActionView is ConfirmActionView
    assert pluginlib.Confirmation is Confirmation


@pytest.mark.django_db
def test_a_plugin_confirms_through_the_host_page_in_its_tenant_only(admin, tenant, other_tenant):
    from django.test import Client

    from csadmin.testing import make_user
    from tests.sample_plugin.models import Note

    Note.objects.bulk_create([Note(tenant=tenant, text="a"), Note(tenant=tenant, text="b")])
    Note.objects.create(tenant=other_tenant, text="elsewhere")
    client = Client()
    client.force_login(admin)
    asked = client.get("/sample/notes/purge/").content.decode()
    assert "Are you sure you want to delete every note?" in asked
    assert f'data-testid="confirm-tenant">{tenant.name}<' in asked
    assert "<span>Notes</span>: <strong>2</strong>" in asked
    assert Note.objects.count() == 3  # asking is not deleting
    response = client.post("/sample/notes/purge/")
    assert response.status_code == 302 and response["Location"] == "/sample/notes/"
    assert list(Note.objects.values_list("text", flat=True)) == ["elsewhere"]
    agent = make_user("agent", tenant, ["Agent Application"])
    client.force_login(agent)  # the page checks the action's privilege, like every page
    assert client.get("/sample/notes/purge/").status_code == 403
