"""The benchmark harness at a tiny scale: it must run every scenario end to end on PostgreSQL,
print every row of its table and write its results file. Ratios are noise at this scale, so
this never checks a target, only that nothing errored."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from csadmin.testing import require_service, uses_postgresql

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "8 ", "9 ", "10")


def server_url() -> str:
    """The test database's server, for the harness's own smoke database: named after the
    configured database (csadmin_x gives csadmin_x_bench_smoke), so two checkouts sharing one
    server do not drop each other's."""
    db = settings.DATABASES["default"]
    configured = urlparse(os.environ.get("DATABASE_URL", "")).path.lstrip("/")
    prefix = configured if configured.startswith("csadmin") else "csadmin"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{prefix}_bench_smoke"


def test_harness_runs_every_scenario_at_tiny_scale(tmp_path):
    require_service(uses_postgresql(), "PostgreSQL")
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--results", str(results)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server_url()},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for prefix in SCENARIOS:
        assert any(line.startswith(f"| {prefix}") for line in table), (prefix, done.stdout)

    report = json.loads(results.read_text())
    rows = report["scenarios"]
    assert {row["scenario"][:2] for row in rows} == set(SCENARIOS)
    assert not [row for row in rows if row["status"] == "error"]
    measured = {row["scenario"][:1] for row in rows if row["status"] in ("pass", "fail")}
    # The services scenarios are always measured; import, export and purge with their plug-in.
    expected = {"4", "5", "6", "7"}
    if importlib.util.find_spec("plugins.maintenance") is not None:
        expected |= {"1", "2", "3", "9"}
    # Event delivery with its plug-in and Redis (CI has both).
    if importlib.util.find_spec("plugins.webhooks") is not None and os.environ.get("REDIS_URL"):
        expected |= {"8"}
    assert expected <= measured
    for row in rows:
        if row["status"] in ("pass", "fail"):
            assert row["csadmin"] is not None and row["baseline"] is not None, row
            if not row["target"].endswith(" s"):  # an absolute time target has no ratio
                assert row["ratio"] is not None, row
