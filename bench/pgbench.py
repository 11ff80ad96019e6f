"""The pgbench baseline of the reads scenario: the SQL a csadmin request runs, captured with
Django's CaptureQueriesContext, replayed by pgbench with the same random choice of rows.

A captured request names one customer (`'c<k>'`) or one service (`'svc<n>'`, row id n); the
script replaces those literals with pgbench variables so each transaction reads another row,
as the HTTP driver does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse


def capture(client, path: str, headers: dict) -> list[str]:
    """The SQL of one GET of `path`, in order (second call: caches of the first are warm)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:200]}")
    return [query["sql"] for query in captured.captured_queries]


def customer_script(queries: list[str], customer: int, customers: int) -> str:
    literal = re.compile(rf"'c{customer}'")
    body = [literal.sub("('c' || :k)", sql) for sql in queries]
    if not any(":k" in sql for sql in body):
        raise RuntimeError("the captured SQL does not name the customer")
    return f"\\set k random(1, {customers - 1})\n" + "".join(f"{sql};\n" for sql in body)


def service_script(queries: list[str], number: int, services: int) -> str:
    literal = re.compile(rf"'svc{number:09d}'")
    row_id = re.compile(rf'("service_id" IN \(|"service_id" = ){number}\b')
    body = [
        row_id.sub(r"\g<1>:n", literal.sub("('svc' || lpad(:n::text, 9, '0'))", sql))
        for sql in queries
    ]
    if not any(":n" in sql for sql in body):
        raise RuntimeError("the captured SQL does not name the service")
    return f"\\set n random(1, {services})\n" + "".join(f"{sql};\n" for sql in body)


def available() -> bool:
    return shutil.which("pgbench") is not None


def run(database_url: str, script: str, clients: int, seconds: float) -> dict:
    """Transactions (one per replayed request) per second and latency percentiles."""
    url = urlparse(database_url)
    with tempfile.TemporaryDirectory(prefix="csadmin-pgbench-") as folder:
        script_path = Path(folder) / "script.sql"
        script_path.write_text(script, encoding="utf-8")
        command = [
            "pgbench",
            "-n",
            "-c",
            str(clients),
            "-j",
            str(clients),
            "-T",
            str(max(1, round(seconds))),
            "-f",
            str(script_path),
            "-l",
            "--log-prefix",
            str(Path(folder) / "tx"),
            "-h",
            url.hostname or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.path.lstrip("/"),
        ]
        env = None
        if url.password:
            env = {**os.environ, "PGPASSWORD": url.password}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-500:]}")
        latencies = []
        for log in Path(folder).glob("tx*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3:
                    latencies.append(int(fields[2]) / 1000.0)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps: {done.stdout[-500:]}")
    latencies.sort()

    def pct(share):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, round(share * (len(latencies) - 1)))], 2)

    return {
        "rps": round(float(match.group(1)), 1),
        "transactions": len(latencies),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }
