"""The data export's zip: each plug-in's part writes its members as text, streamed into the
archive (never whole in memory)."""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager

SAFE = re.compile(r"[^A-Za-z0-9_-]")
MAX_NAME = 100


def archive_name(customer_id: str, reference: str) -> str:
    """customer-<id>.zip; an id with characters a file name may not hold (or too long) has
    them replaced and a short reference appended, so two such ids never share a name."""
    safe = SAFE.sub("_", customer_id)
    if safe != customer_id or not customer_id[:1].isalnum():
        safe = f"{safe[:60]}-{reference[:12]}"
    return f"customer-{safe}"[: MAX_NAME - 4] + ".zip"


class CustomerArchive:
    """A zip written member by member: `with archive.member("a.ndjson") as out: out.write()`."""

    def __init__(self, out) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.names: list[str] = []

    @contextmanager
    def member(self, name: str):
        if name in self.names:
            raise ValueError(f"{name} is written twice into the data export")
        self.names.append(name)
        with self._zip.open(name, "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            yield text
            text.flush()
            text.detach()

    def close(self) -> None:
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
