"""`make bench-scale`: the growth table's arithmetic and its sizes (the runs themselves are
bench.run's, covered by the smoke test)."""

from __future__ import annotations

import pytest

from bench.scale import growth_rows, parse_scales, sized_url, table


def row(scenario, baseline_name, csadmin, baseline=None, ratio=None, unit="req/s"):
    return {
        "scenario": scenario,
        "baseline_name": baseline_name,
        "csadmin": csadmin,
        "baseline": baseline,
        "ratio": ratio,
        "unit": unit,
    }


def report(conversation, deep_ratio, bytes_per_event):
    return {
        "scenarios": [
            row(
                "4 API conversation load", "bare DRF views", conversation, 1000, conversation / 1000
            ),
            row("4 API conversation load", "Genesys published", conversation / 2, 62.5),
            row("5 Reads: customer active services", "pgbench, same SQL", 900, 20000),
            row("5 Reads: customer active services", "raw-SQL view", 900, 2000),
            row("5 Reads: service with states", "raw-SQL view", 600, 1500),
            row("6 Deep page (depth 8,001)", "first page", 6.0, 5.0, deep_ratio, "p50 ms"),
            row("2 Export stream (full content)", "COPY TO", 40000, 80000),
            row("3 Purge", "raw batched DELETE", 25000, 22000),
            row("7 Storage per event", "Genesys", bytes_per_event, 553, unit="bytes/event"),
        ]
    }


def test_each_figure_is_compared_between_the_sizes_with_its_target():
    rows = {r["scenario"]: r for r in growth_rows(report(500, 1.0, 380), report(350, 1.4, 700))}
    conversation = rows["4 API conversation load"]
    assert conversation["value"] == pytest.approx(0.7)
    assert conversation["status"] == "fail"  # below 0.8 of the smaller size
    assert conversation["small"]["baseline_name"].startswith("bare DRF")  # not Genesys's row
    assert conversation["ratio_growth"] == pytest.approx(0.7)  # the same baseline at both sizes
    assert rows["5 Reads: customer active services"]["status"] == "pass"
    assert rows["5 Reads: customer active services"]["small"]["baseline"] == 2000  # raw view
    assert rows["6 Deep page"]["value"] == 1.4  # the larger run's deep / first page
    assert rows["6 Deep page"]["status"] == "fail"
    assert rows["7 Storage per event"]["status"] == "fail"  # 700 bytes > 0.6 KB
    assert rows["3 Purge"]["status"] == "pass"


def test_a_figure_missing_at_one_size_is_an_error_not_a_pass():
    small = report(500, 1.0, 380)
    large = report(500, 1.0, 380)
    large["scenarios"] = [r for r in large["scenarios"] if not r["scenario"].startswith("3")]
    rows = {r["scenario"]: r for r in growth_rows(small, large)}
    assert rows["3 Purge"]["status"] == "error"


def test_two_sizes_smaller_first():
    assert parse_scales("40000, 1_000_000") == (40000, 1000000)
    assert parse_scales("small,full") == (40000, 1000000)
    for wrong in ("40000", "1000000,40000", "40000,40000", "a,b", "1,2,3"):
        with pytest.raises(SystemExit):
            parse_scales(wrong)


def test_each_size_has_a_database_of_its_own():
    url = "postgres://u@h:5432/csadmin_bench"
    assert sized_url(url, 40000) == "postgres://u@h:5432/csadmin_bench_40000"


def throughput(csadmin, baseline):
    """A run's figure of the reads scenario, with its same-run baseline when it has one."""
    ratio = csadmin / baseline if baseline else None
    reads = row("5 Reads: service with states", "raw-SQL view", csadmin, baseline, ratio)
    return {"scenarios": [reads]}


def judged(small, large):
    rows = growth_rows(small, large, only="5")
    return next(r for r in rows if r["scenario"] == "5 Reads: service with states")


@pytest.mark.parametrize(
    ("small", "large", "growth", "ratio_growth", "status"),
    [
        # a busier machine at the larger size: both halve, the ratio holds
        ((600, 1500), (300, 750), 0.5, 1.0, "pass"),
        # a quieter machine: csadmin gains less than its baseline did
        ((600, 1500), (660, 2500), 1.1, 0.66, "fail"),
        # csadmin slows against the same baseline: the same verdict either way
        ((600, 1500), (420, 1500), 0.7, 0.7, "fail"),
    ],
)
def test_a_throughput_is_judged_by_its_same_run_ratio_growth(
    small, large, growth, ratio_growth, status
):
    verdict = judged(throughput(*small), throughput(*large))
    verdict_csadmin = (verdict["small"]["csadmin"], verdict["large"]["csadmin"])
    assert verdict_csadmin == (small[0], large[0])
    assert verdict["growth"] == pytest.approx(growth)  # printed as information
    assert verdict["baseline_growth"] == pytest.approx(large[1] / small[1])
    assert verdict["ratio_growth"] == pytest.approx(ratio_growth)
    assert verdict["judged_by"] == "ratio_growth"
    assert verdict["value"] == pytest.approx(ratio_growth)
    assert verdict["status"] == status


def test_without_a_baseline_at_one_size_the_raw_growth_is_judged():
    verdict = judged(throughput(600, 1500), throughput(300, None))
    assert "ratio_growth" not in verdict and "baseline_growth" not in verdict
    assert verdict["judged_by"] == "growth"
    assert verdict["value"] == pytest.approx(0.5)
    assert verdict["status"] == "fail"


def test_the_table_stars_the_judged_growth_and_prints_the_others():
    busier = growth_rows(throughput(600, 1500), throughput(300, 750), only="5")
    lines = table(busier, (40_000, 1_000_000)).splitlines()
    [reads] = [line for line in lines if line.startswith("| 5 Reads: service with states")]
    cells = [cell.strip() for cell in reads.strip("|").split("|")]
    assert cells[3:8] == ["0.50", "0.50", "1.00 *", ">= 0.8", "pass"]
    assert lines[-1].startswith("* the growth judged against the target")
