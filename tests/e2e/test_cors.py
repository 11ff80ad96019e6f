"""A plug-in page served from another origin calls the API with a token, as another GAX
plug-in does in a browser: the listed origin gets its data, an unlisted one is blocked by the
browser before its call is even sent."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from csadmin.access.services import create_api_token
from csadmin.testing import make_tenant, make_user
from tests.sample_plugin.models import Note

pytestmark = pytest.mark.e2e

PLUGIN_PAGE = b"""<!doctype html>
<html><head><title>plug-in</title></head><body>
<script>
async function callApi(base, token, tenant) {
  const headers = {"Authorization": "Token " + token, "ContactCenterId": tenant};
  try {
    const listed = await fetch(base + "/genesys/1/cs/sample/notes?page_size=1", {headers});
    const created = await fetch(base + "/genesys/1/cs/sample/notes", {
      method: "POST",
      headers: {...headers, "Content-Type": "application/json"},
      body: JSON.stringify({text: "from the plug-in"}),
    });
    return {
      status: listed.status,
      notes: await listed.json(),
      link: listed.headers.get("Link"),
      created: created.status,
    };
  } catch (error) {
    return {blocked: String(error)};
  }
}
async function postNote(base, token, tenant) {
  try {
    const created = await fetch(base + "/genesys/1/cs/sample/notes", {
      method: "POST",
      headers: {"Authorization": "Token " + token, "ContactCenterId": tenant,
                "Content-Type": "application/json"},
      body: JSON.stringify({text: "from the plug-in"}),
    });
    return {created: created.status};
  } catch (error) {
    return {blocked: String(error)};
  }
}
</script></body></html>"""


class PluginPage(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PLUGIN_PAGE)))
        self.end_headers()
        self.wfile.write(PLUGIN_PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def plugin_origin():
    """A second origin on loopback: another host name and port than the live server's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), PluginPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def caller(transactional_db):
    tenant = make_tenant("Acme")
    user = make_user("plugin", tenant, ["Agent Application"])
    _, key = create_api_token(user=user, name="plug-in")
    Note.objects.create(tenant=tenant, text="first")
    Note.objects.create(tenant=tenant, text="second")
    return {"token": key, "tenant": str(tenant.pk)}


def call_from(page, origin, live_server, caller, function="callApi") -> dict:
    assert origin != live_server.url  # a genuinely different origin
    page.goto(f"{origin}/plugin.html")
    return page.evaluate(
        f"([base, token, tenant]) => {function}(base, token, tenant)",
        [live_server.url, caller["token"], caller["tenant"]],
    )


def test_a_listed_origin_calls_the_api_with_a_token(
    page, live_server, plugin_origin, caller, settings
):
    settings.CORS_ALLOWED_ORIGINS = [plugin_origin]
    result = call_from(page, plugin_origin, live_server, caller)
    assert result.get("status") == 200, result
    assert [note["text"] for note in result["notes"]] == ["second"]
    assert 'rel="next"' in result["link"]  # an exposed header
    assert result["created"] == 201
    assert Note.objects.filter(text="from the plug-in").exists()


def test_an_unlisted_origin_is_blocked(page, live_server, plugin_origin, caller, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://127.0.0.1:1"]
    result = call_from(page, plugin_origin, live_server, caller)
    assert "Failed to fetch" in result.get("blocked", ""), result
    result = call_from(page, plugin_origin, live_server, caller, function="postNote")
    assert "Failed to fetch" in result.get("blocked", ""), result
    # the preflight found no permission, so the browser never sent the write
    assert not Note.objects.filter(text="from the plug-in").exists()
