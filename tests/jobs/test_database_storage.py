"""The database storage: files in chunks, read back seekable, listed by prefix, removed."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile

from csadmin.jobs import storage as module
from csadmin.jobs.models import StoredChunk, StoredFile
from csadmin.jobs.storage import DatabaseStorage

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(module, "CHUNK_BYTES", 10)
    monkeypatch.setattr(module, "CHUNKS_PER_INSERT", 3)


def test_a_file_is_kept_in_chunks_and_read_back_whole(small_chunks):
    content = bytes(range(256)) * 3
    name = DatabaseStorage().save("jobs/1/data.bin", ContentFile(content))
    assert name == "jobs/1/data.bin"
    stored = StoredFile.objects.get(name=name)
    assert stored.size == len(content)
    assert StoredChunk.objects.filter(file=stored).count() == 77  # 768 bytes by tens
    with DatabaseStorage().open(name) as opened:
        assert opened.read() == content
    assert DatabaseStorage().size(name) == len(content)


def test_an_opened_file_seeks_so_a_zip_reads(small_chunks):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "first member " * 20)
        archive.writestr("b.txt", "second member")
    DatabaseStorage().save("jobs/2/export.zip", ContentFile(buffer.getvalue()))
    opened = DatabaseStorage().open("jobs/2/export.zip")
    with opened, zipfile.ZipFile(opened) as archive:
        assert archive.read("b.txt") == b"second member"
        assert archive.read("a.txt") == b"first member " * 20


def test_a_taken_name_is_never_overwritten():
    storage = DatabaseStorage()
    first = storage.save("jobs/3/out.csv", ContentFile(b"one"))
    second = storage.save("jobs/3/out.csv", ContentFile(b"two"))
    assert first == "jobs/3/out.csv" and second != first
    with storage.open(first) as opened:
        assert opened.read() == b"one"


def test_folders_are_the_prefixes_of_names():
    storage = DatabaseStorage()
    for name in ("up/aaa/upload", "up/bbb/upload", "up/readme", "upper/x"):
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("up") == (["aaa", "bbb"], ["readme"])
    assert storage.listdir("up/aaa/") == ([], ["upload"])
    with pytest.raises(FileNotFoundError):
        storage.listdir("nothing")


def test_delete_exists_and_a_missing_file():
    storage = DatabaseStorage()
    storage.save("jobs/4/a.txt", ContentFile(b"a"))
    assert storage.exists("jobs/4/a.txt") and storage.get_modified_time("jobs/4/a.txt")
    storage.delete("jobs/4/a.txt")
    storage.delete("jobs/4")  # a folder: nothing to do
    assert not storage.exists("jobs/4/a.txt")
    assert not StoredChunk.objects.exists()
    with pytest.raises(FileNotFoundError):
        storage.open("jobs/4/a.txt")
    with pytest.raises(FileNotFoundError):
        storage.size("jobs/4/a.txt")


def test_an_empty_file_is_kept():
    storage = DatabaseStorage()
    storage.save("jobs/5/empty.csv", ContentFile(b""))
    with storage.open("jobs/5/empty.csv") as opened:
        assert opened.read() == b""
