"""The production settings trust X-Forwarded-Proto only when a proxy is said to be in front."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/login/", HTTP_X_FORWARDED_PROTO="https")
redirect = SecurityMiddleware(lambda request: None).process_request(request)
print(json.dumps({
    "secure": request.is_secure(),
    "redirect": redirect.status_code if redirect else None,
    "cors": settings.CORS_ALLOWED_ORIGINS,
}))
"""


def production(tmp_path, **variables) -> dict:
    """What the production settings make of a plain HTTP request claiming HTTPS."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csadmin.settings_production",
        "SECRET_KEY": "p" * 64,
        "CSADMIN_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
    }
    for name in ("DATABASE_URL", "CSADMIN_TRUSTED_PROXY", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_trusted_proxy_a_forwarded_proto_is_ignored(tmp_path):
    seen = production(tmp_path)
    assert seen["secure"] is False
    assert seen["redirect"] == 301


@pytest.mark.parametrize("value", ["1", "true"])
def test_behind_a_trusted_proxy_its_forwarded_proto_counts(tmp_path, value):
    seen = production(tmp_path, CSADMIN_TRUSTED_PROXY=value)
    assert seen["secure"] is True
    assert seen["redirect"] is None


def test_the_https_redirect_can_be_left_to_what_is_in_front(tmp_path):
    seen = production(tmp_path, SECURE_SSL_REDIRECT="0")
    assert seen["redirect"] is None and seen["secure"] is False


def test_cors_origins_come_from_the_environment(tmp_path):
    seen = production(
        tmp_path, CSADMIN_CORS_ALLOWED_ORIGINS="https://a.example, https://b.example:8443"
    )
    assert seen["cors"] == ["https://a.example", "https://b.example:8443"]
