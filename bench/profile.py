"""Profile one API call in-process (cProfile over the Django test client) against a database
the harness left behind, to see where a slow scenario spends its time.

    python -m bench.profile /genesys/1/cs/services/svc000000042?active_states=true \
        --database-url postgres://postgres@127.0.0.1:5432/csadmin_bench --repeat 300
    python -m bench.profile --conversation --repeat 20     # 33-call conversations

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

from bench.run import DEFAULT_URL


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

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

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

        driver.conversation(Adapter(), rng, 1000)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="profile one API call in-process")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--conversation", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    headers = setup(args.database_url)
    from django.db import connection
    from django.test import Client

    client = Client()
    rng = random.Random(3)
    conversation = Conversation(client, headers)

    def once():
        if args.conversation:
            conversation(rng)
        else:
            response = client.get(args.path, headers=headers)
            assert response.status_code == 200, response.content[:300]

    once()
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: each request resets Django's query log.
    with connection.execute_wrapper(record):
        once()
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
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
