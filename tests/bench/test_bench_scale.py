"""`make bench-scale`: the growth table's arithmetic and its sizes (the runs themselves are
bench.run's, covered by the smoke test)."""

from __future__ import annotations

import pytest

from bench.scale import growth_rows, parse_scales, sized_url


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
