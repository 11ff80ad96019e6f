"""Values json accepts but storage cannot hold, nesting that would exhaust the parser, and long
echoed request values (fuzzing findings). Every hostile write answers 400 naming the field,
writes nothing, and every read of the object still answers without a server error.

These run on the configured database (SQLite, or PostgreSQL with DATABASE_URL);
test_hostile_writes_on_postgresql demands PostgreSQL, where such values were DataErrors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from csadmin.pluginlib.storable import MAX_JSON_DEPTH
from csadmin.testing import (
    API,
    require_service,
    sample_url,
    url_patterns,
    uses_postgresql,
    view_methods,
)
from plugins.profiles import selectors as profile_reads
from plugins.profiles import services as profiles
from plugins.services.models import Service

# JSON literals as they arrive on the wire: json.loads accepts every one of them.
HOSTILE = {
    "high surrogate": '"\\ud800"',
    "low surrogate": '"\\udc00"',
    "reversed pair": '"\\udc00\\ud800"',
    "1e999": "1e999",
    "NaN": "NaN",
    "-Infinity": "-Infinity",
}
# (method, path, body with @ where the hostile literal goes, the field the 400 must name)
WRITES = [
    ("POST", "services/start", '{"service_type": "Support", "customer_id": "C1", "x": @}', "x"),
    ("PUT", "services/{sid}/extensions/Note", '{"t": @}', "t"),
    (
        "POST",
        "services/{sid}/states/start",
        '{"state_type": "Talk", "d": {"e": [0, @]}}',
        "d.e[1]",
    ),
    ("POST", "services/{sid}/end", '{"note": @}', "note"),
    (
        "POST",
        "services_composite/start",
        '{"service_type": "Support", "customer_id": "C1", "states": [{"state_type": "T", "x": @}]}',
        "states[0].x",
    ),
    ("POST", "profiles", '{"customer_id": "C2", "LastName": "Roe", "Note": @}', "Note"),
    ("POST", "profiles", '{"customer_id": "C2", "LastName": "Roe", "Phone": @}', "Phone"),
    ("PUT", "profiles/C1", '{"LastName": "Doe", "Phone": "555", "Note": @}', "Note"),
    ("POST", "profiles/C1/extensions", '{"Address": [{"Street": @}]}', "Address[0].Street"),
    (
        "PUT",
        "metadata/profiles",
        '{"attributes": [{"name": "LastName", "type": "string", "default": @}]}',
        "attributes[0].default",
    ),
]
API_READS = [
    "services/{sid}",
    "services/{sid}/states",
    "services/{sid}/tasks",
    "customers/C1/services",
    "customers/C1/services/active",
    "customers/C1/services/completed",
    "profiles/C1",
    "profiles?Phone=555",
    "metadata/profiles",
    "metadata/profiles/extensions",
]
PAGES = [
    "/services/",
    "/services/{sid}/",
    "/services/customers/C1/",
    "/profiles/customers/",
    "/profiles/customers/C1/",
    "/profiles/customers/C1/profile/",
    "/profiles/customers/C1/extensions/",
]


@pytest.fixture
def objects(api, tenant, admin):
    """A customer C1 (key Phone, an Address record) and an active service of C1."""
    profiles.profile_schema_set(
        tenant=tenant,
        body={
            "attributes": [
                {"name": "LastName", "type": "string", "mandatory": True},
                {"name": "Phone", "type": "string"},
                {"name": "Note", "type": "string"},
            ]
        },
        actor=admin,
    )
    profiles.extension_schema_create(
        tenant=tenant,
        body={
            "name": "Address",
            "type": "multi-valued",
            "attributes": [{"name": "Street", "type": "string"}],
        },
        actor=admin,
    )
    profiles.identification_key_create(
        tenant=tenant,
        body={"name": "ByPhone", "source": "profile", "attributes": ["Phone"]},
        actor=admin,
    )
    created = api.post("profiles", {"customer_id": "C1", "LastName": "Doe", "Phone": "555"})
    assert created.status_code == 201, created.content
    started = api.post("services/start", {"service_type": "Support", "customer_id": "C1"})
    assert started.status_code == 201, started.content
    api.sid = started.json()["service_id"]
    assert api.post(f"services/{api.sid}/states/start", {"state_type": "Talk"}).status_code == 201
    return api


def raw(api, method: str, path: str, text: str):
    return getattr(api.client, method.lower())(
        API + path.format(sid=getattr(api, "sid", "")),
        data=text.encode(),
        content_type="application/json",
        headers=api.headers,
    )


def every_read(api, admin) -> dict:
    """Status and body of every API read of the objects; status of every page."""
    seen = {}
    for path in API_READS:
        response = api.get(path.format(sid=api.sid))
        assert response.status_code < 500, (path, response.content[:300])
        seen[path] = (response.status_code, response.content)
    browser = Client()
    browser.force_login(admin)
    for path in PAGES:
        response = browser.get(path.format(sid=api.sid))
        assert response.status_code < 500, path
        seen[path] = response.status_code
    return seen


def check_every_write_is_refused(api, admin):
    before = every_read(api, admin)
    services = Service.objects.count()
    for name, literal in HOSTILE.items():
        for method, path, body, field in WRITES:
            response = raw(api, method, path, body.replace("@", literal))
            assert response.status_code == 400, (name, path, response.content)
            answer = response.json()
            assert list(answer["errors"]) == [field], (name, path, answer)
            assert answer["message"].startswith(f"{field}: must "), answer
            assert every_read(api, admin) == before, (name, method, path)
    assert Service.objects.count() == services


def test_hostile_values_are_400_naming_the_field_and_every_read_still_answers(objects, admin):
    check_every_write_is_refused(objects, admin)


@pytest.mark.services
def test_hostile_writes_on_postgresql(objects, admin):
    require_service(uses_postgresql(), "PostgreSQL")
    check_every_write_is_refused(objects, admin)


def test_a_lone_surrogate_in_a_key_is_refused_naming_it_escaped(objects, admin):
    body = '{"service_type": "Support", "customer_id": "C1", "x": {"\\ud800": 1}}'
    response = raw(objects, "POST", "services/start", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["x.\\ud800"]
    every_read(objects, admin)


def test_valid_surrogate_pairs_and_large_finite_numbers_are_kept(objects):
    body = '{"service_type": "Support", "customer_id": "C1", "x": "\\ud83d\\ude00", "n": 1.7e308}'
    response = raw(objects, "POST", "services/start", body)
    assert response.status_code == 201, response.content
    service = objects.get(f"services/{response.json()['service_id']}").json()
    assert service["started"]["x"] == "\U0001f600"
    assert float(service["started"]["n"]) == 1.7e308  # PostgreSQL's jsonb answers its digits


def nested(levels: int) -> str:
    """A body whose arrays and objects nest `levels` deep."""
    inner = "[" * (levels - 1) + "]" * (levels - 1)
    return '{"service_type": "Support", "customer_id": "C1", "x": ' + inner + "}"


def test_nesting_up_to_the_limit_is_kept_and_served(objects, admin):
    response = raw(objects, "POST", "services/start", nested(MAX_JSON_DEPTH))
    assert response.status_code == 201, response.content
    assert objects.get(f"services/{response.json()['service_id']}").status_code == 200
    every_read(objects, admin)


def test_nesting_past_the_limit_is_400_saying_the_limit(objects):
    response = raw(objects, "POST", "services/start", nested(MAX_JSON_DEPTH + 1))
    assert response.status_code == 400
    assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["message"]
    assert Service.objects.count() == 1


def test_brackets_inside_strings_do_not_count_as_nesting(objects):
    body = '{"service_type": "Support", "customer_id": "C1", "x": "' + "[{" * 3000 + '"}'
    assert raw(objects, "POST", "services/start", body).status_code == 201


def test_every_json_endpoint_answers_deep_nesting_with_400_not_500(objects):
    deep = "[" * 1000 + "]" * 1000  # about 2 KB: a RecursionError (500) before
    refused = []
    for name, _route, pattern in url_patterns():
        url = sample_url(name)
        if not url.startswith(API):
            continue
        for method in set(view_methods(pattern)) & {"POST", "PUT", "PATCH"}:
            response = raw(objects, method, url[len(API) :], deep)
            assert response.status_code < 500, (method, url, response.content[:300])
            if response.status_code == 400:
                assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["message"]
                refused.append(url)
    assert len(refused) >= 15, refused  # the views that read a body; others answer first (404)


@pytest.mark.parametrize("header", ["ContactCenterId", "X-Genesys-TenantId"])
def test_an_unknown_tenant_is_echoed_truncated(objects, header):
    response = objects.client.get(API + "services/x", headers={header: "T" * 7000})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message == "tenant " + "T" * 64 + "… is not configured"


def test_a_long_service_id_is_echoed_truncated(objects):
    response = objects.get("services/" + "s" * 7000)
    assert response.status_code == 404
    assert len(response.json()["message"]) < 100


# -- import rows ------------------------------------------------------------------------------

ROW = {"service_type": "S", "started": "2024-01-01T00:00:00.000Z"}  # a plain exported row


def import_rows(tenant, tmp_path, name: str, content: str) -> list[list[str]]:
    from plugins.maintenance.importing import run_import
    from plugins.maintenance.reporting import QuietReporter

    source = tmp_path / name
    source.write_text(content)
    with open(tmp_path / "errors.csv", "w") as errors:
        run_import(tenant=tenant, source=source, reporter=QuietReporter(), errors_out=errors)
    report = (tmp_path / "errors.csv").read_text().splitlines()[1:]
    return [[cells[1], cells[3]] for cells in (line.split(",") for line in report)]  # line, field


def hostile_rows() -> list[str]:
    good = json.dumps({**ROW, "service_id": "good"})
    rows = [good]
    for n, literal in enumerate(HOSTILE.values()):
        rows.append(json.dumps({**ROW, "service_id": f"bad{n}", "started_data": {"a": 0}}))
        rows[-1] = rows[-1].replace('{"a": 0}', '{"a": ' + literal + "}")
    rows.append(json.dumps({**ROW, "service_id": "deep", "started_data": {"a": 0}}))
    rows[-1] = rows[-1].replace("0", "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    return rows


def expected_errors(first_bad: int) -> list[list[str]]:
    """(line, field) of each bad row of hostile_rows(), the first bad row on `first_bad`."""
    bad = [[str(line), "started_data.a"] for line in range(first_bad, first_bad + len(HOSTILE))]
    return [*bad, [str(first_bad + len(HOSTILE)), "row"]]


def test_import_ndjson_rows_with_hostile_values_are_their_rows_errors(tenant, tmp_path):
    errors = import_rows(tenant, tmp_path, "rows.ndjson", "\n".join(hostile_rows()) + "\n")
    assert errors == expected_errors(first_bad=2)
    assert list(Service.objects.values_list("service_id", flat=True)) == ["good"]


def test_import_json_array_rows_with_hostile_values_are_their_rows_errors(tenant, tmp_path):
    errors = import_rows(tenant, tmp_path, "rows.json", "[\n" + ",\n".join(hostile_rows()) + "\n]")
    assert errors == expected_errors(first_bad=3)  # line 1 is the array's "["
    assert list(Service.objects.values_list("service_id", flat=True)) == ["good"]


def test_import_csv_json_cells_with_hostile_values_are_their_rows_errors(tenant, tmp_path):
    lines = ["service_id,service_type,started,started_data", "good,S,2024-01-01T00:00:00Z,{}"]
    for n, literal in enumerate(HOSTILE.values()):
        cell = '"{""a"": ' + literal.replace('"', '""') + '}"'
        lines.append(f"bad{n},S,2024-01-01T00:00:00Z,{cell}")
    errors = import_rows(tenant, tmp_path, "rows.csv", "\n".join(lines) + "\n")
    assert errors == [[str(line), "started_data.a"] for line in range(3, 3 + len(HOSTILE))]
    assert list(Service.objects.values_list("service_id", flat=True)) == ["good"]


# -- forms ------------------------------------------------------------------------------------


def test_a_form_cannot_carry_a_lone_surrogate(objects, admin, tenant):
    """Django decodes form bodies as UTF-8 only: an encoded surrogate (ED A0 80) arrives as
    U+FFFD, and a body declaring another charset (UTF-7 can encode one) is refused."""
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/profiles/customers/new/",
        data=b"customer_id=C3&LastName=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert profile_reads.customer(tenant, "C3").attributes["LastName"] == "\ufffd" * 3
    declared = browser.post(
        "/profiles/customers/new/",
        data=b"customer_id=C4&LastName=+2AA-",
        content_type="application/x-www-form-urlencoded; charset=utf-7",
    )
    assert declared.status_code == 400
    every_read(objects, admin)
