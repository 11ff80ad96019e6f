"""The harness drops and re-creates its database: only ever one named as its own."""

from __future__ import annotations

import pytest

from bench.run import bench_database_url, owned_database


@pytest.mark.parametrize(
    "name", ["csadmin_bench", "csadmin_bench_smoke", "csadmin_ci_bench", "csadmin_x_bench_1m"]
)
def test_its_own_databases(name):
    assert owned_database(name)


@pytest.mark.parametrize(
    "name", ["csadmin", "csadmin_x", "bench", "csadmin_benchmark", "app_bench"]
)
def test_anything_else_is_not_its_own(name):
    assert not owned_database(name)


def test_a_database_not_its_own_is_replaced_by_csadmin_bench_on_the_same_server():
    url = bench_database_url("postgres://u@db.example:5433/csadmin", smoke=False)
    assert url == "postgres://u@db.example:5433/csadmin_bench"
    assert bench_database_url(url, smoke=True).endswith("/csadmin_bench_smoke")
