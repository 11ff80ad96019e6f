"""Seeded generator of customers' services with states, tasks and attached data.

Two shapes of the same data:
- `files` (default): the import/export files, services.ndjson, states.ndjson and tasks.ndjson,
  one row per line as the export writes them (plugins/maintenance/exporting.py), and import.zip
  holding the three (what the import job reads);
- `services`: one full service per line, shaped as the export stream and
  GET /services/{id}?active_states=true&completed_states=true&active_tasks=true&completed_tasks=true
  answer it (plugins/services/representation.py).

The same seed and scale always give the same data. Service n (1-based, the line number) has
service id `svc` + n on nine digits and customer `c<k>`, so SQL can name any of them from a number
(the pgbench baseline of the reads scenario does).

    python -m bench.generate --scale small --out var/bench/small          # files
    python -m bench.generate --scale tiny --shape services --out -        # full services
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

SCALES = {"tiny": 300, "small": 40_000, "medium": 200_000, "full": 1_000_000}
DEFAULT_SCALE = "small"
SEED = 20261129
VERSION = 2  # bump when the generated data changes: cached files are keyed by it
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 180 * 24 * 3600

SERVICE_TYPES = ("Sales", "Billing", "Support", "Retention", "Onboarding", "Collections")
STATE_TYPES = ("IVR", "Queue", "Agent", "Callback", "Survey", "Self-service", "Transfer")
TASK_TYPES = ("Verify identity", "Quote", "Refund", "Order", "Follow-up email", "Escalation")
DISPOSITIONS = ("Resolved", "Abandoned", "Transferred", "Callback set", "Sale", "No sale")
LANGUAGES = ("en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "nl-NL")
# fmt: off
WORDS = (
    "account", "balance", "order", "delivery", "invoice", "refund", "upgrade", "plan", "router",
    "outage", "payment", "card", "address", "change", "password", "reset", "contract", "renewal",
    "discount", "complaint", "warranty", "appointment",
)
# fmt: on


def scale_from_env(value: str | None = None) -> int:
    """BENCH_SCALE: a name (tiny, small, medium, full) or a number of services."""
    raw = (value if value is not None else os.environ.get("BENCH_SCALE", "")).strip().lower()
    if not raw:
        return SCALES[DEFAULT_SCALE]
    if raw in SCALES:
        return SCALES[raw]
    try:
        count = int(raw.replace("_", ""))
    except ValueError:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)} or a number") from None
    if count < 10:
        raise SystemExit("BENCH_SCALE must be at least 10 services")
    return count


def service_key(n: int) -> str:
    return f"svc{n:09d}"


def customer_count(services: int) -> int:
    """About four services per customer, as a contact centre with returning callers has."""
    return max(2, services // 4)


def iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Generator:
    """Services 1..count; `deep_share` of them belong to customer c0 (a shared account with a
    long history), which gives the deep-page scenario a long list to page through."""

    def __init__(self, count: int, seed: int = SEED, deep_share: float = 0.2):
        self.count = count
        self.rng = random.Random(seed)
        self.customers = customer_count(count)
        self.deep_share = deep_share

    # -- attached data: 1 to 4 keys per start event, values of realistic size ----------------
    def attached(self) -> dict:
        rng = self.rng
        choices = {
            "ani": lambda: f"+1{rng.randrange(2_000_000_000, 9_999_999_999)}",
            "dnis": lambda: f"+1800{rng.randrange(1_000_000, 9_999_999)}",
            "language": lambda: rng.choice(LANGUAGES),
            "intent": lambda: " ".join(rng.choices(WORDS, k=rng.randint(2, 4))),
            "ivr_path": lambda: "/".join(str(rng.randint(1, 9)) for _ in range(rng.randint(2, 6))),
            "account_tier": lambda: rng.choice(("bronze", "silver", "gold", "platinum")),
            "order_id": lambda: f"ORD-{rng.randrange(10**7, 10**8)}",
            "notes": lambda: " ".join(rng.choices(WORDS, k=rng.randint(4, 12))),
        }
        keys = rng.sample(list(choices), rng.randint(1, 4))
        return {key: choices[key]() for key in keys}

    def customer_of(self) -> tuple[str | None, str | None]:
        rng = self.rng
        roll = rng.random()
        if roll < self.deep_share:
            return "c0", None
        if roll < self.deep_share + 0.08:  # anonymous: only a contact key (the caller's number)
            return None, f"+1{rng.randrange(2_000_000_000, 9_999_999_999)}"
        return f"c{rng.randrange(1, self.customers)}", None

    def timing(self, started: dt.datetime, completed: dt.datetime | None, completed_data=None):
        body = {"started": {"timestamp": iso(started), **self.attached()}}
        if completed is not None:
            body["completed"] = {"timestamp": iso(completed), **(completed_data or {})}
            body["duration"] = int((completed - started).total_seconds() * 1000)
        return body

    def common(self, started, completed, completed_data=None) -> dict:
        rng = self.rng
        ended = completed is not None
        return {
            "est_duration": rng.choice((None, 60, 120, 300, 600)),
            "disposition": rng.choice(DISPOSITIONS) if ended else None,
            "disposition_desc": rng.choice((None, "as expected", "customer hung up"))
            if ended
            else None,
            **self.timing(started, completed, completed_data),
        }

    def service(self, n: int) -> dict:
        rng = self.rng
        started = EPOCH + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS), milliseconds=n % 997)
        active = rng.random() < 0.12
        customer_id, contact_key = self.customer_of()
        steps = rng.randint(1, 5)
        clock = started
        states, tasks = [], []
        for number in range(1, steps + 1):
            state_started = clock
            clock += dt.timedelta(seconds=rng.randint(5, 600))
            last_open = active and number == steps
            state = {
                "state_id": number,
                "state_type": rng.choice(STATE_TYPES),
                **self.common(state_started, None if last_open else clock),
            }
            states.append(state)
            for _ in range(rng.choice((0, 0, 1, 1, 2, 2, 3))):
                task_started = state_started + dt.timedelta(seconds=rng.randint(1, 5))
                tasks.append(
                    {
                        "task_id": len(tasks) + 1,
                        "task_type": rng.choice(TASK_TYPES),
                        "state_id": number,
                        **self.common(task_started, None if last_open else clock),
                    }
                )
        service = {
            "service_id": service_key(n),
            "service_type": rng.choice(SERVICE_TYPES),
            "customer_id": customer_id,
            "contact_key": contact_key,
            **self.common(started, None if active else clock),
            "active_states": [s for s in states if "completed" not in s],
            "completed_states": [s for s in states if "completed" in s],
            "active_tasks": [t for t in tasks if "completed" not in t],
            "completed_tasks": [t for t in tasks if "completed" in t],
        }
        return service

    def services(self) -> Iterator[dict]:
        for n in range(1, self.count + 1):
            yield self.service(n)


def _flat(row: dict, keys: tuple[str, ...]) -> dict:
    """A row of the export files: timestamps as text, the event data in their own objects."""
    started = dict(row["started"])
    completed = dict(row["completed"]) if "completed" in row else None
    return {
        **{key: row.get(key) for key in keys},
        "started": started.pop("timestamp"),
        "completed": completed.pop("timestamp") if completed is not None else None,
        "est_duration": row.get("est_duration"),
        "disposition": row.get("disposition"),
        "disposition_desc": row.get("disposition_desc"),
        "started_data": started,
        "completed_data": completed,
        "extensions": row.get("extensions") or {},
    }


def flat_rows(service: dict) -> tuple[dict, list[dict], list[dict]]:
    """(services row, states rows, tasks rows) of one full service, as the export files hold."""
    sid = {"service_id": service["service_id"]}
    head = _flat(service, ("service_id", "service_type", "customer_id", "contact_key"))
    head["expiration_time"] = service.get("expiration_time")
    states = [
        {**sid, **_flat(s, ("state_id", "state_type"))}
        for s in service["active_states"] + service["completed_states"]
    ]
    tasks = [
        {**sid, **_flat(t, ("task_id", "state_id", "task_type"))}
        for t in service["active_tasks"] + service["completed_tasks"]
    ]
    return head, states, tasks


def _line(row: dict) -> str:
    return json.dumps(row, separators=(",", ":")) + "\n"


def write_services(path: Path, count: int, seed: int = SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for service in Generator(count, seed).services():
            out.write(_line(service))
    return path


FILES = ("services.ndjson", "states.ndjson", "tasks.ndjson")


def write_files(folder: Path, count: int, seed: int = SEED) -> Path:
    """services.ndjson, states.ndjson, tasks.ndjson and import.zip (stored, not deflated, so
    reading it costs the import no decompression) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    outs = [(folder / name).open("w", encoding="utf-8") for name in FILES]
    try:
        for service in Generator(count, seed).services():
            head, states, tasks = flat_rows(service)
            outs[0].write(_line(head))
            outs[1].writelines(_line(row) for row in states)
            outs[2].writelines(_line(row) for row in tasks)
    finally:
        for out in outs:
            out.close()
    with zipfile.ZipFile(folder / "import.zip", "w", compression=zipfile.ZIP_STORED) as archive:
        for name in FILES:
            archive.write(folder / name, arcname=name)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None, help="tiny, small, medium, full or a number")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--shape", choices=("files", "services"), default="files")
    parser.add_argument("--out", default="-", help="folder (files) or file (services), - stdout")
    args = parser.parse_args(argv)
    count = scale_from_env(args.scale)
    if args.shape == "files":
        if args.out == "-":
            raise SystemExit("--shape files needs --out FOLDER")
        write_files(Path(args.out), count, args.seed)
    elif args.out == "-":
        for service in Generator(count, args.seed).services():
            sys.stdout.write(_line(service))
    else:
        write_services(Path(args.out), count, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
