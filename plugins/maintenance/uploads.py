"""Uploaded import files: streamed to disk with a size limit, kept under MEDIA_ROOT until the
import job reads them. A job names its upload by a random token, never by a path."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from plugins.maintenance.readers import check_upload, max_upload_bytes

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "maintenance" / "uploads"


def upload_path(token: str) -> Path:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise ValueError("not an upload token")
    return uploads_root() / token / "upload"


def keep_upload(uploaded, files=None) -> str:
    """Move the uploaded file under MEDIA_ROOT, check its type (and a zip's sizes) by content,
    as one of `files` (readers.FileSet; services' by default); answer its token. A refused
    file is removed at once."""
    token = secrets.token_urlsafe(24)
    target = upload_path(token)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = getattr(uploaded, "temporary_file_path", None)
    if temporary is not None:
        shutil.move(temporary(), target)  # a rename when on the same disk
        # Close now: Django's close() expects the file gone; the garbage collector's does not,
        # and would report an unlink error for every upload.
        uploaded.close()
    else:
        with open(target, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
    try:
        check_upload(target, files)
    except Exception:
        discard_upload(token)
        raise
    return token


def keep_local_file(path) -> str:
    """The management command's path into the same place (so it runs the job's code)."""
    token = secrets.token_urlsafe(24)
    target = upload_path(token)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return token


def discard_upload(token: str) -> None:
    shutil.rmtree(upload_path(token).parent, ignore_errors=True)


def remove_uploads_older_than(cutoff: dt.datetime, *, keep: set[str]) -> int:
    """Remove the uploads last written before `cutoff` whose token is not in `keep`; answer how
    many went. Folders that are not uploads are left alone."""
    root = uploads_root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if folder.name in keep or not TOKEN.fullmatch(folder.name) or not folder.is_dir():
            continue
        if _last_written(folder) < cutoff.timestamp():
            discard_upload(folder.name)
            removed += 1
    return removed


def _last_written(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    times += [entry.stat().st_mtime for entry in folder.iterdir()]
    return max(times)
