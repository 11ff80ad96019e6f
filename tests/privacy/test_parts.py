"""The extension point: every installed plug-in's parts of a customer's data, in order; the
maintenance part's reading of job files; an export that races an erase keeps no file."""

from __future__ import annotations

import io
import zipfile

import pytest

from csadmin.jobs.models import JobFile, JobRun
from csadmin.pluginlib import CustomerData, customer_data_parts, registry
from plugins.maintenance.customer_data import file_mentions
from tests.privacy.conftest import CUSTOMER


def test_the_registry_collects_every_part_in_order():
    parts = customer_data_parts()
    assert [part.name for part in parts] == ["deliveries", "services", "job files", "profile"]
    assert all(isinstance(part, CustomerData) for part in parts)
    owners = {part.name: label for label, part in registry.customer_data()}
    assert owners == {
        "deliveries": "webhooks",
        "services": "services",
        "job files": "maintenance",
        "profile": "profiles",
    }


def mentions(path, customer_id: str) -> bool:
    with open(path, "rb") as opened:
        return file_mentions(path.name, opened, customer_id)


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("services.json", '[{"service_id":"s1","customer_id":"C-77"}]', True),
        ("services.json", '[{"service_id":"s1","customer_id":"C-777"}]', False),
        ("services.ndjson", '{"customer_id": "C-77"}\n', True),
        ("services.csv", "service_id,customer_id\ns1,C-77\n", True),
        ("services.csv", "service_id,customer_id\ns1,C-777\n", False),
        ("errors.csv", 'line,reason\n3,"customer C-77 is bad"\n', False),
        ("services.csv", "service_id,customer_id\ns1,'=C-77\n", False),
        ("notes.txt", "C-77", False),
    ],
)
def test_a_file_mentions_the_customer_only_as_a_value(tmp_path, name, text, found):
    path = tmp_path / name
    path.write_text(text)
    assert mentions(path, "C-77") is found


def test_a_formula_escaped_cell_is_the_customer_too(tmp_path):
    path = tmp_path / "services.csv"
    path.write_text("service_id,customer_id\ns1,'=SUM(A1)\n")
    assert mentions(path, "=SUM(A1)")


def test_a_zip_is_read_member_by_member(tmp_path):
    path = tmp_path / "services.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("states.csv", "service_id,state_id\ns1,1\n")
        archive.writestr("services.csv", "service_id,customer_id\ns1,C-77\n")
    assert mentions(path, "C-77")
    assert not mentions(path, "C-78")


def test_an_export_racing_an_erase_keeps_no_file(world, api, run_jobs, monkeypatch):
    """The customer goes once its last part is written: the job fails, no file stays."""
    from plugins.profiles.models import Customer
    from plugins.profiles.privacy import parts

    real = parts.export_profile

    def erased_meanwhile(tenant, customer_id, archive):
        counts = real(tenant, customer_id, archive)
        Customer.objects.filter(customer_id=customer_id).delete()
        return counts

    monkeypatch.setattr(
        "plugins.profiles.privacy.running.customer_data_parts",
        lambda: [
            _with_export(part, erased_meanwhile) if part.name == "profile" else part
            for part in customer_data_parts()
        ],
    )
    response = run_jobs(lambda: api.post(f"profiles/{CUSTOMER}/data-export"))
    run = JobRun.objects.get(pk=response.json()["job_id"])
    assert run.state == JobRun.State.FAILED
    assert CUSTOMER in run.error
    assert not JobFile.objects.filter(job=run).exists()


def _with_export(part, export):
    from dataclasses import replace

    return replace(part, export=export)


def test_archive_members_are_written_once(tmp_path):
    from plugins.profiles.privacy.archive import CustomerArchive

    with CustomerArchive(io.BytesIO()) as archive:
        with archive.member("a.ndjson") as out:
            out.write("x\n")
        with pytest.raises(ValueError, match="twice"), archive.member("a.ndjson"):
            pass


@pytest.mark.parametrize(
    ("customer_id", "expected"),
    [("C-77", "customer-C-77.zip"), ("a_b", "customer-a_b.zip")],
)
def test_archive_names_keep_plain_ids(customer_id, expected):
    from plugins.profiles.privacy.archive import archive_name

    assert archive_name(customer_id, "0123456789abcdef") == expected


def test_archive_names_replace_what_a_file_name_may_not_hold():
    from csadmin.jobs.files import is_valid_file_name
    from plugins.profiles.privacy.archive import archive_name

    assert is_valid_file_name(archive_name("x" * 64, "0123456789abcdef"))
    for customer_id in ("jo@example.com", "../../etc", ".hidden", "a b/c", "é" * 64):
        name = archive_name(customer_id, "0123456789abcdef")
        assert is_valid_file_name(name), name
        assert name.endswith("-0123456789ab.zip") and "/" not in name


def test_check_refuses_a_part_declared_twice_or_not_a_part(monkeypatch):
    from dataclasses import replace
    from types import MappingProxyType

    from csadmin.pluginlib.checks import check_plugins

    plugins = {plugin.label: plugin for plugin in registry.plugins()}
    services = plugins["services"]
    twice = replace(services, customer_data=(*services.customer_data, services.customer_data[0]))
    monkeypatch.setattr(registry, "_plugins", MappingProxyType({**plugins, "services": twice}))
    errors = [e for e in check_plugins() if e.id == "csadmin.E009"]
    assert len(errors) == 1 and "'services'" in errors[0].msg
    wrong = replace(services, customer_data=({"name": "services"},))
    monkeypatch.setattr(registry, "_plugins", MappingProxyType({**plugins, "services": wrong}))
    errors = [e for e in check_plugins() if e.id == "csadmin.E009"]
    assert len(errors) == 1 and "must be CustomerData" in errors[0].msg


def test_an_earlier_failed_export_names_the_customer_by_reference_after_the_erase(
    world, api, run_jobs, tenant
):
    from csadmin.jobs.models import JobLog

    failed = JobRun.objects.create(
        tenant=tenant,
        kind="profiles.data_export",
        arguments={"customer_id": CUSTOMER},
        state=JobRun.State.FAILED,
        error=f"There is no customer {CUSTOMER}",
    )
    JobLog.objects.create(job=failed, level="error", message=f"There is no customer {CUSTOMER}")
    response = run_jobs(lambda: api.post(f"profiles/{CUSTOMER}/erase", {"confirm": CUSTOMER}))
    assert response.status_code == 202
    failed.refresh_from_db()
    assert CUSTOMER not in failed.error and "erased:" in failed.error
    assert failed.arguments["customer_id"].startswith("erased:")
    messages = list(JobLog.objects.filter(job=failed).values_list("message", flat=True))
    assert not any(CUSTOMER in message for message in messages)
    assert CUSTOMER not in api.get(f"maintenance/jobs/{failed.pk}").content.decode()
