"""The import readers on their own: rows split across read chunks, line numbers, CSV cells
with line breaks and formula escapes, broken input; uploads read from a local path or from a
binary file object (a storage's own file), zips included."""

from __future__ import annotations

import io
import json
import zipfile
from contextlib import ExitStack

import pytest

from plugins.maintenance import readers, upload_checks
from plugins.maintenance.exporting import csv_cell
from plugins.maintenance.importing import sources_of


class Trickle(io.StringIO):
    """A stream that gives at most a few characters per read, as a slow upload would."""

    def read(self, size=-1):
        return super().read(min(size if size > 0 else 7, 7))


def test_json_array_rows_split_across_reads_come_back_whole_with_their_lines():
    rows = [
        {"n": n, "text": "x" * (n * 13 % 50), "nested": {"list": [n, "]", "},{"]}}
        for n in range(60)
    ]
    text = "[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]\n"
    parsed = list(readers.iter_json_array(Trickle(text)))
    assert [row for _, row in parsed] == rows
    assert [where for where, _ in parsed] == [readers.Element(n + 2, n) for n in range(60)]


def test_json_array_on_one_line_and_empty_array():
    assert [r for _, r in readers.iter_json_array(io.StringIO('[{"a":1},{"b":2}]'))] == [
        {"a": 1},
        {"b": 2},
    ]
    assert list(readers.iter_json_array(io.StringIO(" [ ] "))) == []


@pytest.mark.parametrize(
    "text, line, index",
    [
        ('[\n{"a": 1},\n{"b": ]', 3, 1),
        ('[\n{"a": 1}\n{"b": 2}]', 3, None),
        ('{"a": 1}', 1, None),
        ('[{"a": 1},{"b": 2},{"c": ]', 1, 2),
    ],
)
def test_broken_json_array_names_the_line_and_the_element(text, line, index):
    with pytest.raises(readers.FileProblem) as problem:
        list(readers.iter_json_array(io.StringIO(text)))
    assert (problem.value.line, problem.value.index) == (line, index)


def test_csv_cells_with_line_breaks_keep_the_record_line_and_unescape_formulas():
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["service_id", "service_type", "started_data", "est_duration"])
    data = csv_cell("started_data", {"a": "two\nlines"})
    writer.writerow([csv_cell("service_id", "=1+1"), "Sa\nles", data, "5"])
    writer.writerow([csv_cell("service_id", "'=kept"), "Sales", "", ""])
    out.write("short,row\n")
    rows = list(readers.iter_csv(io.StringIO(out.getvalue())))
    assert rows[0] == (
        2,
        {
            "service_id": "=1+1",
            "service_type": "Sa\nles",
            "started_data": {"a": "two\nlines"},
            "est_duration": 5,
        },
    )
    assert rows[1][0] == 4 and rows[1][1]["service_id"] == "'=kept"
    assert rows[2][0] == 5 and isinstance(rows[2][1], readers.BadRow)


def test_ndjson_reports_unreadable_lines_and_skips_blank_ones():
    rows = list(readers.iter_ndjson(io.StringIO('{"a": 1}\n\n{oops\n{"b": 2}\n')))
    assert [line for line, _ in rows] == [1, 3, 4]
    assert isinstance(rows[1][1], readers.BadRow)


def as_path(tmp_path, content: bytes):
    path = tmp_path / "upload"
    path.write_bytes(content)
    return path


def as_file(tmp_path, content: bytes):
    return io.BytesIO(content)


GIVEN_AS = pytest.mark.parametrize("given_as", [as_path, as_file])


@GIVEN_AS
@pytest.mark.parametrize(
    "head, kind",
    [
        (b"PK\x03\x04rest", "zip"),
        (b"\xef\xbb\xbf  [\n{}", "json"),
        (b'{"service_id": "a"}\n', "ndjson"),
        (b"service_id,service_type\r\na,b\r\n", "csv"),
    ],
)
def test_type_by_content(tmp_path, given_as, head, kind):
    assert upload_checks.sniff(given_as(tmp_path, head)) == kind


@GIVEN_AS
@pytest.mark.parametrize("head", [b"\x89PNG\r\n", b"name,age\nx,1\n", b"", b"\xff\xfe\x00\x00"])
def test_other_content_is_refused(tmp_path, given_as, head):
    with pytest.raises(readers.ValidationFailed):
        upload_checks.sniff(given_as(tmp_path, head))


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def rows_of(sources) -> dict[str, list]:
    found = {}
    for source in sources:
        with ExitStack() as stack:
            found[source.name] = [row for _, row in source.rows(stack, lambda size: None)]
    return found


SERVICE = {"service_id": "s1", "service_type": "Sales"}
STATE = {"service_id": "s1", "state_id": 1, "state_type": "Queue"}


@GIVEN_AS
def test_a_zip_is_checked_and_its_members_read_where_it_is(tmp_path, given_as):
    content = zipped(
        {
            "export/states.ndjson": json.dumps(STATE).encode() + b"\n",
            "export/services.json": json.dumps([SERVICE]).encode(),
            "export/manifest.json": json.dumps({"counts": {"services": 1, "states": 1}}).encode(),
        }
    )
    upload = given_as(tmp_path, content)
    assert upload_checks.check_upload(upload) == "zip"
    assert upload_checks.read_manifest(upload)["counts"] == {"services": 1, "states": 1}
    sources = sources_of(upload, "export.zip")
    assert [source.entity() for source in sources] == ["states", "services"]
    assert rows_of(sources) == {"export/states.ndjson": [STATE], "export/services.json": [SERVICE]}
    assert rows_of(sources) == rows_of(sources)  # read again from the start
    if given_as is as_file:
        assert not upload.closed  # its opener closes it


@GIVEN_AS
def test_a_plain_file_is_read_from_its_start_each_time(tmp_path, given_as):
    upload = given_as(tmp_path, b"service_id,service_type\ns1,Sales\n")
    if given_as is as_file:
        upload.seek(5)
    [source] = sources_of(upload, "rows.csv")
    assert (source.name, source.fmt, source.size) == ("rows.csv", "csv", 33)
    assert source.entity() == "services"
    assert rows_of([source]) == {"rows.csv": [SERVICE]}
    assert sources_of(upload)[0].name == "upload"  # no name given: the path's, or "upload"


@GIVEN_AS
def test_a_zip_bomb_is_refused_from_a_file_object_as_from_a_path(tmp_path, given_as):
    bomb = zipped({"services.ndjson": b" " * (1024 * 1024)})
    with pytest.raises(readers.ValidationFailed, match="inflates"):
        upload_checks.check_upload(given_as(tmp_path, bomb))


@pytest.mark.parametrize(
    "head, found",
    [
        (b'"svc-1"\n"svc-2"\n', "ndjson"),  # the stream's ids: read, then refused saying so
        (b'"service_id","state_id","state_type"\n"a",1,"Browse"\n', "csv"),  # quoted header
        (b'"nothing to import"x\n', None),
    ],
)
def test_a_leading_quote_is_an_ndjson_id_or_a_quoted_csv_header(head, found):
    assert upload_checks.text_format(head) == found
