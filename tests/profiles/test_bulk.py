"""The profiles plug-in's bulk import and export (plugins.profiles.bulk): every mode and match,
the API's rules and messages for each row, dry runs, and the export in customer-id order as
the API answers each customer."""

from __future__ import annotations

import pytest

from plugins.profiles import bulk, services
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey

ANN = {"customer_id": "C1", "FirstName": "Ann", "LastName": "Lee", "PhoneNumber": "555"}
ADDRESSES = [
    {"AddressType": 1, "Address": "1 Main St", "PostCode": "N1", "Country": "UK"},
    {"AddressType": 2, "Address": "2 Side St", "PostCode": "N2", "Country": "UK"},
]


def load(tenant, rows, mode="create", match="customer_id", **kwargs):
    return bulk.import_customers_batch(tenant, rows, mode=mode, match=match, **kwargs)


def api_view(tenant, customer_id, extensions="*"):
    """The customer as GET /profiles/{id}?extensions=* answers it."""
    from plugins.profiles import selectors

    customer = selectors.customer(tenant, customer_id)
    return selectors.customer_documents([customer], selectors.requested_extensions(tenant, "*"))[0]


@pytest.fixture
def unique_email(keys, admin):
    services.identification_key_create(
        tenant=keys,
        body={"name": "ByEmail", "attributes": ["EmailAddress"], "unique": True},
        actor=admin,
    )
    return keys


def test_create_writes_customers_records_and_keys_as_the_api_does(keys, admin, other_tenant):
    result = load(keys, [{**ANN, "Address": ADDRESSES}, {"customer_id": "C2", "LastName": "Bo"}])
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    assert result.problems == []
    imported = api_view(keys, "C1")
    # the same body through the API's create, in another tenant, answers the same document
    services.customer_create(
        tenant=keys, body={**ANN, "customer_id": "X1", "Address": ADDRESSES}, actor=admin
    )
    assert {**api_view(keys, "X1"), "customer_id": "C1"} == imported
    mine = Customer.objects.get(tenant=keys, customer_id="C1")
    theirs = Customer.objects.get(tenant=keys, customer_id="X1")
    assert (
        RecordKey.objects.filter(customer=mine).count()
        == RecordKey.objects.filter(customer=theirs).count()
        == 4
    )
    assert (
        IdentityKey.objects.filter(customer=mine).count()
        == IdentityKey.objects.filter(customer=theirs).count()
    )
    # identify finds the imported customer by each key
    from plugins.profiles import selectors

    found = selectors.identify(keys, {"PhoneNumber": "555"}, "ByPhone")
    assert {c.customer_id for c in found} == {"C1", "X1"}
    found = selectors.identify(
        keys, {"Address.PostCode": "N2", "Address.Country": "UK"}, "ByPostCode"
    )
    assert {c.customer_id for c in found} == {"C1", "X1"}


def test_reimport_in_create_mode_changes_nothing(keys):
    rows = [{**ANN, "Address": ADDRESSES}]
    load(keys, rows)
    before = api_view(keys, "C1")
    stamp = Customer.objects.get(customer_id="C1").updated_at
    result = load(keys, [{**ANN, "FirstName": "Changed"}])
    assert result.counts["skipped"] == 1 and result.counts["created"] == 0
    assert api_view(keys, "C1") == before
    assert Customer.objects.get(customer_id="C1").updated_at == stamp


def test_merge_keeps_what_the_row_does_not_give(keys):
    load(keys, [{**ANN, "Age": 30, "Address": ADDRESSES, "Loyalty": {"Points": 5}}])
    result = load(
        keys, [{"customer_id": "C1", "FirstName": "Anna", "Loyalty": {"Points": 9}}], "merge"
    )
    assert result.counts["updated"] == 1
    view = api_view(keys, "C1")
    assert (view["FirstName"], view["LastName"], view["Age"]) == ("Anna", "Lee", 30)
    assert view["Address"] == [{**a} for a in ADDRESSES]  # not given: kept
    assert view["Loyalty"]["Points"] == 9
    # a merge that changes nothing is counted unchanged
    again = load(keys, [{"customer_id": "C1", "FirstName": "Anna"}], "merge")
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 1, "skipped": 0}


def test_replace_is_put_profiles(keys, admin):
    load(keys, [{**ANN, "Age": 30, "Address": ADDRESSES}])
    row = {"customer_id": "C1", "LastName": "Lee", "Address": ADDRESSES[:1]}
    result = load(keys, [row], "replace")
    assert result.counts["updated"] == 1
    view = api_view(keys, "C1")
    assert "Age" not in view and "FirstName" not in view
    assert view["Address"] == ADDRESSES[:1]
    services.customer_create(
        tenant=keys, body={**ANN, "customer_id": "X1", "Age": 30, "Address": ADDRESSES}, actor=admin
    )
    services.customer_replace(
        tenant=keys, customer_id="X1", body={**row, "customer_id": "X1"}, actor=admin
    )
    assert {**api_view(keys, "X1"), "customer_id": "C1"} == view
    # the identity rows follow: identify by the old phone finds nobody
    assert not IdentityKey.objects.filter(customer__customer_id="C1", key__name="ByPhone").exists()


def test_match_by_identification_key(keys):
    load(keys, [{**ANN, "Address": ADDRESSES}])
    rows = [
        {"PhoneNumber": "555", "LastName": "Lee", "FirstName": "Annie"},  # matches C1
        {"PhoneNumber": "777", "LastName": "New"},  # no match: a new customer
    ]
    result = load(keys, rows, "merge", "byphone")
    assert result.counts == {"created": 1, "updated": 1, "unchanged": 0, "skipped": 0}
    assert api_view(keys, "C1")["FirstName"] == "Annie"
    assert Customer.objects.filter(tenant=keys).count() == 2
    # by an extension's key: the row's records give the values
    by_address = [
        {"LastName": "Lee", "Address": [{"Address": "x", "PostCode": "N2", "Country": "UK"}]}
    ]
    result = load(keys, by_address, "replace", "ByPostCode")
    assert result.counts["updated"] == 1
    assert api_view(keys, "C1")["Address"] == [
        {"AddressType": 0, "Address": "x", "PostCode": "N2", "Country": "UK"}
    ]
    # a row whose id is not the matched customer's is refused, naming both
    new = Customer.objects.get(tenant=keys, attributes__LastName="New").customer_id
    result = load(
        keys, [{"customer_id": "Z", "PhoneNumber": "777", "LastName": "Lee"}], "merge", "ByPhone"
    )
    reason = f"the row matches customer {new} through identification key ByPhone"
    assert result.problems == [(0, [("customer_id", reason)])]


def test_a_row_matching_two_customers_is_refused(keys):
    load(
        keys,
        [
            {"customer_id": "A", "LastName": "X", "PhoneNumber": "1"},
            {"customer_id": "B", "LastName": "X", "PhoneNumber": "1"},
        ],
    )
    result = load(keys, [{"PhoneNumber": "1", "LastName": "Y"}], "merge", "ByPhone")
    assert result.problems == [
        (0, [("match", "matches 2 customers through identification key ByPhone")])
    ]


def test_rows_are_refused_with_the_apis_messages(unique_email, admin):
    tenant = unique_email
    load(tenant, [{"customer_id": "A", "LastName": "A", "EmailAddress": "a@x"}])
    rows = [
        {"customer_id": "B", "LastName": "B", "EmailAddress": "a@x"},  # key held by A
        {"customer_id": "C", "LastName": "C", "EmailAddress": "c@x"},
        {"customer_id": "D", "LastName": "D", "EmailAddress": "c@x"},  # held by C, same batch
        {"customer_id": "E", "LastName": "E", "Address": [ADDRESSES[0], ADDRESSES[0]]},
        {"customer_id": "F", "Age": "old"},
        {"customer_id": " bad"},
    ]
    result = load(tenant, rows)
    assert result.counts["created"] == 1
    problems = dict(result.problems)
    from csadmin.pluginlib import ConflictError, ValidationFailed

    def api_errors(body):
        with pytest.raises((ConflictError, ValidationFailed)) as refused:
            services.customer_create(tenant=tenant, body=body, actor=admin)
        return [(f, r) for f, reasons in refused.value.errors.items() for r in reasons]

    assert problems[0] == api_errors({**rows[0], "customer_id": "B2"})
    assert problems[2] == problems[0]
    assert problems[3] == api_errors({**rows[3], "customer_id": "E2"})
    assert problems[4] == api_errors(rows[4])
    assert problems[5] == api_errors(rows[5])
    assert set(Customer.objects.filter(tenant=tenant).values_list("customer_id", flat=True)) == {
        "A",
        "C",
    }


def test_rows_of_one_customer_in_one_batch_apply_in_order(keys):
    rows = [
        {"customer_id": "C1", "LastName": "One"},
        {"customer_id": "C1", "LastName": "Two", "FirstName": "F"},
    ]
    assert load(keys, rows, "merge").counts == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "skipped": 0,
    }
    assert api_view(keys, "C1")["LastName"] == "Two"
    assert load(keys, rows[:1] * 2).counts["skipped"] == 2


def test_dry_run_writes_nothing_and_reports_the_same(unique_email):
    rows = [{**ANN, "Address": ADDRESSES}, {"customer_id": "C2", "LastName": "B", "PhoneNumber": 5}]
    dry = load(unique_email, rows, dry_run=True)
    assert not Customer.objects.filter(tenant=unique_email).exists()
    assert not ExtensionRecord.objects.exists() and not IdentityKey.objects.exists()
    real = load(unique_email, rows)
    assert (dry.counts, dry.problems) == (real.counts, real.problems)
    assert real.counts["created"] == 1 and real.problems[0][0] == 1


def test_csv_rows_read_core_values_from_text(keys):
    row = {
        "customer_id": "C1",
        "LastName": "Lee",
        "Age": "41",
        "FirstName": None,
        "Loyalty": {"Points": 3},
    }
    result = load(keys, [row], from_text=True)
    assert result.problems == []
    assert api_view(keys, "C1")["Age"] == 41


def test_an_unknown_match_key_or_mode_is_refused_naming_the_field(keys):
    from csadmin.pluginlib import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        bulk.check_match(keys, "NoSuchKey")
    assert "match" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        load(keys, [ANN], mode="upsert")
    assert "mode" in refused.value.errors


def test_export_chunks_are_in_customer_id_order_as_the_api_answers(keys, other_tenant):
    load(
        keys,
        [{"customer_id": f"C{n:03}", "LastName": "L", "Address": ADDRESSES} for n in range(25)],
    )
    schemas = bulk.requested_extensions(keys, "*")
    chunks = list(bulk.customer_document_chunks(keys, schemas, chunk=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    documents = [d for chunk in chunks for d in chunk]
    assert [d["customer_id"] for d in documents] == [f"C{n:03}" for n in range(25)]
    assert documents[3] == api_view(keys, "C003")
    assert list(bulk.customer_document_chunks(other_tenant, [])) == []


def test_a_batch_is_checked_again_when_the_schemas_changed_since_it_was_prepared(keys, admin):
    """A batch is prepared (checked on its own, perhaps in another thread) before its
    transaction; the rules in force when it is written are the ones that count."""
    from tests.profiles.conftest import PROFILE

    importer = bulk.CustomerImport(keys, mode="create")
    early = importer.prepare([{"customer_id": "N1", "LastName": "Lee", "Nickname": "Al"}])
    late = importer.prepare([{"customer_id": "N2", "LastName": "Kim"}])
    assert early.rows[0].checked.problems  # Nickname is no attribute yet
    nickname = {"name": "Nickname", "type": "string", "length": 16, "mandatory": True}
    body = {"attributes": [*PROFILE["attributes"], nickname]}
    services.profile_schema_set(tenant=keys, body=body, actor=admin)

    assert importer.load(early).counts["created"] == 1
    assert api_view(keys, "N1")["Nickname"] == "Al"
    refused = importer.load(late)
    assert refused.counts["created"] == 0
    assert refused.problems == [(0, [("Nickname", "is mandatory")])]


def test_a_batch_prepared_against_unchanged_schemas_is_not_checked_again(keys, monkeypatch):
    from plugins.profiles.bulk import loading

    importer = bulk.CustomerImport(keys, mode="create")
    prepared = importer.prepare([{**ANN}])
    monkeypatch.setattr(loading, "checked_row", None)  # a second check would fail loudly
    assert importer.load(prepared).counts["created"] == 1


def test_the_written_hook_runs_once_the_batch_is_written_and_before_it_commits(keys):
    """The customers job starts its next batch's check from this hook, while the database
    commits: the batch's rows are there, and a failure in the hook leaves none of them."""
    importer = bulk.CustomerImport(keys, mode="create")
    seen = []

    def written():
        seen.append(Customer.objects.filter(tenant=keys, customer_id="W1").exists())

    first = importer.prepare([{"customer_id": "W1", "LastName": "Lee"}])
    assert importer.load(first, on_written=written).counts["created"] == 1
    assert seen == [True]

    def unreadable_next_batch():
        raise RuntimeError("the next batch cannot be read")

    second = importer.prepare([{"customer_id": "W2", "LastName": "Kim"}])
    with pytest.raises(RuntimeError):
        importer.load(second, on_written=unreadable_next_batch)
    assert not Customer.objects.filter(tenant=keys, customer_id="W2").exists()
