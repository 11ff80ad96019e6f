"""Settings of the server the benchmarks drive: the real settings, plus the minimal raw-SQL
views of bench/rawviews.py mounted under /bench/raw/ (the reads scenario's in-server baseline)."""

from csadmin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
