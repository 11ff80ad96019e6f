"""Concurrent writers on PostgreSQL, each thread with its own connection, through the API:
no lost update, no duplicate, and every loser answers a clear 4xx."""

from __future__ import annotations

import copy
import threading

import pytest
from django.db import connections

from csadmin.testing import Api, require_service, uses_postgresql
from plugins.profiles.models import Customer, ExtensionRecord
from plugins.services.models import Event, State
from tests.profiles.conftest import ADDRESS, PROFILE

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 8


@pytest.fixture
def postgresql():
    require_service(uses_postgresql(), "PostgreSQL")


def race(*calls) -> list:
    """Run the calls at the same instant, one thread and one connection each; their answers
    (status, body) in the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            response = call()
            answers[index] = (response.status_code, response.json() if response.content else None)
        except Exception as error:
            answers[index] = (repr(error), None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def assert_clear_refusal(answer) -> None:
    status, body = answer
    assert status in (400, 404, 409), answer
    assert body["message"] and body["exception"], answer


@pytest.fixture
def profiles(postgresql, api, admin, tenant):
    assert api.put("metadata/profiles", PROFILE).status_code == 200
    assert api.post("metadata/profiles/extensions", ADDRESS).status_code == 201
    assert api.post("profiles", {"customer_id": "C1", "LastName": "Doe"}).status_code == 201
    return api


def address(n: int, country: str = "BE") -> dict:
    return {"AddressType": n, "Address": f"{n} Main St", "PostCode": f"{n}", "Country": country}


def test_concurrent_updates_of_distinct_records_are_all_kept(profiles, admin, tenant):
    """Each writer updates its own record of one customer: no update is lost."""
    writers = 8
    records = [address(n) for n in range(writers)]
    assert profiles.post("profiles/C1/extensions", {"Address": records}).status_code == 200
    path = "profiles/C1/extensions/Address/by/unique"
    answers = race(
        *[
            lambda n=n: Api(admin, tenant).put(path, {**address(n), "Address": f"street {n}"})
            for n in range(writers)
        ]
    )
    assert [status for status, _ in answers] == [204] * writers, answers
    stored = profiles.get("profiles/C1?extensions=Address").json()["Address"]
    assert sorted((r["AddressType"], r["Address"]) for r in stored) == [
        (n, f"street {n}") for n in range(writers)
    ]


def test_concurrent_replacements_of_an_extension_never_mix(profiles, admin, tenant):
    """Each writer replaces the customer's Address records with its own three: the result is
    exactly one writer's set, never a blend or a duplicate."""
    writers = 6
    sets = [[address(3 * n + i) for i in range(3)] for n in range(writers)]
    answers = race(
        *[
            lambda records=records: Api(admin, tenant).post(
                "profiles/C1/extensions", {"Address": records}
            )
            for records in sets
        ]
    )
    assert [status for status, _ in answers] == [200] * writers, answers
    stored = profiles.get("profiles/C1?extensions=Address").json()["Address"]
    assert sorted(stored, key=lambda r: r["AddressType"]) in sets
    assert ExtensionRecord.objects.filter(customer__customer_id="C1").count() == 3


def test_concurrent_creates_of_one_customer_id_one_wins(profiles, admin, tenant):
    writers = 6
    answers = race(
        *[
            lambda n=n: Api(admin, tenant).post(
                "profiles", {"customer_id": "C9", "LastName": f"Doe {n}"}
            )
            for n in range(writers)
        ]
    )
    assert sorted(status for status, _ in answers) == [201] + [400] * (writers - 1), answers
    for answer in answers:
        if answer[0] != 201:
            assert_clear_refusal(answer)
            assert "C9 exists" in answer[1]["message"]
    assert Customer.objects.filter(tenant=tenant, customer_id="C9").count() == 1


def test_transition_racing_the_end_of_its_state(postgresql, api, admin, tenant):
    outcomes = set()
    for _ in range(ROUNDS):
        sid = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
        assert api.post(f"services/{sid}/states/start", {"state_type": "Queue"}).status_code == 201
        transition, end = race(
            lambda sid=sid: Api(admin, tenant).post(
                f"services/{sid}/states/transition",
                {"from": {"state_id": 1}, "to": {"state_type": "Talk"}},
            ),
            lambda sid=sid: Api(admin, tenant).post(f"services/{sid}/states/1/end", {}),
        )
        states = State.objects.filter(service__service_id=sid)
        ends = Event.objects.filter(
            service__service_id=sid, kind__in=["state.end", "state.transition"]
        ).count()
        assert ends == 1, (transition, end)  # state 1 ended exactly once
        if transition[0] == 201:
            assert_clear_refusal(end)
            assert states.count() == 2 and states.filter(completed_at__isnull=True).count() == 1
            outcomes.add("transition won")
        else:
            assert end[0] == 204, end
            assert_clear_refusal(transition)
            assert states.count() == 1 and states.get().completed_at is not None
            outcomes.add("end won")
    assert outcomes  # each round had exactly one winner


def test_service_end_racing_a_state_start(postgresql, api, admin, tenant):
    for _ in range(ROUNDS):
        sid = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
        start, end = race(
            lambda sid=sid: Api(admin, tenant).post(
                f"services/{sid}/states/start", {"state_type": "Queue"}
            ),
            lambda sid=sid: Api(admin, tenant).post(f"services/{sid}/end", {}),
        )
        assert end[0] == 204, end
        if start[0] == 201:
            # started first, then closed with the service: never left active on an ended service
            assert not State.objects.filter(
                service__service_id=sid, completed_at__isnull=True
            ).exists()
        else:
            assert_clear_refusal(start)
            assert not State.objects.filter(service__service_id=sid).exists()


def test_schema_replace_racing_record_inserts(profiles, admin, tenant):
    """The replace shortens Country to 2 characters while a writer adds a 3-character one:
    never both accepted; whatever is stored fits the schema that is stored."""
    shorter = copy.deepcopy(ADDRESS)
    shorter["attributes"][3]["length"] = 2
    outcomes = set()
    for n in range(ROUNDS):
        customer = f"R{n}"
        assert profiles.post("profiles", {"customer_id": customer, "LastName": "x"}).status_code
        profiles.put("metadata/profiles/extensions/Address", ADDRESS)  # back to 32 characters
        replace, insert = race(
            lambda: Api(admin, tenant).put("metadata/profiles/extensions/Address", shorter),
            lambda customer=customer, n=n: Api(admin, tenant).post(
                f"profiles/{customer}/extensions", {"Address": [address(n, country="BEL")]}
            ),
        )
        assert not (replace[0] == 200 and insert[0] == 200), (replace, insert)
        length = profiles.get("metadata/profiles/extensions/Address").json()["attributes"][3]
        countries = ExtensionRecord.objects.filter(
            tenant=tenant, schema__name="Address"
        ).values_list("values__Country", flat=True)
        if replace[0] == 200:
            assert_clear_refusal(insert)
            assert length["length"] == 2
            outcomes.add("replace won")
        else:
            assert insert[0] == 200, insert
            assert_clear_refusal(replace)
            assert length.get("length", 32) == 32
            outcomes.add("insert won")
        assert all(len(c or "") <= length.get("length", 256) for c in countries)
        # leave no 3-character country behind for the next round's replace
        ExtensionRecord.objects.filter(tenant=tenant).delete()
    assert outcomes


def test_profile_schema_replace_racing_customer_creates(profiles, admin, tenant):
    """The replace shortens LastName to 5 characters while a writer creates a customer with a
    longer one: never both accepted; every stored customer fits the stored schema."""
    shorter = copy.deepcopy(PROFILE)
    shorter["attributes"][1]["length"] = 5
    outcomes = set()
    for n in range(ROUNDS):
        profiles.put("metadata/profiles", PROFILE)  # back to 64 characters
        replace, create = race(
            lambda: Api(admin, tenant).put("metadata/profiles", shorter),
            lambda n=n: Api(admin, tenant).post(
                "profiles", {"customer_id": f"P{n}", "LastName": "Longer-than-five"}
            ),
        )
        assert not (replace[0] == 200 and create[0] == 201), (replace, create)
        if replace[0] == 200:
            assert_clear_refusal(create)
            outcomes.add("replace won")
        else:
            assert create[0] == 201, create
            assert_clear_refusal(replace)
            outcomes.add("create won")
        # leave only short names behind for the next round's replace
        Customer.objects.filter(tenant=tenant, customer_id__startswith="P").delete()
    assert outcomes


def test_schema_replace_racing_record_writers_of_a_keyed_extension(profiles, admin, tenant):
    """With an identification key on the extension, a replace rebuilds the key's rows for every
    customer while writers hold their customer: both finish, in one order or the other."""
    key = {"name": "ByPostCode", "source": "Address", "attributes": ["PostCode", "Country"]}
    assert profiles.post("metadata/identification-keys", key).status_code == 201
    assert profiles.post("profiles/C1/extensions", {"Address": [address(1)]}).status_code == 200
    for n in range(ROUNDS):
        wider = copy.deepcopy(ADDRESS)
        wider["attributes"][3]["length"] = 40 + n  # a replace every existing record fits
        replace, write = race(
            lambda body=wider: Api(admin, tenant).put("metadata/profiles/extensions/Address", body),
            lambda n=n: Api(admin, tenant).post(
                "profiles/C1/extensions", {"Address": [address(1), address(100 + n)]}
            ),
        )
        assert (replace[0], write[0]) == (200, 200), (replace, write)
    found = profiles.get("profiles?Address.PostCode=100&Address.Country=BE").json()
    assert [c["customer_id"] for c in found] == []  # replaced by later writes
    last = profiles.get(f"profiles?Address.PostCode={100 + ROUNDS - 1}&Address.Country=BE")
    assert [c["customer_id"] for c in last.json()] == ["C1"]
