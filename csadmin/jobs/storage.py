"""A storage kept in the database (chunked), for deployments on several machines that have no
object store at hand: web servers and workers already share the database.

    CSADMIN_FILES_STORAGE=csadmin.jobs.storage.DatabaseStorage

Files are split into chunks of CHUNK_BYTES (one row each), read back on demand: an opened file
is seekable (a zip is read by seeking) and never whole in memory. "Folders" are the prefixes of
the names; listing one that holds nothing raises FileNotFoundError, as the local folder does.
"""

from __future__ import annotations

import io

from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from csadmin.jobs.models import StoredChunk, StoredFile

CHUNK_BYTES = 1024 * 1024
CHUNKS_PER_INSERT = 16


class ChunkReader(io.RawIOBase):
    """The chunks of one stored file as a seekable binary stream, one query per chunk read."""

    def __init__(self, stored: StoredFile) -> None:
        self.stored = stored
        self.position = 0
        self.cached: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.stored.size}
        self.position = max(0, base[whence] + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.stored.size:
            return 0
        number, start = divmod(self.position, CHUNK_BYTES)
        data = self._chunk(number)[start : start + len(buffer)]
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def _chunk(self, number: int) -> bytes:
        if self.cached[0] != number:
            data = StoredChunk.objects.filter(file=self.stored, number=number).values_list(
                "data", flat=True
            )
            self.cached = (number, bytes(data.first() or b""))
        return self.cached[1]


@deconstructible(path="csadmin.jobs.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("DatabaseStorage opens files for reading; save() writes them")
        stored = StoredFile.objects.filter(name=name).first()
        if stored is None:
            raise FileNotFoundError(name)
        return File(io.BufferedReader(ChunkReader(stored), CHUNK_BYTES), name=name)

    def _save(self, name: str, content) -> str:
        with transaction.atomic():
            stored = StoredFile.objects.create(name=name, size=0, modified_at=timezone.now())
            size, number, batch = 0, 0, []
            for piece in _pieces(content):
                batch.append(StoredChunk(file=stored, number=number, data=piece))
                size, number = size + len(piece), number + 1
                if len(batch) >= CHUNKS_PER_INSERT:
                    StoredChunk.objects.bulk_create(batch)
                    batch = []
            StoredChunk.objects.bulk_create(batch)
            StoredFile.objects.filter(pk=stored.pk).update(size=size)
        return name

    def delete(self, name: str) -> None:
        StoredFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        return StoredFile.objects.filter(name=name).exists()

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        folders, files = set(), []
        for name in names.iterator():
            head, _, rest = name[len(prefix) :].partition("/")
            if rest:
                folders.add(head)
            else:
                files.append(head)
        if not folders and not files:
            raise FileNotFoundError(path)
        return sorted(folders), sorted(files)

    def size(self, name: str) -> int:
        return self._stored(name).size

    def get_modified_time(self, name: str):
        return self._stored(name).modified_at

    def url(self, name):
        raise NotImplementedError("files in the database are downloaded through the API")

    def _stored(self, name: str) -> StoredFile:
        stored = StoredFile.objects.filter(name=name).first()
        if stored is None:
            raise FileNotFoundError(name)
        return stored


def _pieces(content):
    """The content in chunks of exactly CHUNK_BYTES (the last one shorter)."""
    if hasattr(content, "seek"):
        content.seek(0)
    pending = b""
    for piece in content.chunks(CHUNK_BYTES) if hasattr(content, "chunks") else [content.read()]:
        pending += piece
        while len(pending) >= CHUNK_BYTES:
            yield pending[:CHUNK_BYTES]
            pending = pending[CHUNK_BYTES:]
    if pending:
        yield pending
