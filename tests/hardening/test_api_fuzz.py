"""Schemathesis against the project's own OpenAPI, in process, as an Administrator of a test
tenant: every operation, every check, a fixed seed and a bounded number of examples.

Zero 5xx, zero answers outside the documented schema, zero calls accepted without credentials
(schemathesis' `ignored_auth` check replays each call without them).
"""

from __future__ import annotations

import base64

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from csadmin.testing import make_tenant, make_user
from csadmin.wsgi import application

EXAMPLES_PER_OPERATION = 12

schema = schemathesis.openapi.from_wsgi("/genesys/1/cs/schema/?format=json", application).exclude(
    # The sample plug-in only exists in the test settings to exercise the framework.
    path_regex="^/genesys/1/cs/sample/",
)
# Text holding NUL is refused everywhere by rule (PostgreSQL text and jsonb cannot store it);
# the plug-ins' tests pin that refusal. Schemas cannot say it for free-form attached data.
schema.config.generation.update(allow_x00=False)

# `positive_data_acceptance` expects every schema-valid request to pass. It is on for every
# operation but these, whose acceptance depends on stored data (or on rules between fields or
# parameters that OpenAPI cannot express). Their refusals are 400s naming the field and the rule,
# pinned by the plug-ins' tests; everything else is in the document (tests/hardening/
# test_api_schema_rules.py), so a schema-valid call there must be accepted.
STATE_DEPENDENT = {
    # the name must be new in the tenant; source and attributes must exist in its schemas
    "POST /genesys/1/cs/metadata/identification-keys",
    # the name must be new in the tenant; `unique` must name attributes of the same body;
    # attribute names are unique ignoring case; a default must fit its attribute's type
    "POST /genesys/1/cs/metadata/profiles/extensions",
    # as creating, and the tenant's records and identification keys must fit the new schema
    "PUT /genesys/1/cs/metadata/profiles/extensions/{name}",
    # attribute names unique ignoring case, defaults fitting their type; customers and keys
    # must fit the new schema
    "PUT /genesys/1/cs/metadata/profiles",
    # a lookup must name the attributes of an identification key of the tenant
    "GET /genesys/1/cs/profiles",
    # the body's keys must be the tenant's profile attributes and extension schemas
    "POST /genesys/1/cs/profiles",
    "PUT /genesys/1/cs/profiles/{customer_id}",
    "POST /genesys/1/cs/profiles/{customer_id}/extensions",
    # the body must give the unique attributes of the tenant's extension schema
    "PUT /genesys/1/cs/profiles/{customer_id}/extensions/{extension}/by/unique",
    "PUT /genesys/1/cs/profiles/{customer_id}/extensions/{extension}/delete/by/unique",
    # a task's state_index must point into the same body's states (a rule between fields)
    "POST /genesys/1/cs/services_composite/start",
    # the spec keeps CS' 400 for an unknown service id here (spec §1)
    "DELETE /genesys/1/cs/services/{service_id}",
    # a job can be cancelled or retried only in some states
    "POST /genesys/1/cs/maintenance/jobs/{job_id}/cancel",
    "POST /genesys/1/cs/maintenance/jobs/{job_id}/retry",
    # an upload is judged by its content (JSON, NDJSON, CSV or a zip of them), not its schema
    "POST /genesys/1/cs/maintenance/services/files",
    # filter_state and filter_event need export_content=true (a rule between parameters)
    "GET /genesys/1/cs/maintenance/services/stream",
    # `match` must name an identification key of the tenant, `extensions` its extension
    # schemas; an upload is judged by its content and a CSV's columns by the tenant's schemas
    "POST /genesys/1/cs/maintenance/profiles/files",
    "GET /genesys/1/cs/maintenance/profiles/stream",
    # a target URL must resolve to a public address (or an allowed host); names must be new
    "POST /genesys/1/cs/metadata/subscriptions",
    "PATCH /genesys/1/cs/metadata/subscriptions/{subscription_id}",
    # switching the server mode depends on the current mode and running jobs
    "POST /genesys/1/cs/server/mode",
}
POSITIVE = CHECKS.get_one("positive_data_acceptance")
NEGATIVE = CHECKS.get_one("negative_data_rejection")
# Without a `file` part this operation is an export driven by its query parameters: its form
# body is optional and not read, so a malformed body cannot be refused.
BODY_NOT_READ = {"POST /genesys/1/cs/maintenance/services/files"}

# Path segments that name a list route where a service id could stand (spec §4).
LIST_NAMES = {"anonymous", "active", "completed"}

PASSWORD = "fuzz-password-1"
CALLS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report_figures():
    yield
    if CALLS:
        print(f"\nfuzzed {len(CALLS)} operations with {sum(CALLS.values())} examples")


def has_file(body) -> bool:
    return isinstance(body, dict) and "file" in body


@pytest.fixture
def keep_connection_open():
    """As Django's test client does: the request signals must not close the test's connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(db, keep_connection_open):
    tenant = make_tenant("Fuzz")
    make_user("fuzzer", tenant, ["Administrator"], password=PASSWORD)
    token = base64.b64encode(f"fuzzer:{PASSWORD}".encode()).decode()
    # `ignored_auth` replays calls with wrong credentials and expects 401 or 403: the pause
    # after repeated failures (429, tests/host/test_api_auth_throttle.py) must not start here.
    with override_settings(
        CSADMIN_LOGIN_MAX_FAILURES=1_000_000, CSADMIN_API_ADDRESS_MAX_FAILURES=1_000_000
    ):
        yield {"Authorization": f"Basic {token}", "ContactCenterId": str(tenant.pk)}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, fuzz_headers):
    excluded = [POSITIVE] if case.operation.label in STATE_DEPENDENT else []
    if case.operation.label in BODY_NOT_READ and not has_file(case.body):
        excluded.append(NEGATIVE)
    if case.query and "cursor" in case.query:
        # Cursors are opaque and only valid as given out in a Link header; any other value is
        # refused with 400 (tests/host/test_paging.py). Fuzzing them only proves that again.
        case.query.pop("cursor")
    if (case.path_parameters or {}).get("service_id") in LIST_NAMES:
        # The spec's paths overlap there: /services/anonymous/<contact_key> is the list of
        # anonymous services, so /services/anonymous/end reaches that list (GET only, 405), and
        # POST /customers/<key>/services/completed reaches the customer's completed services.
        # Hypothesis draws string constants from the code under test, so any change of the code
        # may bring these ids up; they say nothing about the operation being fuzzed.
        case.path_parameters["service_id"] += "-service"
    CALLS[case.operation.label] = CALLS.get(case.operation.label, 0) + 1
    case.call_and_validate(headers=fuzz_headers, excluded_checks=excluded)


def test_every_operation_is_fuzzed():
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    assert {op.label for op in operations} >= STATE_DEPENDENT


def test_every_operation_declares_its_credentials():
    """schemathesis' `ignored_auth` check replays each call without credentials only where the
    schema says credentials are needed: every operation must say so."""
    for result in schema.get_all_operations():
        operation = result.ok()
        assert operation.definition.raw.get("security"), operation.label
