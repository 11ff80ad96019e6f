"""`make bench`: every scenario against a baseline measured in the same run, on PostgreSQL.

Creates (drops first) its own database, migrates it, loads generated services, starts gunicorn
on 127.0.0.1 with one sync worker per core, drives it from a second process (bench.driver),
prints one table and writes bench/results.json.

    python -m bench.run            # BENCH_SCALE (default small) services
    python -m bench.run --smoke    # tiny scale, short measurements: proves the harness runs
    python -m bench.run --only 1   # only the import scenario (a comma list: --only 1,3)

The database is the one of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/csadmin_bench)
unless its name is not one of the harness's own (csadmin_bench, or a `bench` word after csadmin_,
e.g. csadmin_ci_bench): then the server is kept and the database is csadmin_bench, so the
harness never drops a database it does not own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

from bench import customers, generate, maintenance, pages, pgbench, webhooks
from bench.common import (
    API,
    DATA_DIR,
    Driver,
    Profile,
    Row,
    checked,
    informative,
    interleaved,
    ratio_row,
    sql,
)
from bench.server import ROOT, Server, cores

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/csadmin_bench"
RESULTS = ROOT / "bench" / "results.json"
GENESYS_RPS_PER_CORE = 1000 / 16  # ~1,000 req/s on four quad-core nodes
GENESYS_BYTES_PER_EVENT = 0.54 * 1024
SERVICE_TABLES = ("services_service", "services_state", "services_task", "services_event")
SCENARIOS = frozenset([*"123456789", "10"])
# A scenario that measures what another one left behind brings that one along.
NEEDS = {"3": "1", "7": "4"}


def chosen_scenarios(raw: str | None) -> frozenset[str]:
    """The scenario numbers of `--only` (e.g. "1" or "1,3"), with the ones they need; all of
    them without the option."""
    if not raw:
        return SCENARIOS
    chosen = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = chosen - SCENARIOS
    if unknown or not chosen:
        raise SystemExit(f"--only takes scenario numbers 1-10, e.g. --only 1,3 (not {raw!r})")
    return frozenset(chosen | {NEEDS[n] for n in chosen if n in NEEDS})


def scenario_number(scenario: str) -> int:
    """The number a table row starts with ("10 Page: ..." sorts after "9 ...")."""
    return int(scenario.split(" ", 1)[0])


def profile_for(args) -> Profile:
    if args.smoke:
        return Profile(generate.SCALES["tiny"], 3, 2, 5_000, rounds=1)
    scale = generate.scale_from_env(args.scale)
    if args.short:
        return Profile(scale, 3, 2, 5_000, rounds=1)
    return Profile(scale, 30, 15, 2_000_000, rounds=3)


# -- database ---------------------------------------------------------------------------------


def owned_database(name: str) -> bool:
    """A database the harness may drop: csadmin_bench, or a name with a `bench` word after
    csadmin_ (csadmin_bench_smoke, csadmin_ci_bench, ...)."""
    words = name.split("_")
    return words[0] == "csadmin" and "bench" in words[1:]


def bench_database_url(raw: str | None, smoke: bool) -> str:
    url = urlparse(raw or DEFAULT_URL)
    if url.scheme not in ("postgres", "postgresql"):
        raise SystemExit("the benchmarks need PostgreSQL: set DATABASE_URL=postgres://...")
    name = url.path.lstrip("/")
    if not owned_database(name):
        name = "csadmin_bench"
    if smoke and not name.endswith("_smoke"):
        name += "_smoke"
    return urlunparse(url._replace(path="/" + name))


def recreate_database(url: str, *, create: bool = True) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not owned_database(name):
        raise SystemExit(f"the harness drops only its own databases, not {name!r}")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    recreate_database(url, create=False)


def disk_use(url: str, folder: Path) -> dict:
    """Bytes of the database and of the generated files it was loaded from."""
    database = sql(url, "SELECT pg_database_size(current_database())")[0][0]
    files = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
    return {"database_bytes": database, "data_bytes": files}


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_tenant_and_token() -> tuple[int, str]:
    from django.contrib.auth import get_user_model

    from csadmin.access.services import create_api_token, grant_roles
    from csadmin.tenancy.models import Tenant

    tenant = Tenant.objects.create(name="Bench", mode="production")
    user = get_user_model().objects.create_user(username="bench", password=None)
    grant_roles(tenant=tenant, user=user, role_names=["Administrator"], actor=None)
    _, key = create_api_token(user=user, name="bench")
    return tenant.pk, key


def storage(url: str) -> tuple[int, int]:
    """(bytes of the services tables with their indexes and TOAST, stored events)."""
    sql(url, "VACUUM ANALYZE " + ", ".join(SERVICE_TABLES))
    total = sum(sql(url, "SELECT pg_total_relation_size(%s)", (t,))[0][0] for t in SERVICE_TABLES)
    events = sql(url, "SELECT count(*) FROM services_event")[0][0]
    return total, events


# -- data -------------------------------------------------------------------------------------


def data_folder(scale: int) -> Path:
    """The generated export files of this scale (made once, reused by later runs)."""
    folder = DATA_DIR / f"data-{scale}-{generate.SEED}-v{generate.VERSION}"
    if not (folder / "import.zip").exists():
        generate.write_files(folder, scale)
    return folder


def load(url: str, tenant_id: int, folder: Path) -> dict:
    import psycopg

    from bench.load import copy_files

    began = time.perf_counter()
    with psycopg.connect(url) as conn:
        counts = copy_files(conn, tenant_id, folder, ids_from=1)
    seconds = time.perf_counter() - began
    sql(url, "VACUUM ANALYZE " + ", ".join(SERVICE_TABLES))
    rows = counts["services"] + counts["states"] + counts["tasks"]
    return {**counts, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


# -- driving the server -----------------------------------------------------------------------


RAW_API = "/bench/raw/cs/"


def conversation_scenario(driver: Driver, profile: Profile, workers: int, customers: int, url):
    """csadmin's conversation against the same calls on the raw DRF endpoint set, in alternating
    slices; the storage its own slices added is kept apart for scenario 7 (the raw endpoints
    store no events)."""
    base = ("conversation", "--customers", str(customers))
    for api in (API, RAW_API):  # warm every worker (imports, URL resolver, connections)
        driver.run(*base, "--duration", "1", "--seed", "7", "--api", api)
    stored = {"bytes": 0, "events": 0}

    def measure(api: str):
        def one_slice(seconds: float) -> dict:
            return checked(
                driver.run(*base, "--duration", str(seconds), "--api", api), f"conversation {api}"
            )

        return one_slice

    def measure_csadmin(seconds: float) -> dict:
        before = storage(url)
        result = measure(API)(seconds)
        after = storage(url)
        stored["bytes"] += after[0] - before[0]
        stored["events"] += after[1] - before[1]
        return result

    slices = replace(profile, read_seconds=profile.load_seconds, rounds=max(profile.rounds, 6))
    passes = interleaved({"csadmin": measure_csadmin, "raw": measure(RAW_API)}, slices)
    result, raw = passes["csadmin"], passes["raw"]
    details = {**result, "cores": workers, "calls_per_conversation": 33}
    same_run = Row(
        "4 API conversation load",
        "req/s",
        baseline_name="bare DRF views, same writes, same server",
        target=">= 0.8",
        details={**details, "raw": raw},
    )
    published = Row(
        "4 API conversation load",
        "req/s per core",
        baseline_name="Genesys published (~1,000 req/s / 16 cores), reference",
        target=">= 4",
        details=details,
    )
    per_core = round(result["rps"] / workers, 1)
    return [
        ratio_row(same_run, result["rps"], raw["rps"], 0.8),
        ratio_row(published, per_core, round(GENESYS_RPS_PER_CORE, 1), 4.0),
    ], stored


def storage_scenario(stored: dict | None) -> Row:
    """Bytes the services tables grew by during csadmin's conversation slices, per event."""
    row = Row(
        "7 Storage per event",
        "bytes/event",
        baseline_name="Genesys published 0.54 KB",
        target="< 1 (below)",
    )
    if not stored or stored["events"] <= 0:
        row.status = "error"
        row.details["reason"] = "the conversation load stored no events"
        return row
    row.details = {"bytes_added": stored["bytes"], "events_added": stored["events"]}
    row.csadmin = round(stored["bytes"] / stored["events"], 1)
    row.baseline = round(GENESYS_BYTES_PER_EVENT, 1)
    row.ratio = round(row.csadmin / row.baseline, 3)
    row.status = "pass" if row.ratio < 1 else "fail"
    return row


def read_scenarios(ctx, driver: Driver, profile: Profile, clients: int) -> list[Row]:
    from django.test import Client

    rng = random.Random(5)
    customers, services = ctx["customers"], ctx["services"]
    headers = {"Authorization": f"Token {ctx['token']}", "ContactCenterId": str(ctx["tenant"])}
    customer_ids = [rng.randrange(1, customers) for _ in range(2000)]
    service_numbers = [rng.randrange(1, services + 1) for _ in range(2000)]
    reads = [
        (
            "customer active services",
            [f"{API}customers/c{k}/services/active" for k in customer_ids],
            [f"/bench/raw/customers/c{k}/services/active" for k in customer_ids],
            lambda queries, k: pgbench.customer_script(queries, k, customers),
            customer_ids[:2],
        ),
        (
            "service with states",
            [
                f"{API}services/{generate.service_key(n)}?active_states=true&completed_states=true"
                for n in service_numbers
            ],
            [f"/bench/raw/services/{generate.service_key(n)}" for n in service_numbers],
            lambda queries, n: pgbench.service_script(queries, n, services),
            service_numbers[:2],
        ),
    ]
    client = Client()
    rows = []
    for name, csadmin_paths, raw_paths, script_for, samples in reads:
        captured = [pgbench.capture(client, csadmin_paths[i], headers) for i in range(2)]
        query_counts = [len(queries) for queries in captured]
        script = script_for(captured[0], samples[0]) if pgbench.available() else None
        passes = interleaved(
            {
                "csadmin": lambda s, p=csadmin_paths, n=name: checked(
                    driver.get(p, s), f"reads {n}"
                ),
                "raw_view": lambda s, p=raw_paths, n=name: checked(
                    driver.get(p, s), f"raw reads {n}"
                ),
                **(
                    {"pgbench": lambda s, sc=script: pgbench.run(ctx["url"], sc, clients, s)}
                    if script
                    else {}
                ),
            },
            profile,
        )
        csadmin, raw = passes["csadmin"], passes["raw_view"]
        details = {
            **passes,
            "queries_per_request": query_counts,
            "queries_constant": len(set(query_counts)) == 1,
            "sql": captured[0],
        }
        # Information only: no Python view reaches pgbench's rate; the raw view below is judged.
        pg_row = Row(
            f"5 Reads: {name}",
            "req/s",
            baseline_name="pgbench, same SQL",
            target="information",
            details=details,
        )
        if script:
            rows.append(informative(pg_row, csadmin["rps"], passes["pgbench"]["rps"]))
        else:
            pg_row.details["reason"] = "pgbench is not installed"
            rows.append(pg_row)
        raw_row = Row(
            f"5 Reads: {name}",
            "req/s",
            baseline_name="raw-SQL view, same server",
            target=">= 0.5",
            details={"csadmin": csadmin, "raw_view": raw},
        )
        rows.append(ratio_row(raw_row, csadmin["rps"], raw["rps"], 0.5))
    return rows


def cursor_at(listing: str, tenant: int, position: int) -> str:
    """The cursor the API gives out for the page of `listing` after the row with this id:
    signed for that list and tenant as the server signs it (same settings, same SECRET_KEY)."""
    from django.test import RequestFactory

    from csadmin.pluginlib.paging import list_identity, sign_cursor
    from csadmin.tenancy.models import Tenant

    request = RequestFactory().get(listing)
    request.tenant = Tenant(pk=tenant)
    return sign_cursor(list_identity(request, "-id", "cursor"), 0, 0, str(position))


def deep_page_scenario(ctx, driver: Driver, profile: Profile) -> Row:
    url, tenant = ctx["url"], ctx["tenant"]
    total = sql(
        url,
        "SELECT count(*) FROM services_service WHERE tenant_id = %s AND customer_id = 'c0'",
        (tenant,),
    )[0][0]
    page_size = min(100, max(1, total // 4))  # a tiny smoke list still has a deep page
    listing = f"{API}customers/c0/services?page_size={page_size}"
    depth = max(0, total - page_size)
    position = sql(
        url,
        "SELECT id FROM services_service WHERE tenant_id = %s AND customer_id = 'c0' "
        "ORDER BY id DESC OFFSET %s LIMIT 1",
        (tenant, max(0, depth - 1)),
    )[0][0]
    deep = f"{listing}&{urlencode({'cursor': cursor_at(listing, tenant, position)})}"
    passes = interleaved(
        {
            "first": lambda s: checked(driver.get([listing], s, threads=1), "first page"),
            "deep": lambda s: checked(driver.get([deep], s, threads=1), "deep page"),
        },
        profile,
    )
    first, deep_result = passes["first"], passes["deep"]
    row = Row(
        f"6 Deep page (depth {depth:,})",
        "p50 ms",
        csadmin=deep_result["p50_ms"],
        baseline=first["p50_ms"],
        baseline_name="first page, same list",
        target="<= 2",
        details={"depth": depth, "list_length": total, "first": first, "deep": deep_result},
    )
    row.ratio = round(row.csadmin / row.baseline, 3) if row.baseline else None
    row.status = "pass" if row.ratio is not None and row.ratio <= 2 else "fail"
    return row


# -- report -----------------------------------------------------------------------------------


def figure(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def table(rows: list[Row]) -> str:
    header = ("scenario", "unit", "csadmin", "baseline", "ratio", "target", "result")
    lines = [
        (
            row.scenario,
            row.unit,
            figure(row.csadmin),
            f"{figure(row.baseline)} ({row.baseline_name})" if row.baseline_name else "-",
            "-" if row.ratio is None else f"{row.ratio:.2f}",
            row.target,
            row.status,
        )
        for row in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]

    def fmt(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def notes(rows: list[Row]) -> str:
    out = []
    for row in rows:
        d = row.details
        if row.scenario.startswith("1") and "csadmin" in d and row.baseline_name.startswith("ps"):
            c, b = d["csadmin"], d["copy"]
            out.append(
                f"1: import of {c['services']} services, {c['states']} states, {c['tasks']} tasks "
                f"in {c['seconds']} s; COPY {b['seconds']} s; bulk_create "
                f"{d.get('bulk_create', {}).get('seconds', '-')} s"
            )
        if row.scenario.startswith("2 Export stream (") and "csadmin" in d:
            out.append(
                f"2: {d['csadmin']['services']} services in {d['csadmin']['seconds']:.2f} s, "
                f"first byte {d['first_byte_s']} s, server worker peak memory growth "
                f"{d['worker_peak_growth_mb']} MB; COPY TO {d['copy_to']['seconds']:.2f} s"
            )
        if row.scenario == "3 Purge" and "csadmin" in d:
            out.append(
                f"3: purge of {d['csadmin']['services']} services in {d['csadmin']['seconds']} s, "
                f"slowest batch {d['csadmin_slowest_batch_s']} s; raw loop {d['raw']['seconds']} s,"
                f" slowest batch {d['raw_slowest_batch_s']} s"
            )
        if row.scenario.startswith("4") and "raw" in d:
            r = d["raw"]
            out.append(
                f"4: {d['rps']:,} req/s on {d['cores']} cores, {d['conversations']} conversations, "
                f"p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, p99 {d['p99_ms']} ms; the load "
                f"driver itself used {d.get('driver_cpu_s')} CPU-s of {d['elapsed_s']} s "
                f"(the median of passes at {d.get('rps_passes')} req/s); bare DRF views "
                f"p50 {r['p50_ms']} ms, passes at {r['rps_passes']} req/s"
            )
        if row.scenario.startswith("5") and "pgbench" in d:
            c, p = d["csadmin"], d["pgbench"]
            out.append(
                f"{row.scenario}: csadmin p95 {c['p95_ms']} ms, raw view p95 "
                f"{d['raw_view']['p95_ms']} ms, pgbench p95 {p['p95_ms']} ms; "
                f"queries per request {d['queries_per_request']}"
            )
        if row.scenario.startswith("8 Events: API") and "active" in d:
            out.append(
                f"8: conversation load p95 {d['p95_ms_active']} ms with the subscription active, "
                f"{d['p95_ms_paused']} ms paused; req/s per pass {d['active']['rps_passes']} "
                f"active, {d['paused']['rps_passes']} paused"
            )
        if row.scenario == "8 Events: deliveries" and "deliveries" in d:
            b = d["baseline"]
            out.append(
                f"8: {d['deliveries']} deliveries ({d['body_bytes']} bytes each) in "
                f"{d['seconds']} s by one worker process per core; raw POSTs: {b['posts']} in "
                f"{b['seconds']} s"
            )
        if row.status in ("not available", "error"):
            out.append(f"{row.scenario}: {row.status}: {d.get('reason', '')}")
    return "\n".join(out)


def machine() -> dict:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kb = int(info.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cores": cores(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# -- main -------------------------------------------------------------------------------------


def run(args) -> tuple[list[Row], dict]:
    profile = profile_for(args)
    url = bench_database_url(args.database_url or os.environ.get("DATABASE_URL"), args.smoke)
    workers = cores()
    clients = max(2, workers * 2)
    info = {
        "scale": profile.scale,
        "database": url.rsplit("/", 1)[-1],
        "workers": workers,
        "load_average_start": os.getloadavg()[0],
    }
    print(
        f"bench: {profile.scale:,} services, database {info['database']}, {workers} workers",
        flush=True,
    )

    recreate_database(url)
    webhooks_missing = webhooks.available()
    if webhooks_missing is None:
        # This process, the server and the worker share the broker and the cache (a change to
        # a subscription made here must reach the server's processes at once).
        os.environ.update(webhooks.server_env())
    setup_django(url)
    tenant_id, token = make_tenant_and_token()
    began = time.perf_counter()
    folder = data_folder(profile.scale)
    info["generate_s"] = round(time.perf_counter() - began, 1)
    info["import_zip_max_bytes"] = maintenance.allow_import_of(folder / "import.zip")
    info["load"] = load(url, tenant_id, folder)
    print(f"bench: loaded {info['load']}", flush=True)
    ctx = {
        "url": url,
        "tenant": tenant_id,
        "token": token,
        "services": profile.scale,
        "customers": generate.customer_count(profile.scale),
        "workers": workers,
        "skip_bulk_create": args.skip_bulk_create,
    }

    rows: list[Row] = []
    only = chosen_scenarios(args.only)
    info["only"] = ",".join(sorted(only)) if only != SCENARIOS else None
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    with Server(env, workers) as server:
        driver = Driver(server.port, token, tenant_id, clients, profile.max_requests)
        stored = None
        if "4" in only:
            result = attempt(
                "4 API conversation load",
                lambda: conversation_scenario(driver, profile, workers, ctx["customers"], url),
            )
            if isinstance(result, Row):
                rows.append(result)
            else:
                rows += result[0]
                stored = result[1]
        if "5" in only:
            rows_5 = attempt("5 Reads", lambda: read_scenarios(ctx, driver, profile, clients))
            rows += rows_5 if isinstance(rows_5, list) else [rows_5]
        if "6" in only:
            rows.append(attempt("6 Deep page", lambda: deep_page_scenario(ctx, driver, profile)))
        if "7" in only:
            rows.append(attempt("7 Storage per event", lambda: storage_scenario(stored)))
        if "8" in only and webhooks_missing is None:
            result = attempt(
                "8 Events",
                lambda: webhooks.webhook_scenarios(ctx, driver, profile, workers, env),
            )
            rows += result if isinstance(result, list) else [result]
        elif "8" in only:
            rows += webhooks.unavailable_rows(webhooks_missing)
        rows += maintenance_scenarios(ctx, server, driver, profile, folder, only)
        if "9" in only:
            result = attempt("9 Customers", lambda: customers.scenarios(ctx, server, args.smoke))
            rows += result if isinstance(result, list) else [result]
        if "10" in only:  # last: it adds profiles and a service to the bench tenant
            result = attempt("10 Pages", lambda: pages.pages_scenario(ctx, driver, profile))
            rows += result if isinstance(result, list) else [result]
    rows.sort(key=lambda row: scenario_number(row.scenario))
    info["load_average_end"] = os.getloadavg()[0]
    info.update(disk_use(url, folder))
    return rows, info


def maintenance_scenarios(ctx, server, driver, profile, folder, only=SCENARIOS) -> list[Row]:
    """Import, export stream and purge, last: they add tenants to the same tables."""
    if not only & {"1", "2", "3"}:
        return []
    if not maintenance.available():
        return maintenance.unavailable_rows("needs the maintenance plug-in")
    rows = []
    for name, measure in (
        ("2 Export stream (full content)", lambda: maintenance.export_scenario(ctx, server)),
        ("1 Import (validated)", lambda: maintenance.import_scenario(ctx, folder)),
        ("3 Purge", lambda: maintenance.purge_scenario(ctx, driver, profile)),
    ):
        if name[0] not in only:
            continue
        if name.startswith("3") and "purge_tenants" not in ctx:
            rows.append(Row(name, status="error", details={"reason": "the import failed"}))
            continue
        result = attempt(name, measure)
        rows += result if isinstance(result, list) else [result]
    return rows


def attempt(scenario: str, measure):
    """Run one scenario; an exception becomes an error row (the run goes on, and fails)."""
    try:
        return measure()
    except Exception as error:
        traceback.print_exc()
        return Row(scenario, status="error", details={"reason": f"{type(error).__name__}: {error}"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="csadmin benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, short measurements")
    parser.add_argument("--scale", help="tiny, small, medium, full or a number (BENCH_SCALE)")
    parser.add_argument("--short", action="store_true", help="short measurements at any scale")
    parser.add_argument(
        "--skip-bulk-create",
        action="store_true",
        help="leave out the import's bulk_create yardstick (the purge's third copy is COPY'd)",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL (DATABASE_URL)")
    parser.add_argument("--results", default=str(RESULTS), help="where to write results.json")
    parser.add_argument(
        "--only", metavar="N[,N...]", help="run only these scenarios (3 brings 1, 7 brings 4)"
    )
    args = parser.parse_args(argv)
    chosen_scenarios(args.only)  # a wrong list stops here, before the database is dropped

    started = dt.datetime.now(dt.UTC)
    rows, info = run(args)
    print()
    print(table(rows))
    print()
    print(notes(rows))
    busy = max(info["load_average_start"], info["load_average_end"])
    if busy > info["workers"]:
        print(
            f"bench: the machine was busy (load average up to {busy:.1f} on {info['workers']} "
            "cores): absolute figures are low and noisy; ratios to same-run baselines less so"
        )
    result = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "smoke": args.smoke,
        "machine": machine(),
        **info,
        "scenarios": [asdict(row) for row in rows],
    }
    Path(args.results).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(f"\nbench: wrote {args.results} ({result['seconds']} s)")
    return 1 if any(row.status == "error" for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
