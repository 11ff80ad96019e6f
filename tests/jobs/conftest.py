"""Fixtures of the jobs framework's tests: output files under a temporary folder, notes."""

from __future__ import annotations

import pytest

from csadmin.jobs import enqueue_job
from tests.sample_plugin.models import Note

SAMPLE = "sample.count_notes"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def notes(tenant):
    return [Note.objects.create(tenant=tenant, text=f"note {n}") for n in range(5)]


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Enqueue a job and run it (eager) as the commit would; answer the fresh run."""

    def run(*, tenant, actor, kind=SAMPLE, arguments=None):
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue_job(tenant=tenant, kind=kind, arguments=arguments or {}, actor=actor)
        job.refresh_from_db()
        return job

    return run
