"""On PostgreSQL (and Redis for the worker): a worker killed mid customer import leaves exact
counts and no duplicates once the reaper has sent the job again, and the database's unique
constraints decide between the import and another writer of the same customer."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from csadmin.jobs import reap_stale_jobs
from csadmin.jobs.models import JobRun
from csadmin.testing import require_service, uses_postgresql
from plugins.maintenance.customers.services import start_customers_import
from plugins.maintenance.uploads import keep_local_file
from plugins.profiles import bulk
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey
from tests.jobs.test_worker import database_url, wait_for, worker  # noqa: F401
from tests.maintenance.test_customers import define_schemas

pytestmark = pytest.mark.services
OPTIONS = {"mode": "create", "match": "customer_id", "dry_run": False, "max_errors": None}


def ndjson_customers(path, count: int) -> None:
    with open(path, "w") as out:
        for n in range(count):
            row = {
                "customer_id": f"cust-{n:07d}",
                "LastName": f"L{n}",
                "EmailAddress": f"c{n}@example.com",
                "Address": [{"Address": f"{n} Road", "PostCode": f"P{n % 1000}"}],
            }
            out.write(json.dumps(row) + "\n")


def test_a_worker_killed_mid_customer_import_leaves_exact_counts(worker, tenant, admin, tmp_path):  # noqa: F811
    define_schemas(tenant, admin)
    total = 20_000
    source = tmp_path / "customers.ndjson"
    ndjson_customers(source, total)
    token = keep_local_file(source)
    run = start_customers_import(
        tenant=tenant, token=token, name="customers.ndjson", options=OPTIONS, actor=admin
    )
    JobRun.objects.filter(pk=run.pk).update(arguments={**run.arguments, "batch": 200})
    wait_for(
        lambda: Customer.objects.filter(tenant=tenant).count() >= 1000,
        timeout=120,
        what="the import to commit some batches",
        worker=worker,
    )
    worker.kill()
    committed = Customer.objects.filter(tenant=tenant).count()
    assert 0 < committed < total, "kill the worker mid-import"
    assert committed % 200 == 0  # whole batches only
    assert reap_stale_jobs(now=timezone.now() + timedelta(minutes=6)) == 1  # sent again
    worker.start()
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=300,
        what="the redelivered import to end",
        worker=worker,
    )
    assert final.state == "succeeded", final.error
    assert final.attempts == 2
    assert Customer.objects.filter(tenant=tenant).count() == total
    assert ExtensionRecord.objects.filter(tenant=tenant).count() == total  # no duplicates
    assert final.counts["rows"] == total
    assert final.counts["created"] + final.counts["skipped"] == total
    assert final.counts["skipped"] >= committed and final.counts["errors"] == 0
    # every unique identification key row once per customer
    assert IdentityKey.objects.filter(tenant=tenant, unique_scope=True).count() == total


def test_a_concurrent_writer_of_the_same_customer_id_wins_and_the_row_is_skipped(
    transactional_db, tenant, admin
):
    require_service(uses_postgresql(), "PostgreSQL")
    define_schemas(tenant, admin)
    rows = [{"customer_id": f"N{n}", "LastName": "x"} for n in range(5)]
    with psycopg.connect(database_url()) as other:
        # another writer inserts N3 and holds its transaction open while the batch runs
        other.execute(
            "INSERT INTO profiles_customer (tenant_id, customer_id, attributes, created_at,"
            " updated_at) VALUES (%s, 'N3', '{}', now(), now())",
            [tenant.pk],
        )
        outcome = {}

        def load():
            try:
                outcome["result"] = bulk.import_customers_batch(tenant, rows, mode="create")
            finally:
                connection.close()

        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(1.0)  # the batch waits on N3's unique index entry
        assert loader.is_alive()
        other.commit()
        loader.join(timeout=30)
    result = outcome["result"]
    # the unique constraint refused the batch's N3; loaded again row by row, N3 is present:
    # skipped, as create mode skips a customer that is there
    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 1}
    assert result.problems == []
    assert Customer.objects.get(tenant=tenant, customer_id="N3").attributes == {}
    assert Customer.objects.filter(tenant=tenant).count() == 5


def test_copied_customers_carry_the_time_of_their_batch(db, tenant, admin):
    """COPY writes a batch's timestamps as text, formatted once: the stored instant is the
    batch's own, to the microsecond, created and updated alike."""
    require_service(uses_postgresql(), "PostgreSQL")
    define_schemas(tenant, admin)
    before = timezone.now()
    rows = [{"customer_id": f"T{n}", "LastName": "x"} for n in range(3)]
    assert bulk.import_customers_batch(tenant, rows, mode="create").counts["created"] == 3
    after = timezone.now()
    stamps = set(Customer.objects.filter(tenant=tenant).values_list("created_at", "updated_at"))
    assert len(stamps) == 1
    ((created, updated),) = stamps
    assert created == updated and before <= created <= after
