"""The `customers` file: how its rows are written (JSON one per line, or CSV with one column per
profile attribute and one per extension holding its records as JSON) and read back (the
readers' FileSet of a customers upload). CSV cells that a spreadsheet would run as formulas are
escaped as the services export escapes them, and restored on reading."""

from __future__ import annotations

import csv
import io
import json

from plugins.maintenance import readers, upload_checks
from plugins.maintenance.exporting import JsonRowsWriter, escape_cell
from plugins.profiles import bulk

ID = "customer_id"
FORMATS = ("json", "csv")
FORMATS_TEXT = "a JSON array, NDJSON, CSV, or a zip of one customers file"


def read_cell(name: str, text: str):
    """A CSV cell as text (core values are read from text by the row's check), the formula
    escape undone; an empty cell gives no value."""
    text = readers.unescape_cell(text)
    return None if text == "" else text


CUSTOMER_FILES = readers.FileSet(
    ("customers",), ID, read_cell, FORMATS_TEXT, "one file: customers (.json, .ndjson or .csv)"
)


def decode_csv_row(row: dict, core_names: set[str]) -> dict:
    """A CSV row's extension columns decoded from JSON (core columns stay text); a cell that
    is not JSON is readers.Unstorable naming its column."""
    decoded = {}
    for name, value in row.items():
        if value is None or name == ID or name.lower() in core_names:
            decoded[name] = value
            continue
        try:
            decoded[name] = readers.json_loads(value)
        except readers.Unstorable as bad:
            raise readers.Unstorable(f"{name}.{bad.field}", bad.reason) from None
        except ValueError:
            raise readers.Unstorable(name, "must be the extension's records as JSON") from None
    return decoded


def csv_columns(tenant, schemas: list) -> list[str]:
    return [ID, *bulk.core_attribute_names(tenant), *(schema.name for schema in schemas)]


def check_csv_header(upload: readers.ImportFile, tenant) -> None:
    """A CSV upload naming a column that is neither customer_id, a profile attribute nor an
    extension schema is refused before any job (400 naming `file`)."""
    with upload_checks.from_start(upload) as given:
        text = io.TextIOWrapper(given, encoding="utf-8-sig", errors="replace", newline="")
        try:
            header = next(csv.reader([text.readline()]), [])
        finally:
            text.detach()  # leaves `given` open: its opener closes it
    known = bulk.column_names(tenant)
    for name in (readers.unescape_cell(cell.strip()) for cell in header):
        if name != ID and name.lower() not in known:
            raise readers.refuse(
                f"column {name[:100]} is neither an attribute of the profile schema "
                "nor an extension schema"
            )


def _core_cell(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return escape_cell(text)


class CustomersCsvWriter:
    """One row per customer: customer_id, the profile attributes, each extension's records
    (a JSON list for a multi-valued one, an object for a single-valued one, empty for none)."""

    def __init__(self, out, columns: list[str], schemas: list) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(columns)
        self.core = columns[1 : len(columns) - len(schemas)]
        self.extensions = [schema.name for schema in schemas]

    def write(self, document: dict) -> None:
        cells = [escape_cell(document[ID])]
        cells += [_core_cell(document.get(name)) for name in self.core]
        for name in self.extensions:
            value = document.get(name)
            cells.append("" if value is None else json.dumps(value, ensure_ascii=False))
        self.writer.writerow(cells)

    def close(self) -> None:
        return None


def writer_for(fmt: str, out, tenant, schemas: list):
    if fmt == "csv":
        return CustomersCsvWriter(out, csv_columns(tenant, schemas), schemas)
    return JsonRowsWriter(out, "customers")
