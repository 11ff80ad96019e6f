"""Uploaded import files: streamed to the request's temporary file with a size limit, checked
there, then kept in the "uploads" storage (settings.STORAGES) until the import job reads them
from the storage, wherever it runs. A job names its upload by a random token, never by a
path."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import storages
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from plugins.maintenance.upload_checks import check_upload, max_upload_bytes

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STORAGE_ALIAS = "uploads"
UPLOADS = "maintenance/uploads"
COPY_CHUNK = 1024 * 1024
# A kept upload whose storage file cannot seek is spooled: in memory up to this size, past it
# in the system's temporary folder
SPOOL_BYTES = 4 * 1024 * 1024


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file: the upload is larger than {limit} bytes")
        self.limit = limit


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams the upload to a temporary file and stops as soon as it passes the limit."""

    def __init__(self, request=None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit if limit is not None else max_upload_bytes()
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + 64 * 1024:
            raise UploadTooLarge(self.limit)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.file is not None:
                self.file.close()
            raise UploadTooLarge(self.limit)
        return super().receive_data_chunk(raw_data, start)


def upload_storage():
    return storages[STORAGE_ALIAS]


def upload_key(token: str) -> str:
    """The upload's name in the storage; only a token of the strict alphabet makes one."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise ValueError("not an upload token")
    return f"{UPLOADS}/{token}/upload"


def upload_exists(token: str) -> bool:
    return upload_storage().exists(upload_key(token))


def _save(given: BinaryIO) -> str:
    token = secrets.token_urlsafe(24)
    given.seek(0)
    upload_storage().save(upload_key(token), File(given, name="upload"))
    return token


def keep_upload(uploaded, files=None, check=None) -> str:
    """Check the uploaded file's type (and a zip's sizes) by content, as one of `files`
    (readers.FileSet; services' by default), and then check(file, format) when given (the
    file binary, seekable), on the request's own file; keep it in the uploads storage and
    answer its token. A refused file is never kept."""
    try:
        found = check_upload(uploaded, files)
        if check is not None:
            check(uploaded, found)
        return _save(uploaded)
    finally:
        uploaded.close()


def keep_local_file(path) -> str:
    """The management command's path into the same place (so it runs the job's code)."""
    with open(path, "rb") as given:
        return _save(given)


@contextmanager
def open_upload(token: str) -> Iterator[BinaryIO]:
    """The kept upload, open for reading from the storage itself (binary, seekable) until the
    block ends. FileNotFoundError when the upload is no longer kept."""
    with upload_storage().open(upload_key(token), "rb") as given:
        if given.seekable():
            yield given
            return
        # A zip is read by seeking (its directory is at its end): a storage whose files only
        # stream forward is copied once to a spooled file, which seeks.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spooled:
            shutil.copyfileobj(given, spooled, COPY_CHUNK)
            spooled.seek(0)
            yield spooled


def discard_upload(token: str) -> None:
    storage = upload_storage()
    key = upload_key(token)
    storage.delete(key)
    # Object stores have no folders; a local folder still holding something stays.
    with suppress(OSError):
        storage.delete(key.rsplit("/", 1)[0])


def remove_uploads_older_than(cutoff: dt.datetime, *, keep: set[str]) -> int:
    """Remove the uploads last written before `cutoff` whose token is not in `keep`; answer how
    many went. Folders that are not uploads are left alone."""
    storage = upload_storage()
    try:
        folders, _ = storage.listdir(UPLOADS)
    except FileNotFoundError:
        return 0
    removed = 0
    for token in folders:
        if token in keep or not TOKEN.fullmatch(token):
            continue
        if _written_before(storage, token, cutoff):
            discard_upload(token)
            removed += 1
    return removed


def _written_before(storage, token: str, cutoff: dt.datetime) -> bool:
    """A folder without its upload (one whose removal was cut short) is old."""
    try:
        return storage.get_modified_time(upload_key(token)) < cutoff
    except FileNotFoundError:
        return True
