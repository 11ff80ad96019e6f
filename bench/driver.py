"""Load driver: a separate process that sends HTTP requests to the bench server on loopback and
prints one JSON summary (requests, errors, elapsed, req/s, latency percentiles).

Threads with http.client, a bounded number of requests and a bounded time. Two modes:

- `conversation`: each thread runs Context Services sizing conversations one after another:
  one service, five states, ten tasks = 33 REST calls (service start; per state: start, two
  tasks started and ended, end; service end; one read of the service with its states), with
  1 to 4 attached-data keys on every start event.
- `get`: GETs of paths read from a file (one per line), in a seeded random order.

Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time

HOST = "127.0.0.1"
API = "/genesys/1/cs/"
CALLS_PER_CONVERSATION = 33
ATTACHED = {
    "ani": lambda r: f"+1{r.randrange(2_000_000_000, 9_999_999_999)}",
    "language": lambda r: r.choice(("en-US", "fr-FR", "de-DE")),
    "intent": lambda r: r.choice(("billing question", "new order", "cancel contract")),
    "ivr_path": lambda r: "/".join(str(r.randint(1, 9)) for _ in range(r.randint(2, 5))),
    "account_tier": lambda r: r.choice(("bronze", "silver", "gold")),
    "order_id": lambda r: f"ORD-{r.randrange(10**7, 10**8)}",
}


class Failed(Exception):
    pass


class Client:
    """One keep-alive connection (reopened by http.client when the server closes it)."""

    def __init__(self, port: int, headers: dict, stats: Stats):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.headers = headers
        self.stats = stats

    def call(self, method: str, path: str, body=None, expect=(200, 201, 204), parse=True):
        payload = None if body is None else json.dumps(body)
        headers = dict(self.headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, payload, headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            self.stats.error(f"{method} {path}: {error!r}")
            raise Failed from error
        self.stats.record(time.perf_counter() - started)
        if response.status not in expect:
            text = data[:300].decode(errors="replace")
            self.stats.error(f"{method} {path}: {response.status} {text}")
            raise Failed
        return json.loads(data) if data and parse else None


class Stats:
    def __init__(self, limit: int):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.samples: list[str] = []
        self.limit = limit
        self.conversations = 0

    def record(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.samples) < 5:
                self.samples.append(text)

    def full(self) -> bool:
        return len(self.latencies) + self.errors >= self.limit


def attached(rng: random.Random) -> dict:
    keys = rng.sample(list(ATTACHED), rng.randint(1, 4))
    return {key: ATTACHED[key](rng) for key in keys}


def conversation(client: Client, rng: random.Random, customers: int, api: str = API) -> None:
    started = client.call(
        "POST",
        api + "services/start",
        {
            "service_type": "Support",
            "customer_id": f"c{rng.randrange(1, customers)}",
            **attached(rng),
        },
    )
    service = api + f"services/{started['service_id']}"
    for number in range(5):
        state = client.call(
            "POST", service + "/states/start", {"state_type": f"Step{number}", **attached(rng)}
        )
        state_id = state["state_id"]
        for _ in range(2):
            task = client.call(
                "POST",
                service + "/tasks/start",
                {"task_type": "Work", "state_id": state_id, **attached(rng)},
            )
            client.call("POST", service + f"/tasks/{task['task_id']}/end", {"disposition": "Done"})
        client.call("POST", service + f"/states/{state_id}/end", {"disposition": "Done"})
    client.call("POST", service + "/end", {"disposition": "Resolved"})
    client.call("GET", service + "?active_states=true&completed_states=true")


def run_threads(worker, threads: int) -> float:
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


def percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))
    return sorted_values[index]


def summary(stats: Stats, elapsed: float) -> dict:
    values = sorted(stats.latencies)

    def ms(share):
        value = percentile(values, share)
        return None if value is None else round(value * 1000, 2)

    return {
        "requests": len(values),
        "errors": stats.errors,
        "error_samples": stats.samples,
        "elapsed_s": round(elapsed, 3),
        "rps": round(len(values) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms(0.50),
        "p95_ms": ms(0.95),
        "p99_ms": ms(0.99),
        "conversations": stats.conversations,
        # The driver shares the machine with the server: what it took is not the server's.
        "driver_cpu_s": round(os.times().user + os.times().system, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bench load driver (loopback only)")
    parser.add_argument("mode", choices=("conversation", "get"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--paths", help="file of paths for `get`")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--api", default=API, help="the conversation's path prefix (the raw baseline's)"
    )
    parser.add_argument("--cookie", help="a session cookie: GET pages as a signed-in browser")
    args = parser.parse_args(argv)

    headers = {"Authorization": f"Token {args.token}", "ContactCenterId": args.tenant}
    if args.cookie:  # a page: the session says who and which tenant
        headers = {"Cookie": args.cookie}
    stats = Stats(args.max_requests)
    deadline = time.perf_counter() + args.duration
    paths = []
    if args.mode == "get":
        with open(args.paths, encoding="utf-8") as lines:
            paths = [line.strip() for line in lines if line.strip()]

    def worker(index: int) -> None:
        rng = random.Random(args.seed * 1000 + index)
        client = Client(args.port, headers, stats)
        while time.perf_counter() < deadline and not stats.full():
            try:
                if args.mode == "conversation":
                    conversation(client, rng, args.customers, args.api)
                    with stats.lock:
                        stats.conversations += 1
                else:
                    # read to the end, not parsed: a page is HTML, and only its time counts
                    client.call("GET", rng.choice(paths), expect=(200,), parse=False)
            except Failed:
                continue

    elapsed = run_threads(worker, args.threads)
    json.dump(summary(stats, elapsed), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
