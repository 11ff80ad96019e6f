"""Scenario 9: customer profiles in bulk, each against a raw baseline of the same rows.

- Import: the maintenance customers import (every row checked by the rules of POST /profiles,
  one extension record per customer) of a generated NDJSON file into an empty tenant, against
  psycopg COPY of the same customers and records into another, and a plain bulk_create into a
  third.
- Profiles stream: GET maintenance/profiles/stream?extensions=* (NDJSON) from the bench
  server, against COPY (SELECT ...) TO STDOUT of the same customers and records.
- Memory: the stream's worker peak growth with the tenant at CUSTOMERS and at 4 x CUSTOMERS
  customers (flat: it must not grow with the count).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path

from bench.common import API, Row, ratio_row
from bench.maintenance import new_tenant, worker_memory

PROFILE = {
    "attributes": [
        {"name": "FirstName", "type": "string", "length": 64},
        {"name": "LastName", "type": "string", "length": 64, "mandatory": True},
        {"name": "EmailAddress", "type": "string", "length": 128},
        {"name": "Age", "type": "integer"},
    ]
}
LOYALTY = {
    "name": "Loyalty",
    "type": "single-valued",
    "attributes": [
        {"name": "Level", "type": "string", "length": 10, "default": "bronze"},
        {"name": "Points", "type": "long"},
        {"name": "Since", "type": "date"},
    ],
}


def customer_row(n: int) -> dict:
    return {
        "customer_id": f"cust-{n:08d}",
        "FirstName": f"First{n % 977}",
        "LastName": f"Last{n}",
        "EmailAddress": f"c{n}@example.com",
        "Age": 18 + n % 70,
        "Loyalty": {
            "Level": ("bronze", "silver", "gold")[n % 3],
            "Points": n % 5000,
            "Since": f"20{10 + n % 15}-0{1 + n % 9}-1{n % 10}",
        },
    }


def write_customers(path: Path, count: int, start: int = 0) -> Path:
    with open(path, "w") as out:
        for n in range(start, start + count):
            out.write(json.dumps(customer_row(n)) + "\n")
    return path


def define_schemas(tenant) -> None:
    from plugins.profiles import services

    services.profile_schema_set(tenant=tenant, body=PROFILE, actor=None)
    services.extension_schema_create(tenant=tenant, body=LOYALTY, actor=None)


def _tenant_with_schemas(name: str):
    from csadmin.tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=new_tenant(name))
    define_schemas(tenant)
    return tenant


def _rows(path: Path):
    with open(path) as lines:
        for line in lines:
            yield json.loads(line)


def _core(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("customer_id", "Loyalty")}


def copy_customers(url: str, tenant, path: Path) -> int:
    """COPY the customers, then their records (ids looked up once), as a raw loader would."""
    import psycopg
    from psycopg.types.json import Jsonb

    from plugins.profiles.models import ExtensionSchema

    schema_id = ExtensionSchema.objects.get(tenant=tenant, name="Loyalty").pk
    count = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        columns = "tenant_id, customer_id, attributes, created_at, updated_at"
        with cur.copy(f"COPY profiles_customer ({columns}) FROM STDIN") as copy:
            for row in _rows(path):
                copy.write_row((tenant.pk, row["customer_id"], Jsonb(_core(row)), "now", "now"))
                count += 1
        cur.execute(
            "SELECT customer_id, id FROM profiles_customer WHERE tenant_id = %s", (tenant.pk,)
        )
        pks = dict(cur.fetchall())
        # Loyalty is single-valued: its records carry the one-record flag, as the import's do
        columns = "tenant_id, customer_id, schema_id, values, one_per_customer"
        with cur.copy(f"COPY profiles_extensionrecord ({columns}) FROM STDIN") as copy:
            for row in _rows(path):
                copy.write_row(
                    (tenant.pk, pks[row["customer_id"]], schema_id, Jsonb(row["Loyalty"]), True)
                )
                count += 1
    return count


def bulk_create_customers(tenant, path: Path, batch: int = 2000) -> int:
    """The plain Django path: model objects from the rows, bulk_create by batches."""
    import itertools

    from django.db import transaction

    from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema

    schema = ExtensionSchema.objects.get(tenant=tenant, name="Loyalty")
    rows, count = _rows(path), 0
    while chunk := list(itertools.islice(rows, batch)):
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                [
                    Customer(tenant=tenant, customer_id=r["customer_id"], attributes=_core(r))
                    for r in chunk
                ]
            )
            ExtensionRecord.objects.bulk_create(
                [
                    ExtensionRecord(
                        tenant=tenant,
                        customer=c,
                        schema=schema,
                        values=r["Loyalty"],
                        one_per_customer=True,  # single-valued, as the import writes it
                    )
                    for c, r in zip(customers, chunk, strict=True)
                ]
            )
        count += 2 * len(chunk)
    return count


def _grant_bench_user(tenant) -> None:
    """The bench's API user (its token) administers the imported tenant too (the stream)."""
    from django.contrib.auth import get_user_model

    from csadmin.access.services import grant_roles

    user = get_user_model().objects.get(username="bench")
    grant_roles(tenant=tenant, user=user, role_names=["Administrator"], actor=None)


def import_customers(tenant, path: Path) -> tuple[dict, float]:
    from plugins.maintenance.customers.importing import run_customer_import
    from plugins.maintenance.reporting import QuietReporter

    errors = io.StringIO()
    began = time.perf_counter()
    counts = run_customer_import(
        tenant=tenant, source=path, reporter=QuietReporter(), errors_out=errors
    )
    seconds = time.perf_counter() - began
    if counts["errors"] or not counts["created"]:
        raise RuntimeError(f"import refused rows: {counts} {errors.getvalue()[:500]}")
    return counts, seconds


def import_scenario(ctx, folder: Path, count: int, rounds: int = 3) -> list[Row]:
    """The import, COPY and bulk_create of the same file in turn, `rounds` times, every other
    round in the reverse order, each one's median pass judged (as common.interleaved does for
    the reads): a single pass of a few seconds swings with whatever else the machine does."""
    from django.db import connection

    path = write_customers(folder / f"customers-{count}.ndjson", count)
    passes: dict[str, list] = {"csadmin": [], "copy": [], "bulk_create": []}
    imported = []

    def run_import() -> None:
        tenant = _tenant_with_schemas(f"Customers imported {len(imported) + 1}")
        counts, seconds = import_customers(tenant, path)
        imported.append(tenant)
        passes["csadmin"].append({**counts, "seconds": round(seconds, 2)})

    def run_copy() -> None:
        tenant = _tenant_with_schemas(f"Customers copied {len(passes['copy']) + 1}")
        began = time.perf_counter()
        rows = copy_customers(ctx["url"], tenant, path)
        passes["copy"].append({"rows": rows, "seconds": round(time.perf_counter() - began, 2)})

    def run_bulk_create() -> None:
        tenant = _tenant_with_schemas(f"Customers bulk_create {len(passes['bulk_create']) + 1}")
        began = time.perf_counter()
        rows = bulk_create_customers(tenant, path)
        passes["bulk_create"].append(
            {"rows": rows, "seconds": round(time.perf_counter() - began, 2)}
        )

    for n in range(rounds):
        order = (run_import, run_copy, run_bulk_create)
        for measure in order if n % 2 == 0 else reversed(order):
            measure()
    connection.close()
    ctx["customers_tenant"] = imported[0].pk
    _grant_bench_user(imported[0])
    csadmin, copy, bulk = (_median_pass(passes[name]) for name in passes)
    details = {
        "csadmin": csadmin,
        "copy": copy,
        "bulk_create": bulk,
        "seconds_of_each_pass": {
            name: [one["seconds"] for one in done] for name, done in passes.items()
        },
    }
    rows = 2 * csadmin["created"]  # a customer and its record
    csadmin_rps = rows / csadmin["seconds"]
    copy_rps, bulk_rps = copy["rows"] / copy["seconds"], bulk["rows"] / bulk["seconds"]
    return [
        ratio_row(
            Row(
                "9 Customers import",
                "rows/s",
                baseline_name="psycopg COPY, same rows",
                target=">= 0.25",
                details=details,
            ),
            round(csadmin_rps),
            round(copy_rps),
            0.25,
        ),
        ratio_row(
            Row(
                "9 Customers import",
                "rows/s",
                baseline_name="plain bulk_create",
                target=">= 3",
                details=details,
            ),
            round(csadmin_rps),
            round(bulk_rps),
            3.0,
        ),
    ]


def stream_profiles(port: int, headers: dict) -> dict:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    conn.request(
        "GET",
        API + "maintenance/profiles/stream?extensions=*",
        headers={**headers, "Accept": "application/x-ndjson"},
    )
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"profiles stream answered {response.status}: {response.read()[:300]}")
    lines = size = 0
    while chunk := response.read1(1 << 16):
        lines += chunk.count(b"\n")
        size += len(chunk)
    conn.close()
    return {"customers": lines, "bytes": size, "seconds": time.perf_counter() - began}


COPY_TO = (
    "COPY (SELECT c.* FROM profiles_customer c WHERE c.tenant_id = {t} ORDER BY c.customer_id) "
    "TO STDOUT",
    "COPY (SELECT r.* FROM profiles_extensionrecord r WHERE r.tenant_id = {t}) TO STDOUT",
)


def copy_out(url: str, tenant_id: int) -> dict:
    import psycopg

    began = time.perf_counter()
    customers = size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for n, statement in enumerate(COPY_TO):
            with cur.copy(statement.format(t=int(tenant_id))) as copy:
                for data in copy:
                    size += len(data)
                    if n == 0:
                        customers += bytes(data).count(b"\n")
    return {"customers": customers, "bytes": size, "seconds": time.perf_counter() - began}


def _peak_growth_mb(server, measure) -> tuple[dict, float | None]:
    before = worker_memory(server.process.pid)
    result = measure()
    after = worker_memory(server.process.pid)
    growth = max(
        (after[p].get("VmHWM", 0) - before[p].get("VmRSS", 0) for p in after if p in before),
        default=None,
    )
    return result, None if growth is None else round(growth / 1024, 1)


def stream_rounds(server, headers: dict, url: str, tenant_id: int, rounds: int = 3):
    """The stream and COPY TO in turn, `rounds` times, every other round in the reverse order,
    each one's median pass kept (as common.interleaved does for the reads): the first read of
    freshly imported rows also writes their hint bits, a cost that would otherwise fall on
    whichever went first, and one pass of under a second is at the mercy of a busy moment.
    Also the worker's peak memory growth in the first stream."""
    streams, copies, growth = [], [], None

    def stream() -> None:
        nonlocal growth
        result, grew = _peak_growth_mb(server, lambda: stream_profiles(server.port, headers))
        growth = grew if growth is None else growth
        streams.append(result)

    for n in range(rounds):
        order = (stream, lambda: copies.append(copy_out(url, tenant_id)))
        for measure in order if n % 2 == 0 else reversed(order):
            measure()
    return _median_pass(streams), _median_pass(copies), growth


def _median_pass(passes: list[dict]) -> dict:
    return sorted(passes, key=lambda one: one["seconds"])[len(passes) // 2]


def stream_scenario(ctx, server, folder: Path, count: int) -> list[Row]:
    from csadmin.tenancy.models import Tenant

    tenant_id = ctx["customers_tenant"]
    headers = {"Authorization": f"Token {ctx['token']}", "ContactCenterId": str(tenant_id)}
    stream, baseline, small_growth = stream_rounds(server, headers, ctx["url"], tenant_id)
    if stream["customers"] != baseline["customers"]:
        raise RuntimeError(f"stream gave {stream['customers']}, COPY {baseline['customers']}")
    row = ratio_row(
        Row(
            "9 Profiles stream",
            "customers/s",
            baseline_name="COPY TO STDOUT, same rows",
            target=">= 0.3",
            details={"csadmin": stream, "copy_to": baseline},
        ),
        round(stream["customers"] / stream["seconds"]),
        round(baseline["customers"] / baseline["seconds"]),
        0.3,
    )
    # three more times the customers: the same stream's worker must not need more memory
    more = write_customers(folder / f"customers-more-{count}.ndjson", 3 * count, start=count)
    import_customers(Tenant.objects.get(pk=tenant_id), more)
    big, big_growth = _peak_growth_mb(server, lambda: stream_profiles(server.port, headers))
    flat = Row(
        "9 Profiles stream: worker memory",
        "MB peak growth",
        csadmin=big_growth,
        baseline=small_growth,
        baseline_name=f"same stream at {count:,} customers",
        target=f"flat at {4 * count:,}",
        details={"customers": [stream["customers"], big["customers"]]},
    )
    if big_growth is None or small_growth is None:
        flat.status = "not available"
    else:
        flat.ratio = round(big_growth / small_growth, 2) if small_growth else None
        flat.status = "pass" if big_growth <= max(2 * small_growth, small_growth + 20) else "fail"
    return [row, flat]


def scenarios(ctx, server, smoke: bool) -> list[Row]:
    """The import, then the stream of what it imported and the memory check (BENCH_CUSTOMERS
    customers, default 100,000; the memory check streams four times as many)."""
    if not available():
        return [Row("9 Customers", details={"reason": "needs the maintenance plug-in"})]
    count = 1_000 if smoke else int(os.environ.get("BENCH_CUSTOMERS", "100000"))
    with tempfile.TemporaryDirectory() as folder:
        rows = import_scenario(ctx, Path(folder), count)
        rows += stream_scenario(ctx, server, Path(folder), count)
    return rows


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("plugins.maintenance.customers") is not None
