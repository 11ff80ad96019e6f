"""The import of the stream's full content (NDJSON, each service with its states and tasks
nested) against the import of the export's files (a zip of services, states and tasks) of the
same services, on PostgreSQL:

    DATABASE_URL=postgres://user@host:5432/csadmin_bench python -m bench.full_import \
        [--services 20000] [--states 3] [--tasks 2] [--passes 2]

The database (its name must start with csadmin_bench) is recreated. A source tenant is filled
by importing a generated full-content file; it is then exported both ways (the stream as NDJSON,
the files as a zip), and each export is imported into an empty tenant of its own, alternating
the two for each pass. Prints rows per second (services, states and tasks) of each import.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from bench.run import bench_database_url, recreate_database, setup_django

START, END = "2026-01-01T00:00:00.000Z", "2026-01-01T00:05:00.000Z"


def _item(number_field: str, number: int, type_field: str, kind: str, **extra) -> dict:
    return {
        number_field: number,
        type_field: kind,
        **extra,
        "est_duration": 60,
        "disposition": None,
        "disposition_desc": None,
        "started": {"timestamp": START, "step": number},
        "completed": {"timestamp": END},
        "duration": 300000,
    }


def write_generated(path: Path, services: int, states: int, tasks: int) -> None:
    """Completed services as the stream writes them, each with its states and tasks."""
    with open(path, "w") as out:
        for n in range(services):
            row = {
                "service_id": f"svc-{n:08d}",
                "service_type": "Sales",
                "customer_id": f"cust-{n % 4999}" if n % 5 else None,
                "contact_key": f"key-{n}",
                "est_duration": 300,
                "disposition": "Sold",
                "disposition_desc": None,
                "started": {"timestamp": START, "channel": "web", "n": n},
                "completed": {"timestamp": END},
                "duration": 300000,
                "active_states": [],
                "completed_states": [
                    _item("state_id", s, "state_type", "Browse") for s in range(1, states + 1)
                ],
                "active_tasks": [],
                "completed_tasks": [
                    _item("task_id", t, "task_type", "Call", state_id=1)
                    for t in range(1, tasks + 1)
                ],
            }
            out.write(json.dumps(row) + "\n")


def import_into(name: str, path: Path) -> tuple[dict, float, float]:
    """The import's counts, its wall seconds and this process's CPU seconds (the machine may
    be shared: the CPU time says what the import's own Python cost)."""
    from csadmin.tenancy.models import Tenant
    from plugins.maintenance.importing import run_import
    from plugins.maintenance.reporting import QuietReporter

    tenant = Tenant.objects.create(name=name, mode="maintenance")
    errors = io.StringIO()
    began, cpu = time.perf_counter(), time.process_time()
    counts = run_import(tenant=tenant, source=path, reporter=QuietReporter(), errors_out=errors)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if counts["errors"]:
        raise SystemExit(f"{name}: rows refused: {errors.getvalue()[:500]}")
    return counts, seconds, cpu


def export_both(tenant, folder: Path) -> tuple[Path, Path]:
    from plugins.maintenance.exporting import (
        ExportQuery,
        parse_export_query,
        stream_ndjson,
        write_export_zip,
    )
    from plugins.maintenance.reporting import QuietReporter

    query: ExportQuery = parse_export_query(
        {"time_from": "2000-01-01T00:00:00Z", "export_content": "true"}
    )
    stream = folder / "stream.ndjson"
    with open(stream, "w", encoding="utf-8") as out:
        for chunk in stream_ndjson(tenant, query):
            out.write(chunk)
    files = folder / "export.zip"

    @contextmanager
    def open_file(name):
        with open(folder / name, "wb") as out:
            yield out

    write_export_zip(tenant=tenant, query=query, open_file=open_file, reporter=QuietReporter())
    with zipfile.ZipFile(files) as archive:
        assert sorted(archive.namelist())[0] == "manifest.json"
    return stream, files


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20_000)
    parser.add_argument("--states", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args(argv)
    url = bench_database_url(os.environ.get("DATABASE_URL"), smoke=False)
    recreate_database(url)
    setup_django(url)

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        generated = folder / "generated.ndjson"
        write_generated(generated, args.services, args.states, args.tasks)
        import_into("Source", generated)
        from csadmin.tenancy.models import Tenant

        stream, files = export_both(Tenant.objects.get(name="Source"), folder)
        rates: dict[str, list[float]] = {"full-content NDJSON": [], "files zip": []}
        for n in range(args.passes):
            for label, path in (("full-content NDJSON", stream), ("files zip", files)):
                counts, seconds, cpu = import_into(f"{label} {n}", path)
                rows = counts["services"] + counts["states"] + counts["tasks"]
                rates[label].append(rows / seconds)
                print(
                    f"{label}: {rows} rows in {seconds:.2f} s ({cpu:.2f} s of Python CPU): "
                    f"{rows / seconds:,.0f} rows/s"
                )
        full, flat = (statistics.median(rates[key]) for key in rates)
        print(f"median rows/s: full-content {full:,.0f}, files {flat:,.0f}: {full / flat:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
