"""psycopg's connection pool (CSADMIN_DB_POOL, off by default): the settings that turn it on,
the production settings load with it, and a pooled connection serves queries on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from csadmin.testing import require_service, uses_postgresql

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgres://postgres@127.0.0.1:5432/csadmin_unused"

SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"max_age": db["CONN_MAX_AGE"], "options": db.get("OPTIONS", {})}))
"""

QUERY_PROBE = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    one = cursor.fetchone()[0]
first = connection.connection
connection.close()  # the end of a request: back to the pool, still open
kept = not first.closed
with connection.cursor() as cursor:
    cursor.execute("SELECT 2")
    two = cursor.fetchone()[0]
stats = connection.pool.get_stats()
print(json.dumps({"one": one, "two": two, "pooled": connection.pool is not None, "kept": kept,
                  "size_within_limit": stats["pool_size"] <= 2}))
"""


def probe(code: str, module: str, tmp_path, **variables) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "p" * 64,
        "CSADMIN_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
    }
    for name in ("CSADMIN_DB_POOL", "CSADMIN_DB_POOL_SIZE", "CONN_MAX_AGE"):
        env.pop(name, None)
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["csadmin.settings", "csadmin.settings_production"])
def test_the_pool_replaces_persistent_connections(tmp_path, module):
    seen = probe(
        SETTINGS_PROBE,
        module,
        tmp_path,
        DATABASE_URL=SERVER,
        CSADMIN_DB_POOL="1",
        CSADMIN_DB_POOL_SIZE="3",
    )
    assert seen["max_age"] == 0  # Django refuses a pool with persistent connections
    assert seen["options"]["pool"]["max_size"] == 3
    assert seen["options"]["pool"]["min_size"] == 1


def test_without_the_pool_production_keeps_persistent_connections(tmp_path):
    seen = probe(SETTINGS_PROBE, "csadmin.settings_production", tmp_path, DATABASE_URL=SERVER)
    assert seen["max_age"] == 60
    assert "pool" not in seen["options"]


def test_sqlite_is_never_pooled(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "CSADMIN_DB_POOL": "1"}
    seen = probe(SETTINGS_PROBE, "csadmin.settings", tmp_path, **env)
    assert "pool" not in seen["options"]


def test_the_web_server_sizes_the_pool_at_one_connection_per_thread():
    code = (
        "import os, runpy; runpy.run_path('gunicorn.conf.py'); "
        "print(os.environ.get('CSADMIN_DB_POOL', 'off'), os.environ['CSADMIN_DB_POOL_SIZE'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSADMIN_DB_POOL")}
    env["GUNICORN_THREADS"] = "3"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["off", "3"], result.stderr


@pytest.mark.services
def test_a_pooled_connection_serves_queries_and_goes_back_to_the_pool(tmp_path):
    require_service(uses_postgresql(), "PostgreSQL")
    db = settings.DATABASES["default"]
    url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
    url += f"{db.get('PORT') or 5432}/postgres"  # the server's own database: SELECT only
    if db.get("PASSWORD"):
        url = url.replace("@", f":{db['PASSWORD']}@", 1)
    seen = probe(
        QUERY_PROBE, "csadmin.settings_production", tmp_path, DATABASE_URL=url, CSADMIN_DB_POOL="1"
    )
    assert seen == {"one": 1, "two": 2, "pooled": True, "kept": True, "size_within_limit": True}
