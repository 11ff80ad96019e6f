"""Browser-facing protections: CSRF on every unsafe page route, production headers and cookies."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from csadmin.testing import sample_url, url_patterns, view_methods

ROOT = Path(__file__).resolve().parents[2]
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def page_routes_with_unsafe_methods() -> list[tuple[str, str]]:
    """(url name, method) of every page (not API) view that accepts an unsafe method."""
    return [
        (name, method)
        for name, route, pattern in url_patterns()
        if not route.startswith("genesys")
        for method in view_methods(pattern)
        if method in UNSAFE
    ]


ROUTES = page_routes_with_unsafe_methods()


def test_the_walk_finds_the_forms():
    names = {name for name, _ in ROUTES}
    assert {"tenancy:tenants", "access:grants", "ui:switch-tenant", "ui:login"} <= names


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_unsafe_page_routes_refuse_requests_without_a_csrf_token(admin, name, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = getattr(client, method.lower())(sample_url(name), {})
    assert response.status_code == 403, (name, method, response.status_code)


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.test import Client
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", verbosity=0)
get_user_model().objects.create_user("probe", password="probe-password-1")
client = Client()
page = client.get("/login/", secure=True)
signed = client.post("/login/", {"username": "probe", "password": "probe-password-1"}, secure=True)
insecure = client.get("/login/")
print(json.dumps({
    "headers": {k: page.get(k) for k in (
        "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
        "Strict-Transport-Security", "Cross-Origin-Opener-Policy")},
    "session_cookie": {
        k: str(signed.cookies["sessionid"][k]) for k in ("secure", "httponly", "samesite")
    },
    "csrf_cookie": {k: str(page.cookies["csrftoken"][k]) for k in ("secure", "samesite")},
    "http_redirect": [insecure.status_code, insecure.get("Location")],
}))
"""


def test_production_settings_send_security_headers_and_flag_cookies(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csadmin.settings_production",
        "SECRET_KEY": "p" * 64,
        "CSADMIN_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["session_cookie"] == {"secure": "True", "httponly": "True", "samesite": "Lax"}
    assert seen["csrf_cookie"]["secure"] == "True"
    assert seen["http_redirect"][0] == 301
    assert seen["http_redirect"][1].startswith("https://")


@pytest.fixture
def job_with_a_file(admin, tenant, settings, tmp_path, django_capture_on_commit_callbacks):
    from csadmin.jobs import enqueue_job
    from tests.jobs import jobs_for_tests

    settings.MEDIA_ROOT = tmp_path / "files"
    (tmp_path / "files" / "secret.txt").parent.mkdir(parents=True)
    (tmp_path / "files" / "secret.txt").write_text("outside the job's folder")
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue_job(
            tenant=tenant,
            kind=jobs_for_tests.with_files,
            arguments={"name": "report.csv"},
            actor=admin,
        )
    client = Client()
    client.force_login(admin)
    assert client.get(f"/jobs/{run.pk}/files/report.csv").status_code == 200
    return client, run


@pytest.mark.parametrize(
    "name",
    ["..", ".env", "..%2F..%2Fsecret.txt", "..%5C..%5Csecret.txt", "a%00.csv", "%2e%2e", "-rf"],
)
def test_job_file_page_refuses_hostile_file_names(job_with_a_file, name):
    """The download page (the API has its own tests in tests/jobs) never leaves the job's
    folder and answers 404 for any name outside the file-name rule."""
    client, run = job_with_a_file
    response = client.get(f"/jobs/{run.pk}/files/{name}")
    assert response.status_code == 404, (name, response.status_code)


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>.csv", '"><img src=x onerror=alert(1)>', "../x.csv"]
)
def test_hostile_job_file_names_are_refused_by_rule(name):
    from csadmin.jobs.files import check_file_name
    from csadmin.pluginlib import ValidationFailed

    with pytest.raises(ValidationFailed):
        check_file_name(name)
