"""What the scenarios share: a table row, the run's timing profile, SQL on the side, the load
driver subprocess and the interleaving of csadmin and baseline passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

from bench.server import ROOT

DATA_DIR = ROOT / "var" / "bench"
API = "/genesys/1/cs/"


@dataclass
class Row:
    """One line of the table. `status`: pass, fail, information (no target), not available,
    error."""

    scenario: str
    unit: str = ""
    csadmin: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""
    status: str = "not available"
    details: dict = field(default_factory=dict)


@dataclass
class Profile:
    """How long each measurement runs: the smoke run only proves every step works."""

    scale: int
    load_seconds: float
    read_seconds: float
    max_requests: int
    rounds: int = 3


def sql(url: str, query: str, params=()):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


class Driver:
    def __init__(self, port: int, token: str, tenant_id: int, threads: int, max_requests: int):
        self.base = [
            sys.executable,
            "-m",
            "bench.driver",
            "--port",
            str(port),
            # one argument: a token may start with "-", which argparse would take for an option
            f"--token={token}",
            "--tenant",
            str(tenant_id),
            "--threads",
            str(threads),
            "--max-requests",
            str(max_requests),
        ]

    def run(self, *args: str, threads: int | None = None) -> dict:
        command = list(self.base)
        if threads is not None:
            command[command.index("--threads") + 1] = str(threads)
        done = subprocess.run(
            [*command, *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"driver failed: {done.stderr.strip()[-800:]}")
        return json.loads(done.stdout)

    def get(
        self, paths: list[str], seconds: float, threads: int | None = None, cookie: str = ""
    ) -> dict:
        return self.finish(self.start_get(paths, seconds, threads, cookie))

    def start_get(
        self, paths: list[str], seconds: float, threads: int | None = None, cookie: str = ""
    ):
        """Start GETs of these paths in the background; `finish` waits for the summary. With a
        session `cookie` the driver signs in as a browser does (the console's pages)."""
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        listing = DATA_DIR / f"paths-{os.getpid()}-{len(paths)}-{id(paths)}.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        command = list(self.base)
        if threads is not None:
            command[command.index("--threads") + 1] = str(threads)
        command += ["get", "--paths", str(listing), "--duration", str(seconds)]
        if cookie:
            command.append(f"--cookie={cookie}")
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        return process, listing

    def finish(self, started) -> dict:
        process, listing = started
        try:
            out, err = process.communicate(timeout=900)
        finally:
            listing.unlink(missing_ok=True)
        if process.returncode != 0:
            raise RuntimeError(f"driver failed: {err.strip()[-800:]}")
        return json.loads(out)


def checked(result: dict, what: str) -> dict:
    if result["errors"] or not result["requests"]:
        raise RuntimeError(f"{what}: {result['errors']} errors {result['error_samples']}")
    return result


def ratio_row(row: Row, csadmin: float, baseline: float, minimum: float) -> Row:
    row.csadmin, row.baseline = csadmin, baseline
    row.ratio = round(csadmin / baseline, 3) if baseline else None
    row.status = "pass" if row.ratio is not None and row.ratio >= minimum else "fail"
    return row


def informative(row: Row, csadmin: float, baseline: float) -> Row:
    """A figure shown beside the judged ones, with no target: its status is "information"."""
    row.csadmin, row.baseline = csadmin, baseline
    row.ratio = round(csadmin / baseline, 3) if baseline else None
    row.status = "information"
    return row


# -- scenarios --------------------------------------------------------------------------------


def interleaved(measures: dict, profile: Profile) -> dict:
    """Run each measure in turn, `profile.rounds` times, and keep for each the pass with the
    median req/s: csadmin and its baselines share every slice of time, so load from other
    processes on the machine weighs on both sides alike. Every other round runs them in the
    reverse order, so a drift (a database growing under a write load, a machine warming up)
    does not always favour the one that goes first."""
    seconds = max(1.0, profile.read_seconds / profile.rounds)
    passes: dict[str, list[dict]] = {name: [] for name in measures}
    for round_number in range(profile.rounds):
        order = list(measures.items())
        if round_number % 2:
            order.reverse()
        for name, measure in order:
            passes[name].append(measure(seconds))
    result = {}
    for name, runs in passes.items():
        runs.sort(key=lambda run: run["rps"])
        result[name] = {**runs[len(runs) // 2], "rps_passes": [run["rps"] for run in runs]}
    return result
