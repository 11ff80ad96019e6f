"""Where job output files live and which names they may have.

Files are kept in the "jobs" storage (settings.STORAGES), under jobs/<job id>/<name>: the
local folder by default, an object store or the database when web servers and workers run on
several machines. Nothing here assumes a local path: a file is written to a local temporary
file and saved to the storage once complete, read through storage.open(), removed through
storage.delete().

A name is one path segment from a short alphabet, so it can never leave the job's folder:
no separators, no leading dot, no "..", nothing a user could type to reach another file.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from contextlib import contextmanager, suppress

from django.core.files import File
from django.core.files.storage import storages

from csadmin.pluginlib.errors import ValidationFailed

FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
MAX_NAME_LENGTH = 100
STORAGE_ALIAS = "jobs"
# Files bigger than this are spooled to the local temporary folder while written.
SPOOL_BYTES = 4 * 1024**2


def is_valid_file_name(name: object) -> bool:
    return (
        isinstance(name, str) and len(name) <= MAX_NAME_LENGTH and bool(FILE_NAME.fullmatch(name))
    )


def check_file_name(name: object) -> str:
    if not is_valid_file_name(name):
        raise ValidationFailed.from_errors(
            {
                "name": [
                    "must be letters, digits, '-', '_' and single dots between them, "
                    f"at most {MAX_NAME_LENGTH} characters"
                ]
            }
        )
    return name


def job_storage():
    return storages[STORAGE_ALIAS]


def job_folder(job_id: int) -> str:
    return f"jobs/{int(job_id)}"


def job_file_key(job_id: int, name: str) -> str:
    """The file's name in the storage: jobs/<job id>/<checked name>."""
    return f"{job_folder(job_id)}/{check_file_name(name)}"


def save_file(storage, key: str, source) -> int:
    """Save the binary file object `source` (read from its start) as `key`, replacing what was
    there (a retried job's file); answer its size. The old file is deleted first: a storage
    saves under another name when the name is taken."""
    source.seek(0)
    storage.delete(key)
    saved = storage.save(key, File(source, name=key.rsplit("/", 1)[-1]))
    if saved != key:  # another attempt saved `key` meanwhile: ours got another name, drop it
        storage.delete(saved)
        raise RuntimeError(f"{key} was written twice at once")
    source.seek(0, os.SEEK_END)
    return source.tell()


@contextmanager
def write_job_file(job_id: int, name: str, mode: str, encoding: str | None, on_saved):
    """Yield a local temporary file to write (text or binary); when the block ends without an
    error it is saved as the job's file `name` whole, so a reader never gets half a file, and
    on_saved(size) is called."""
    key = job_file_key(job_id, name)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as raw:
        if "b" in mode:
            yield raw
        else:
            text = io.TextIOWrapper(raw, encoding=encoding or "utf-8", newline="")
            yield text
            text.flush()
            text.detach()  # leaves `raw` open for the save
        on_saved(save_file(job_storage(), key, raw))


def store(job_id: int, name: str, source) -> int:
    """Store bytes, a binary file object or the local file at a path (str or Path) as the job's
    file `name`; answer its size."""
    key = job_file_key(job_id, name)
    storage = job_storage()
    if isinstance(source, bytes | bytearray | memoryview):
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as raw:
            raw.write(source)
            return save_file(storage, key, raw)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as given:
            return save_file(storage, key, given)
    if hasattr(source, "read"):
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as raw:
            shutil.copyfileobj(source, raw)
            return save_file(storage, key, raw)
    raise TypeError("add_file takes bytes, a binary file object or a path")


def open_job_file(job_id: int, name: str):
    """The stored file, opened for reading (binary, seekable)."""
    return job_storage().open(job_file_key(job_id, name), "rb")


def job_file_exists(job_id: int, name: str) -> bool:
    return job_storage().exists(job_file_key(job_id, name))


def remove_job_files(job_id: int) -> None:
    """Remove every file of the job (also ones no row names: a save whose row was rolled back)
    and, where the storage has folders, the job's folder."""
    storage = job_storage()
    folder = job_folder(job_id)
    try:
        _, names = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        storage.delete(f"{folder}/{name}")
    # Object stores have no folders; a local folder still holding something stays.
    with suppress(OSError):
        storage.delete(folder)
