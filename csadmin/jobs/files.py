"""Where job output files live and which names they may have.

A name is one path segment from a short alphabet, so it can never leave the job's folder:
no separators, no leading dot, no "..", nothing a user could type to reach another file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from csadmin.pluginlib.errors import ValidationFailed

FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
MAX_NAME_LENGTH = 100


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


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def job_dir(job_id: int) -> Path:
    return jobs_root() / str(int(job_id))


def job_file_path(job_id: int, name: str) -> Path:
    return job_dir(job_id) / check_file_name(name)


@contextmanager
def atomic_write(target: Path, mode: str = "wb", encoding: str | None = None):
    """Write to a temporary file beside `target` and move it into place only when complete,
    so a reader never downloads half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(
            descriptor, mode, encoding=encoding, newline="" if "b" not in mode else None
        ) as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store(target: Path, source) -> int:
    """Store bytes, a binary file object or the file at a path (str or Path) as `target`;
    answer its size."""
    with atomic_write(target) as out:
        if isinstance(source, bytes | bytearray | memoryview):
            out.write(source)
        elif isinstance(source, str | os.PathLike):
            with open(source, "rb") as given:
                shutil.copyfileobj(given, out)
        elif hasattr(source, "read"):
            shutil.copyfileobj(source, out)
        else:
            raise TypeError("add_file takes bytes, a binary file object or a path")
    return target.stat().st_size


def remove_job_files(job_id: int) -> None:
    shutil.rmtree(job_dir(job_id), ignore_errors=True)
