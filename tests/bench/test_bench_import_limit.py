"""The bench's generated import.zip outgrows the product's zip-bomb limit at large sizes: the run
raises the limit for itself and its server only, and only when the archive needs it."""

from __future__ import annotations

import os
import zipfile

import pytest

from bench.generate import write_files
from bench.maintenance import allow_import_of
from csadmin.pluginlib.errors import ValidationFailed
from plugins.maintenance.upload_checks import check_upload

LIMIT = "CSADMIN_IMPORT_ZIP_MAX_BYTES"


@pytest.fixture
def archive(tmp_path, monkeypatch):
    monkeypatch.delenv(LIMIT, raising=False)  # restored after the test
    path = write_files(tmp_path, 5) / "import.zip"
    with zipfile.ZipFile(path) as opened:
        inflated = sum(member.file_size for member in opened.infolist())
    return path, inflated


def test_an_archive_over_the_limit_raises_it_for_this_run_and_its_server(archive, settings):
    path, inflated = archive
    settings.CSADMIN_IMPORT_ZIP_MAX_BYTES = inflated - 1
    with pytest.raises(ValidationFailed, match=f"inflates to {inflated} bytes"):
        check_upload(path)
    assert allow_import_of(path) == inflated
    assert check_upload(path) == "zip"  # the in-process import now reads it
    assert os.environ[LIMIT] == str(inflated)  # the server started afterwards too


def test_an_archive_within_the_limit_leaves_it_alone(archive, settings):
    path, inflated = archive
    settings.CSADMIN_IMPORT_ZIP_MAX_BYTES = inflated
    assert allow_import_of(path) is None
    assert inflated == settings.CSADMIN_IMPORT_ZIP_MAX_BYTES
    assert LIMIT not in os.environ
