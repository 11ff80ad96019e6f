"""An import's upload checked before anything is inflated or parsed, and before a job is
queued: its size, its type by its first bytes (not its name), and for a zip its members' names,
total size and each one's compression ratio (a zip bomb is refused here), and the export's
manifest. The rows themselves are read by readers.py."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from plugins.maintenance.exporting import MANIFEST
from plugins.maintenance.readers import (
    CHUNK,
    SERVICE_FILES,
    FileSet,
    ImportFile,
    json_loads,
    refuse,
)

ZIP_MAGIC = b"PK\x03\x04"
MANIFEST_COUNTS = ("services", "states", "tasks")
MAX_MANIFEST_BYTES = 64 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "CSADMIN_IMPORT_MAX_BYTES", 512 * 1024 * 1024))


def zip_max_bytes() -> int:
    return int(getattr(settings, "CSADMIN_IMPORT_ZIP_MAX_BYTES", 2 * 1024 * 1024 * 1024))


def zip_max_ratio() -> int:
    return int(getattr(settings, "CSADMIN_IMPORT_ZIP_MAX_RATIO", 100))


def text_format(head: bytes, csv_key: str = "service_id") -> str | None:
    """json, ndjson or csv from the first bytes of a text file; None when it is none of them
    (a CSV's header names `csv_key`)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the sample
            return None
        text = head[: error.start].decode("utf-8")
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        return None
    if text[0] == "[":
        return "json"
    if text[0] == "{":
        return "ndjson"
    header = text.splitlines()[0]
    if _is_json_string(header):  # the stream's NDJSON of ids: refused, saying so, when read
        return "ndjson"
    if csv_key in next(csv.reader([header]), []):
        return "csv"
    return None


def _is_json_string(line: str) -> bool:
    """A line that is one JSON string alone (`"svc-1"`), not a CSV header (`"service_id",...`)."""
    try:
        return isinstance(json.loads(line), str)
    except ValueError:
        return False


def is_local(upload: ImportFile) -> bool:
    return isinstance(upload, str | os.PathLike)


@contextmanager
def from_start(upload: ImportFile) -> Iterator[BinaryIO]:
    """The upload read from its first byte: a path is opened (and closed after the block), a
    file object is rewound (and left open for its opener to close)."""
    if is_local(upload):
        with open(upload, "rb") as given:
            yield given
    else:
        upload.seek(0)
        yield upload


def size_of(upload: ImportFile) -> int:
    if is_local(upload):
        return os.stat(upload).st_size
    upload.seek(0, io.SEEK_END)
    return upload.tell()


def name_of(upload: ImportFile) -> str:
    """A name for the errors to give when the upload's own is not known."""
    return Path(upload).name if is_local(upload) else "upload"


def sniff(upload: ImportFile, files: FileSet | None = None) -> str:
    """zip, json, ndjson or csv, by content; refuses anything else (400 naming `file`)."""
    files = files or SERVICE_FILES
    with from_start(upload) as given:
        head = given.read(CHUNK)
    if head.startswith(ZIP_MAGIC):
        return "zip"
    found = text_format(head, files.csv_key)
    if found is None:
        raise refuse(f"must be {files.described} (judged by its content)")
    return found


def check_zip(upload: ImportFile, files: FileSet | None = None) -> list[zipfile.ZipInfo]:
    """The members to import, after checking, before inflating anything, their names, their
    total size and each one's compression ratio (a zip bomb is refused here)."""
    files = files or SERVICE_FILES
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise refuse("is not a readable zip file") from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
    manifests = [info for info in members if is_manifest(info.filename)]
    members = [info for info in members if not is_manifest(info.filename)]
    if not members or len(members) > len(files.members):
        raise refuse(f"a zip must hold {files.zip_holds} (and the export's {MANIFEST})")
    if len(manifests) > 1:
        raise refuse(f"a zip holds at most one {MANIFEST}")
    if manifests and manifests[0].file_size > MAX_MANIFEST_BYTES:
        raise refuse(f"{MANIFEST} must be at most {MAX_MANIFEST_BYTES} bytes")
    total = 0
    for info in members:
        if not files.member_name.match(info.filename):
            raise refuse(
                f"zip member {info.filename[:100]} is not {files.member_names} "
                "(.json, .ndjson or .csv)"
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > zip_max_ratio():
            raise refuse(
                f"zip member {info.filename} inflates {ratio:.0f} times its size; "
                f"at most {zip_max_ratio()} is allowed"
            )
    if total > zip_max_bytes():
        raise refuse(f"the zip inflates to {total} bytes; at most {zip_max_bytes()} is allowed")
    return members


def is_manifest(name: str) -> bool:
    return name == MANIFEST or name.endswith("/" + MANIFEST)


def read_manifest(upload: ImportFile) -> dict | None:
    """The export's manifest.json in a zip (checked by check_zip first), or None when it holds
    none. Only its counts are used (compared with the rows read); a manifest that is not a JSON
    object of counts is refused, as any other unreadable member is."""
    with zipfile.ZipFile(upload) as archive:
        found = [info for info in archive.infolist() if is_manifest(info.filename)]
        if not found:
            return None
        with archive.open(found[0]) as member:
            text = member.read(MAX_MANIFEST_BYTES + 1)
    try:
        manifest = json_loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        manifest = None
    counts = manifest.get("counts") if isinstance(manifest, dict) else None
    if not isinstance(counts, dict) or not all(
        type(counts.get(name, 0)) is int and counts.get(name, 0) >= 0 for name in MANIFEST_COUNTS
    ):
        raise refuse(
            f"{MANIFEST} must be a JSON object whose counts give the services, states and "
            "tasks as whole numbers"
        )
    return manifest


def check_upload(upload: ImportFile, files: FileSet | None = None) -> str:
    """Everything checked before a job is queued: answers the upload's format."""
    found = sniff(upload, files)
    if found == "zip":
        check_zip(upload, files)
        read_manifest(upload)
    return found
