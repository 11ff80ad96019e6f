"""Reading import files by content: JSON array, NDJSON, CSV, or a zip of them. Readers yield
(line, row) one row at a time from a stream, never the whole file; a row that cannot be read
is yielded as (line, BadRow(field, reason)) so the importer reports it and carries on.

Uploads are checked before anything is inflated or parsed (upload_checks.py). An upload is
read from a local path or from a binary file object that can seek (the storage's own file, as
`storage.open(name, "rb")` answers it): a zip is read by seeking, through zipfile on that
object, never through a local copy.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

import msgspec

from csadmin.pluginlib import ValidationFailed
from csadmin.pluginlib.storable import TOO_DEEP, first_unstorable, too_deep
from plugins.maintenance.exporting import (
    FORMULA_STARTS,
    INTEGER_COLUMNS,
    JSON_COLUMNS,
)
from plugins.services.bulk import is_full_service

CHUNK = 1 << 16
MAX_ROW_CHARS = 16 * 1024 * 1024
# "full": services of the stream's full content, each with its states and tasks nested
ENTITY_ORDER = ("services", "full", "states", "tasks")
FORMATS_TEXT = "a JSON array, NDJSON, CSV, or a zip of services/states/tasks files"

# An upload to read: a local path, or a binary file object open for reading that can seek (its
# opener closes it)
ImportFile = str | os.PathLike | BinaryIO


@dataclass(frozen=True)
class BadRow:
    field: str
    reason: str


@dataclass(frozen=True)
class Element:
    """Where a row of a JSON array is: its index in the array (from 0) and the line it starts
    on. A whole export is often one line, so the index is what finds the row there."""

    line: int
    index: int


class Unstorable(ValueError):
    """A row decoded, but holds a value the database cannot store: that row's error."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason

    def bad_row(self, prefix: str = "") -> BadRow:
        return BadRow(f"{prefix}.{self.field}" if prefix else self.field, self.reason)


def checked(value, text: str):
    """A value json decoded from `text`, refused (Unstorable) when it nests deeper than the
    API allows or holds a lone surrogate or a non-finite number, as API bodies are."""
    if too_deep(text):
        raise Unstorable("row", TOO_DEEP)
    problem = first_unstorable(value)
    if problem is not None:
        raise Unstorable(*problem)
    return value


class FileProblem(Exception):
    """The file cannot be read on from here (broken JSON array, too long a row...)."""

    def __init__(self, line: int, reason: str, index: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason, self.index = line, reason, index  # index: a JSON array element's

    @property
    def where(self):
        """The line, or for a JSON array's element its Element (line and index)."""
        return self.line if self.index is None else Element(self.line, self.index)

    @property
    def place(self) -> str:
        return f"line {self.line}" + ("" if self.index is None else f", element {self.index}")


def refuse(reason: str) -> ValidationFailed:
    return ValidationFailed.from_errors({"file": [reason]})


# -- byte counting, so progress follows the bytes read and a zip cannot inflate past its limit


class CountingReader(io.RawIOBase):
    def __init__(self, raw, on_bytes, limit: int | None = None) -> None:
        self.raw, self.on_bytes, self.limit, self.seen = raw, on_bytes, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.seen += size
        if self.limit is not None and self.seen > self.limit:
            raise FileProblem(0, "the zip inflates past its declared size or the limit")
        self.on_bytes(size)
        return size


def text_stream(raw, on_bytes, limit=None):
    counted = io.BufferedReader(CountingReader(raw, on_bytes, limit), CHUNK)
    return io.TextIOWrapper(counted, encoding="utf-8-sig", errors="strict", newline="")


# -- readers ----------------------------------------------------------------------------------


def iter_json_array(stream):
    """(Element(line, index), object) for each element of a JSON array, read incrementally."""
    decoder = json.JSONDecoder()
    state = {"buf": "", "pos": 0, "line": 1, "eof": False}

    def more() -> bool:
        data = stream.read(CHUNK)
        if not data:
            state["eof"] = True
            return False
        state["buf"] = state["buf"][state["pos"] :] + data
        state["pos"] = 0
        if len(state["buf"]) > MAX_ROW_CHARS:
            raise FileProblem(state["line"], f"a row is longer than {MAX_ROW_CHARS} characters")
        return True

    def next_char() -> str:
        while True:
            buf, pos = state["buf"], state["pos"]
            while pos < len(buf) and buf[pos] in " \t\r\n":
                if buf[pos] == "\n":
                    state["line"] += 1
                pos += 1
            state["pos"] = pos
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    if next_char() != "[":
        raise FileProblem(state["line"], "must be a JSON array")
    state["pos"] += 1
    if next_char() == "]":
        return
    for index in itertools.count():
        start_line = state["line"]
        where = Element(start_line, index)
        while True:
            try:
                value, end = decoder.raw_decode(state["buf"], state["pos"])
                if end < len(state["buf"]) or state["eof"] or not more():
                    break
            except json.JSONDecodeError:
                if state["eof"] or not more():
                    raise FileProblem(start_line, "is not valid JSON", index) from None
            except RecursionError:  # where this row ends cannot be found: the file stops here
                raise FileProblem(start_line, TOO_DEEP, index) from None
        text = state["buf"][state["pos"] : end]
        state["line"] += text.count("\n")
        state["pos"] = end
        try:
            yield where, checked(value, text)
        except Unstorable as bad:
            yield where, bad.bad_row()
        separator = next_char()
        if separator == "]":
            return
        if separator != ",":
            raise FileProblem(state["line"], "expected ',' or ']' between rows")
        state["pos"] += 1
        next_char()  # skip the whitespace before the next row


_decode = msgspec.json.Decoder().decode


def json_loads(text: str):
    """json.loads, about three times faster: msgspec decodes the JSON that json.loads decodes
    into the same values (big integers exact, floats correctly rounded, the last of duplicate
    keys). What it refuses goes to json.loads, which refuses the rest as before, and accepts
    some (NaN, 1e999, lone surrogates, deep nesting): `checked` refuses those (Unstorable).
    msgspec itself refuses all of them except nesting, which `too_deep` counts first."""
    if too_deep(text):
        raise Unstorable("row", TOO_DEEP)
    try:
        return _decode(text)
    except (msgspec.DecodeError, RecursionError):
        return checked(json.loads(text), text)


def iter_ndjson(stream):
    for line, text in enumerate(stream, start=1):
        if len(text) > MAX_ROW_CHARS:
            yield line, BadRow("row", f"is longer than {MAX_ROW_CHARS} characters")
            continue
        text = text.strip()
        if not text:
            continue
        try:
            yield line, json_loads(text)
        except json.JSONDecodeError:
            yield line, BadRow("row", "is not valid JSON")
        except Unstorable as bad:
            yield line, bad.bad_row()


def unescape_cell(text: str) -> str:
    """Undo the exporter's formula escaping: one leading quote before a risky start goes."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_value(name: str, text: str):
    text = unescape_cell(text)
    if text == "":
        return None
    if name in INTEGER_COLUMNS and text.isdigit():
        return int(text)
    if name in JSON_COLUMNS:
        try:
            return json_loads(text)
        except Unstorable as bad:
            field = f"{name}.{bad.field}" if bad.field != "row" else name
            raise Unstorable(field, bad.reason) from None
        except json.JSONDecodeError:
            return text  # reported by the row's check as "must be a JSON object"
    return text


def iter_csv(stream, key: str = "service_id", value=csv_value):
    """(line, row) of a CSV whose header names `key`; `value(name, text)` reads a cell."""
    csv.field_size_limit(MAX_ROW_CHARS)
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [unescape_cell(name.strip()) for name in header]
    if key not in header:
        raise FileProblem(1, f"the CSV header must name {key}")
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileProblem(start, f"is not valid CSV ({error})") from None
        line = reader.line_num
        if not cells:
            continue
        if len(cells) != len(header):
            yield start, BadRow("row", f"has {len(cells)} cells; the header names {len(header)}")
            continue
        try:
            row = {name: value(name, text) for name, text in zip(header, cells, strict=True)}
        except Unstorable as bad:
            yield start, bad.bad_row()
            continue
        yield start, row


READERS = {"json": iter_json_array, "ndjson": iter_ndjson, "csv": iter_csv}


@dataclass(frozen=True)
class FileSet:
    """What the uploads of one import hold: the names of a zip's members (one file each), the
    column a CSV's header names, and how a CSV cell is read."""

    members: tuple[str, ...]
    csv_key: str
    csv_value: Callable[[str, str], object]
    described: str
    zip_holds: str

    @property
    def member_name(self) -> re.Pattern:
        names = "|".join(map(re.escape, self.members))
        return re.compile(rf"^(?:[^/]+/)*({names})\.(json|ndjson|csv)$")

    @property
    def member_names(self) -> str:
        """ "services, states or tasks"."""
        *rest, last = self.members
        return f"{', '.join(rest)} or {last}" if rest else last

    def reader(self, fmt: str):
        """The reader of one file of this set in format `fmt`."""
        if fmt == "csv":
            return partial(iter_csv, key=self.csv_key, value=self.csv_value)
        return READERS[fmt]


SERVICE_FILES = FileSet(
    ENTITY_ORDER,
    "service_id",
    csv_value,
    FORMATS_TEXT,
    "one to three files: services, states and tasks",
)


def entity_of(row) -> str:
    """What a file holds, judged by its first row: full services (the stream's content, states
    and tasks nested), tasks, states or services."""
    if is_full_service(row):
        return "full"
    if isinstance(row, dict) and "task_id" in row:
        return "tasks"
    if isinstance(row, dict) and "state_id" in row and "service_type" not in row:
        return "states"
    return "services"
