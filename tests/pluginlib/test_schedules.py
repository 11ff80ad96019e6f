"""Schedules: plug-ins declare them (PluginConfig.schedules), the host builds beat's schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from csadmin.celery import app, plugin_beat_entries
from csadmin.pluginlib import Schedule, registry
from csadmin.pluginlib.checks import _schedule_errors

ROOT = Path(__file__).resolve().parents[2]

# The schedule beat ran when plug-ins still edited the Celery app's schedule themselves.
EXPECTED = {
    "jobs-reaper": {"task": "jobs.reap_stale_jobs", "schedule": 60.0},
    "maintenance-retention-policies": {
        "task": "maintenance.apply_retention_policies",
        "schedule": crontab(hour=2, minute=30),
    },
    "maintenance-sweep-orphan-uploads": {
        "task": "maintenance.sweep_orphan_uploads",
        "schedule": 3600.0,
    },
    # A sweep not started within its period is dropped (sweeps piled up behind a stalled
    # broker must not run back to back).
    "webhooks-deliver-due": {
        "task": "webhooks.deliver_due",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    "webhooks-prune-log": {"task": "webhooks.prune_log", "schedule": 3600.0},
}

# Run as `celery beat` starts: the app loads its modules (Django starts there), then beat reads
# the schedule. Prints each entry's task and when it runs.
BEAT_START = """
import json
from csadmin.celery import app
app.loader.init_worker()
print(json.dumps({
    name: [entry["task"], str(entry["schedule"])]
    for name, entry in app.conf.beat_schedule.items()
}))
"""


def _as_beat_reads_it(plugins: str | None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "csadmin.settings", "CELERY_SKIP_CHECKS": "1"}
    env.pop("CSADMIN_PLUGINS", None)
    if plugins is not None:
        env["CSADMIN_PLUGINS"] = plugins
    done = subprocess.run(
        [sys.executable, "-c", BEAT_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _printed(entries: dict) -> dict:
    return {name: [entry["task"], str(entry["schedule"])] for name, entry in entries.items()}


def test_the_beat_schedule_is_the_one_beat_ran_before():
    assert app.conf.beat_schedule == EXPECTED


def test_beat_starting_up_reads_the_declared_schedules():
    assert _as_beat_reads_it(None) == _printed(EXPECTED)


def test_a_plugin_left_out_of_csadmin_plugins_schedules_nothing():
    without_webhooks = {
        name: entry for name, entry in EXPECTED.items() if not name.startswith("webhooks-")
    }
    assert _as_beat_reads_it("profiles,services,maintenance") == _printed(without_webhooks)


def test_no_plugin_edits_the_celery_schedule_itself():
    editing = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "plugins").rglob("*.py")
        if "beat_schedule" in path.read_text(encoding="utf-8")
    ]
    assert editing == []


def _config(label, *schedules):
    return SimpleNamespace(label=label, schedules=schedules)


def test_a_cron_line_and_an_interval_become_beat_entries():
    entries = plugin_beat_entries(
        [
            _config("one", Schedule("nightly", task="one.nightly", cron="30 2 * * *")),
            _config("two", Schedule("often", task="two.often", every=30)),
            SimpleNamespace(label="plain-app"),  # not a plug-in: no schedules
        ]
    )
    assert entries == {
        "nightly": {"task": "one.nightly", "schedule": crontab(minute=30, hour=2)},
        "often": {"task": "two.often", "schedule": 30.0},
    }


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        (
            [
                _config("one", Schedule("sweep", task="one.sweep", every=60)),
                _config("two", Schedule("sweep", task="two.sweep", every=60)),
            ],
            "plug-in 'two': schedule 'sweep' is also declared by 'one'",
        ),
        (
            [_config("one", Schedule("sweep", task="one.sweep"))],
            "plug-in 'one': schedule 'sweep' needs either `every` or `cron`, not both",
        ),
        (
            [_config("one", Schedule("sweep", task="one.sweep", every=5, cron="* * * * *"))],
            "plug-in 'one': schedule 'sweep' needs either `every` or `cron`, not both",
        ),
        (
            [_config("one", Schedule("sweep", task="one.sweep", every=0))],
            "plug-in 'one': schedule 'sweep': `every` must be a positive number of seconds",
        ),
        (
            [_config("one", Schedule("sweep", task="one.sweep", cron="at noon"))],
            "plug-in 'one': schedule 'sweep': cron 'at noon'",
        ),
    ],
)
def test_a_bad_schedule_stops_the_start_naming_the_plugin(configs, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        plugin_beat_entries(configs)
    assert str(refused.value).startswith(message)


def test_a_schedule_naming_an_unknown_task_is_a_check_error():
    registry.plugins()  # as the check does first: the plug-ins' task modules are loaded
    plugin = SimpleNamespace(
        label="one",
        config=SimpleNamespace(
            schedules=(
                Schedule("fine", task="jobs.reap_stale_jobs", every=60),
                Schedule("typo", task="one.no_such_task", every=60),
            )
        ),
    )
    errors = _schedule_errors([plugin])
    assert [(error.id, error.msg) for error in errors] == [
        (
            "csadmin.E008",
            "plug-in 'one': schedule 'typo' names unknown task 'one.no_such_task'",
        )
    ]
