"""Profile one API call in-process (cProfile over the Django test client) against a database
the harness left behind, to see where a slow scenario spends its time.

    python -m bench.profile /genesys/1/cs/services/svc000000042?active_states=true \
        --database-url postgres://postgres@127.0.0.1:5432/csadmin_bench --repeat 300
    python -m bench.profile --conversation --repeat 20     # 33-call conversations
    python -m bench.profile --conversation --raw --repeat 20   # the same on the bare DRF views
    python -m bench.profile --conversation --breakdown --repeat 50   # us per call by part
    python -m bench.profile --export Bench --repeat 1       # the export stream of a tenant
    python -m bench.profile --purge Bulk --repeat 1         # purge a tenant's completed services
    python -m bench.profile --import-files var/bench/data-300-20261129 --repeat 1

Prints the functions with the most cumulative and own time, and the SQL of one call.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import time

from bench.driver import API
from bench.run import DEFAULT_URL, RAW_API


def setup(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from csadmin.access.services import create_api_token
    from csadmin.tenancy.models import Tenant

    tenant = Tenant.objects.get(name="Bench")
    user = get_user_model().objects.get(username="bench")
    _, key = create_api_token(user=user, name="profile")
    return {"Authorization": f"Token {key}", "ContactCenterId": str(tenant.pk)}


class Conversation:
    """The driver's conversation, through the test client (same calls, same bodies)."""

    def __init__(self, client, headers, api: str):
        self.client, self.headers, self.api = client, headers, api

    def call(self, method, path, body=None):
        import json

        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(self.client, method.lower())(path, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.content[:300])
        return json.loads(response.content) if response.content else None

    def __call__(self, rng):
        from bench import driver

        class Adapter:
            call = self.call

        driver.conversation(Adapter(), rng, 1000, self.api)


def maintenance_call(args) -> None:
    """One export stream, purge or import, in-process, with the plug-in's own functions."""
    import io
    from pathlib import Path

    from bench.maintenance import PURGE_LIMIT, PURGE_OPERATION
    from csadmin.tenancy.models import Tenant
    from plugins.maintenance.exporting import parse_export_query, stream_ndjson
    from plugins.maintenance.importing import run_import
    from plugins.maintenance.purge import run_purge
    from plugins.maintenance.reporting import QuietReporter

    if args.export:
        tenant = Tenant.objects.get(name=args.export)
        query = parse_export_query({"time_from": "1970-01-01T00:00:00Z", "export_content": "true"})
        for _ in stream_ndjson(tenant, query):
            pass
    elif args.purge:
        tenant = Tenant.objects.get(name=args.purge)
        run_purge(
            tenant=tenant,
            operation=PURGE_OPERATION,
            limit=PURGE_LIMIT,
            dry_run=False,
            reporter=QuietReporter(),
        )
    else:
        tenant, _ = Tenant.objects.get_or_create(name=f"Profile import {time.time_ns()}")
        run_import(
            tenant=tenant,
            source=Path(args.import_files) / "import.zip",
            reporter=QuietReporter(),
            errors_out=io.StringIO(),
        )


# Where a conversation call's time goes (--breakdown): inclusive wall time of these functions,
# timed with perf_counter (no profiler: cProfile inflates Python code far more than waits).
# A name may be imported under several modules: every module's binding is wrapped.
BREAKDOWN = (
    ("rest_framework.views", "APIView.dispatch", "DRF dispatch (the view and all it calls)"),
    ("rest_framework.views", "APIView.perform_authentication", "authentication (token)"),
    ("rest_framework.views", "APIView.check_permissions", "privilege check and tenant"),
    ("rest_framework.response", "Response.render", "response rendering"),
    ("plugins.services.events", "parse_event", "body parsing and checks"),
    ("plugins.services.attributes", "resolve_events", "business attribute values"),
    ("plugins.services.services.common", "locked_service", "service lock and counter (SQL)"),
    ("plugins.services.selectors", "_numbered", "state or task lookup (SQL)"),
    ("plugins.services.services.common", "record_events", "events: store and announce (SQL)"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper.commit", "COMMIT"),
)


def timed(function, totals: dict, label: str):
    """`function`, adding its wall and CPU seconds to totals[label]."""

    def wrapper(*args, **kwargs):
        began, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            wall, used = totals.get(label, (0.0, 0.0))
            totals[label] = (
                wall + time.perf_counter() - began,
                used + time.process_time() - cpu,
            )

    return wrapper


def wrap_everywhere(module_name: str, name: str, label: str, totals: dict) -> None:
    import importlib
    import sys

    module = importlib.import_module(module_name)
    if "." in name:  # a method: wrap it on its class
        owner_name, attribute = name.split(".")
        owner = getattr(module, owner_name)
        setattr(owner, attribute, timed(getattr(owner, attribute), totals, label))
        return
    original = getattr(module, name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, name, None) is original:
            setattr(loaded, name, timed(original, totals, label))


def breakdown(conversation, rng, repeat: int) -> None:
    """Microseconds per API call: the whole call, its SQL, and the parts of BREAKDOWN."""
    from django.db import connection

    totals: dict[str, float] = {}
    statements = [0]

    def sql_time(execute, sql, params, many, context):
        statements[0] += 1
        return timed(execute, totals, "SQL statements (execute)")(sql, params, many, context)

    for module_name, name, label in BREAKDOWN:
        try:
            wrap_everywhere(module_name, name, label, totals)
        except (ImportError, AttributeError):
            continue  # not in this installation (a plug-in left out)
    conversation(rng)  # warm
    totals.clear()
    statements[0] = 0
    calls = repeat * 33
    began, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(sql_time):
        for _ in range(repeat):
            conversation(rng)
    whole, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(
        f"{calls} calls, {whole / calls * 1e6:,.0f} us per call (test client, in-process), "
        f"of which {cpu / calls * 1e6:,.0f} us of this process's CPU"
    )
    print(f"{statements[0] / calls:.2f} statements per call")
    print("  wall us  CPU us  part (inclusive: a part's SQL is also in the SQL line)")
    for label, (wall, used) in sorted(totals.items(), key=lambda item: -item[1][1]):
        print(f"  {wall / calls * 1e6:7,.0f}  {used / calls * 1e6:6,.0f}  {label}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="profile one API call in-process")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--conversation", action="store_true")
    parser.add_argument(
        "--raw", action="store_true", help="the conversation on the bare DRF views (scenario 4)"
    )
    parser.add_argument("--export", metavar="TENANT", help="run the export stream of TENANT")
    parser.add_argument("--purge", metavar="TENANT", help="purge TENANT (it loses its data)")
    parser.add_argument("--import-files", metavar="FOLDER", help="import into a new tenant")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="with --conversation: microseconds per call by part, without the profiler",
    )
    args = parser.parse_args(argv)
    headers = setup(args.database_url)
    from django.db import connection
    from django.test import Client

    client = Client()
    rng = random.Random(3)
    conversation = Conversation(client, headers, RAW_API if args.raw else API)

    if args.breakdown:
        breakdown(conversation, rng, args.repeat)
        return 0

    def once():
        if args.export or args.purge or args.import_files:
            maintenance_call(args)
        elif args.conversation:
            conversation(rng)
        else:
            response = client.get(args.path, headers=headers)
            assert response.status_code == 200, response.content[:300]

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    one_shot = bool(args.export or args.purge or args.import_files)  # changes data: run once
    if not one_shot:
        once()
        # An execute wrapper, not CaptureQueriesContext: each request resets Django's query log.
        with connection.execute_wrapper(record):
            once()
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    if one_shot:
        with connection.execute_wrapper(record):
            once()
    else:
        for _ in range(args.repeat):
            once()
    profiler.disable()
    seconds = time.perf_counter() - began
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    print(f"{args.repeat} runs in {seconds:.2f} s under the profiler; one run's SQL:")
    for statement in statements:
        print(f"  {statement[:160]}")
    print(f"{len(statements)} statements per run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
