"""The host's public surface for plug-ins: csadmin.pluginlib and its public modules. Every other
module of the host is forbidden to plug-ins by the import-linter contract in pyproject.toml;
these tests keep that list whole and the public names importable."""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

import csadmin
import csadmin.pluginlib
from csadmin.celery import app
from csadmin.pluginlib.jobs import runs_inline, send_task
from plugins.webhooks.tasks import send_test_task

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {
    "csadmin.pluginlib",
    "csadmin.pluginlib.access",
    "csadmin.pluginlib.api",
    "csadmin.pluginlib.jobs",
    "csadmin.pluginlib.rendering",
    "csadmin.pluginlib.sealing",
    "csadmin.pluginlib.storable",
    "csadmin.pluginlib.tenancy",
    "csadmin.testing",
}


def contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def host_modules() -> set[str]:
    """The host's top-level modules and pluginlib's, as a plug-in could import them."""
    found = set()
    for package in (csadmin, csadmin.pluginlib):
        for info in pkgutil.iter_modules(package.__path__):
            found.add(f"{package.__name__}.{info.name}")
    return found


def test_every_host_module_is_public_or_forbidden_to_plugins():
    forbidden = set(contract("public-surface")["forbidden_modules"])
    unclassified = host_modules() - PUBLIC - forbidden - {"csadmin.pluginlib"}
    assert unclassified == set(), "add to the contract's forbidden_modules, or make it public"
    assert forbidden & PUBLIC == set()
    assert forbidden <= host_modules()  # no stale entry


@pytest.mark.parametrize("name", sorted(PUBLIC - {"csadmin.testing"}))
def test_public_modules_name_what_they_export(name):
    module = importlib.import_module(name)
    for exported in getattr(module, "__all__", ()):
        assert getattr(module, exported) is not None, f"{name}.{exported}"


def test_runs_inline_follows_the_celery_setting(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    assert runs_inline() is True
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    assert runs_inline() is False


def test_send_task_sends_the_registered_task_by_name(monkeypatch):
    sent = []
    monkeypatch.setattr(
        send_test_task, "apply_async", lambda args, **options: sent.append((args, options))
    )
    send_task("webhooks.send_test", [7], countdown=3)
    assert sent == [((7,), {"countdown": 3})]
