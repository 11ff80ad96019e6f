"""Where messages go and who reads them: jobs and webhook deliveries on queues of their own,
a worker per queue in `make run` and Docker, and gunicorn's control socket per instance."""

from __future__ import annotations

import runpy

import pytest
import yaml
from django.conf import settings
from django.test import override_settings

# The tasks these tests route:
import plugins.maintenance.tasks
import plugins.webhooks.tasks  # noqa: F401
import tests.sample_plugin.tasks  # noqa: F401
from csadmin.celery import app
from csadmin.jobs import task
from csadmin.jobs.tasks import REAPER_TASK

DELIVERY_TASKS = [
    "webhooks.deliver_stream",
    "webhooks.send_test",
    "webhooks.deliver_due",
    "webhooks.prune_log",
]


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize("task_name", DELIVERY_TASKS)
def test_webhook_deliveries_go_to_their_own_queue(task_name):
    assert task_name in app.tasks
    assert queue_of(task_name) == "deliveries"
    with override_settings(CSADMIN_DELIVERIES_QUEUE="deliveries-b"):
        assert queue_of(task_name) == "deliveries-b"


@pytest.mark.parametrize(
    "task_name", ["maintenance.purge", "maintenance.import", "sample.count_notes", REAPER_TASK]
)
def test_jobs_go_to_the_jobs_queue(task_name):
    assert task_name in app.tasks
    assert queue_of(task_name) == settings.CELERY_TASK_DEFAULT_QUEUE == "celery"


def test_a_worker_started_without_a_queue_reads_both():
    declared = app.amqp.Queues(app.conf.task_queues)  # what a new worker process starts with
    assert set(declared) == {"celery", "deliveries"}


def test_make_run_starts_a_worker_for_each_queue():
    serve = (settings.BASE_DIR / "scripts" / "serve").read_text().replace("\\\n", " ")
    workers = [line for line in serve.splitlines() if 'celery" -A csadmin worker' in line]
    assert len(workers) == 2, workers
    assert '-Q "${CSADMIN_JOBS_QUEUE:-celery}"' in workers[0] and "--beat" in workers[0]
    assert '-Q "${CSADMIN_DELIVERIES_QUEUE:-deliveries}"' in workers[1]


def test_docker_compose_runs_a_worker_for_each_queue():
    compose = yaml.safe_load((settings.BASE_DIR / "docker" / "compose.yaml").read_text())
    commands = {name: service.get("command", []) for name, service in compose["services"].items()}
    assert commands["worker"][:6] == ["celery", "-A", "csadmin", "worker", "-Q", "celery"]
    assert commands["deliveries"][:6] == ["celery", "-A", "csadmin", "worker", "-Q", "deliveries"]


def gunicorn_settings(monkeypatch, **env) -> dict:
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))


def test_gunicorns_shared_control_socket_is_off(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["control_socket_disable"] is True
    assert "control_socket" not in conf  # gunicorn's per-user default path is never set up


def test_gunicorns_control_socket_at_a_path_of_the_instances_own(monkeypatch):
    conf = gunicorn_settings(monkeypatch, GUNICORN_CONTROL_SOCKET="var/gunicorn-8000.ctl")
    assert conf["control_socket_disable"] is False
    assert conf["control_socket"] == "var/gunicorn-8000.ctl"


def test_the_lane_is_the_tasks_own_declaration_not_its_name():
    """The host routes by the lane a task declares; it names no plug-in."""

    @task("tests.lane_deliveries", lane="deliveries")
    def on_deliveries_lane():
        return None

    @task("webhooks.tests_on_jobs_lane")
    def named_like_a_delivery():
        return None

    assert queue_of("tests.lane_deliveries") == "deliveries"
    assert queue_of("webhooks.tests_on_jobs_lane") == settings.CELERY_TASK_DEFAULT_QUEUE


def test_an_unknown_lane_is_refused_naming_it():
    with pytest.raises(ValueError, match="lane must be one of jobs, deliveries, not 'express'"):
        task("tests.express", lane="express")
