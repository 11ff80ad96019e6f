"""`make bench-scale`: how csadmin's cost grows with the data. Runs the read, conversation,
deep page, purge, export and console pages scenarios (and storage) at two sizes, one after the
other, and prints each figure at both sizes with its ratio and the growth target.

    BENCH_SCALES=40000,1000000 python -m bench.scale     # the default sizes
    python -m bench.scale --scales 300,3000 --smoke      # a quick proof that it runs
    python -m bench.scale --only 10                      # only the console's pages

Each size is a run of bench.run in a process of its own (its own Django set-up and database:
the harness's database with the size appended, dropped and re-created; the smaller one is
dropped before the larger is loaded, so the disk holds one size at a time, and the larger one
is kept for EXPLAIN). The figures are
csadmin's, and beside them the same-run baseline's at both sizes: a baseline that moved as
much as csadmin says the machine changed between the runs, not csadmin. So a throughput's
growth is judged by its same-run ratio growth (csadmin / baseline at the larger size over the
same at the smaller), never by csadmin's absolute figures of two runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from bench.common import DATA_DIR
from bench.pages import PAGE_P95_GROWTH, PAGES
from bench.run import DEFAULT_URL, bench_database_url, drop_database
from bench.server import ROOT

RESULTS = ROOT / "bench" / "results-scale.json"
DEFAULT_SCALES = "40000,1000000"
# export, purge (brings the import), conversation, reads, deep page, storage, console pages
ONLY = "2,3,4,5,6,7,10"
BYTES_PER_EVENT_LIMIT = 0.6 * 1024

# (scenario, baseline name's start, what is compared, target): "grows" compares csadmin's
# figure at the larger size with the smaller (higher is better), judged by the same-run ratio
# growth when both runs have the baseline (see grows_row); "at size" judges the larger run's
# own ratio (deep page / first page); "bytes" the larger run's bytes per event; "p95" a console
# page's p95 at the larger size against the smaller (lower is better), with the same number of
# queries at both.
GROWTH = (
    ("4 API conversation load", "bare DRF", "grows", 0.8),
    ("5 Reads: customer active services", "raw-SQL", "grows", 0.8),
    ("5 Reads: service with states", "raw-SQL", "grows", 0.8),
    ("6 Deep page", "first page", "at size", 1.25),
    ("2 Export stream (full content)", "COPY", "grows", 0.8),
    ("3 Purge", "raw", "grows", 0.8),
    ("7 Storage per event", "Genesys", "bytes", BYTES_PER_EVENT_LIMIT),
    *((f"10 Page: {page}", "same page", "p95", PAGE_P95_GROWTH) for page in PAGES),
)


def sized_url(url: str, scale: int) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"{parsed.path}_{scale}"))


def run_size(url: str, scale: int, smoke: bool, only: str = ONLY) -> dict:
    """One bench.run at this size; its results, with its wall time and the database's size."""
    results = DATA_DIR / f"results-{scale}.json"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench.run", "--scale", str(scale), "--only", only]
    command += ["--database-url", url, "--results", str(results), "--skip-bulk-create"]
    if smoke:
        command.append("--short")
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=False)
    report = json.loads(results.read_text(encoding="utf-8"))
    report["exit_status"] = done.returncode
    report["wall_s"] = round(time.perf_counter() - began, 1)
    return report


def find(report: dict, scenario: str, baseline: str) -> dict | None:
    for row in report["scenarios"]:
        if row["scenario"].startswith(scenario) and row["baseline_name"].startswith(baseline):
            return row
    return None


def growth_rows(small: dict, large: dict, only: str = ONLY) -> list[dict]:
    chosen = set(only.split(","))
    rows = []
    for scenario, baseline, kind, target in GROWTH:
        if scenario.split(" ", 1)[0] not in chosen:
            continue
        a, b = find(small, scenario, baseline), find(large, scenario, baseline)
        row = {"scenario": scenario, "kind": kind, "small": a, "large": b}
        if not a or not b or a["csadmin"] is None or b["csadmin"] is None:
            row.update(value=None, target="-", status="error")
        elif kind == "grows":
            row.update(grows_row(a, b, target))
        elif kind == "p95":
            value = b["csadmin"] / a["csadmin"] if a["csadmin"] else None
            queries = (a["details"].get("queries"), b["details"].get("queries"))
            row.update(value=value, target=f"<= {target} and the same queries")
            fixed = queries[0] is not None and queries[0] == queries[1]
            row["status"] = "pass" if value is not None and value <= target and fixed else "fail"
        elif kind == "at size":
            value = b["ratio"]
            row.update(value=value, target=f"<= {target} (deep / first page)")
            row["status"] = "pass" if value is not None and value <= target else "fail"
        else:
            value = b["csadmin"]
            row.update(value=value, target=f"< {target:.0f} bytes/event")
            row["status"] = "pass" if value < target else "fail"
        rows.append(row)
    return rows


def grows_row(small: dict, large: dict, target: float) -> dict:
    """A throughput's growth between the sizes, judged as the project judges every target: by
    same-run ratios. Each run measures csadmin and its baseline side by side, so csadmin /
    baseline at the larger size over the same at the smaller leaves the machine's state out
    (the two runs may be hours apart, on a machine quiet for one and busy for the other). The
    raw growth of csadmin's figure and of the baseline's stay beside it as information; the
    raw growth is judged only when a run lacks the baseline."""
    growth = large["csadmin"] / small["csadmin"] if small["csadmin"] else None
    row = {"growth": growth, "target": f">= {target}"}
    if small["baseline"] and large["baseline"]:
        row["baseline_growth"] = large["baseline"] / small["baseline"]
    if "baseline_growth" in row and small["ratio"] and large["ratio"] is not None:
        row["ratio_growth"] = large["ratio"] / small["ratio"]
    row["judged_by"] = "ratio_growth" if "ratio_growth" in row else "growth"
    row["value"] = row[row["judged_by"]]
    row["status"] = "pass" if row["value"] is not None and row["value"] >= target else "fail"
    return row


def growth_cell(row: dict, key: str) -> str:
    """One growth of a row, starred when it is the one a "grows" row is judged by."""
    value = row.get(key)
    if value is None or row["kind"] == "bytes":
        return "-"
    return f"{value:.2f}" + (" *" if row.get("judged_by") == key else "")


def figure(row: dict | None) -> str:
    if not row or row["csadmin"] is None:
        return "-"
    queries = row.get("details", {}).get("queries")
    counted = f", {queries} queries" if queries is not None else ""
    return f"{row['csadmin']:,.1f} {row['unit']}{counted}"


def table(rows: list[dict], sizes: tuple[int, int]) -> str:
    header = (
        "scenario",
        f"at {sizes[0]:,}",
        f"at {sizes[1]:,}",
        "growth",
        "baseline growth",
        "same-run ratio growth",
        "target",
        "result",
    )
    lines = [
        (
            row["scenario"],
            figure(row["small"]),
            figure(row["large"]),
            growth_cell({"growth": row["value"], **row}, "growth"),
            growth_cell(row, "baseline_growth"),
            growth_cell(row, "ratio_growth"),
            row["target"],
            row["status"],
        )
        for row in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]

    def fmt(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    note = (
        "* the growth judged against the target: csadmin / its same-run baseline at the larger "
        "size over the same at the smaller where both runs have the baseline, else csadmin's "
        "own figure"
    )
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines), note])


def parse_scales(raw: str) -> tuple[int, int]:
    from bench.generate import scale_from_env

    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) != 2:
        raise SystemExit(f"BENCH_SCALES takes two sizes, e.g. 40000,1000000 (not {raw!r})")
    small, large = (scale_from_env(part) for part in parts)
    if small >= large:
        raise SystemExit("BENCH_SCALES: the second size must be the larger")
    return small, large


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="csadmin's cost at two sizes")
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES") or DEFAULT_SCALES)
    parser.add_argument("--database-url", help="PostgreSQL URL (DATABASE_URL)")
    parser.add_argument("--smoke", action="store_true", help="short measurements")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument(
        "--only", default=ONLY, metavar="N[,N...]", help=f"these scenarios (default {ONLY})"
    )
    args = parser.parse_args(argv)
    from bench.run import chosen_scenarios

    chosen_scenarios(args.only)  # a wrong list stops here
    sizes = parse_scales(args.scales)
    raw_url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    base = bench_database_url(raw_url, smoke=False)
    began = time.perf_counter()
    reports = []
    for scale in sizes:
        url = sized_url(base, scale)
        reports.append(run_size(url, scale, args.smoke, args.only))
        if scale != sizes[-1]:
            drop_database(url)  # the disk holds one size at a time; the larger stays to study
    rows = growth_rows(*reports, only=args.only)
    print()
    print(table(rows, sizes))
    for scale, report in zip(sizes, reports, strict=True):
        print(
            f"{scale:,} services: run {report['wall_s']:,} s (generating the files "
            f"{report.get('generate_s')} s, loading {report['load']['seconds']} s), database "
            f"{report.get('database_bytes', 0) / 2**30:.2f} GiB, data files "
            f"{report.get('data_bytes', 0) / 2**30:.2f} GiB, load average "
            f"{report['load_average_start']:.1f}-{report['load_average_end']:.1f}"
        )
    result = {
        "seconds": round(time.perf_counter() - began, 1),
        "sizes": sizes,
        "growth": rows,
        "runs": reports,
    }
    Path(args.results).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(f"\nbench: wrote {args.results} ({result['seconds']} s)")
    return 1 if any(row["status"] == "error" for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
