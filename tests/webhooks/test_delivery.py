"""Delivery end to end in one process: API calls record events, which the matching
subscriptions are owed, and the (eager) jobs POST them to a real receiver on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csadmin.audit.models import AuditEntry
from csadmin.tenancy.models import DisabledPlugin
from plugins.services.models import Event
from plugins.webhooks import signing
from plugins.webhooks.announce import kick
from plugins.webhooks.models import Delivery, DeliveryAttempt, Subscription
from plugins.webhooks.tasks import deliver_due_task

pytestmark = pytest.mark.django_db


def start_service(api, committed, **body):
    body.setdefault("service_type", "Sales")
    response = committed(api.post, "services/start", body)
    assert response.status_code == 201, response.json()
    return response.json()["service_id"]


def sweep_later(committed, seconds: float = 7200) -> None:
    """Run the periodic sweep as if `seconds` had passed: every retry is due by then."""
    Delivery.objects.filter(status="pending").update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    committed(deliver_due_task)


def test_events_arrive_signed_and_verifiable(api, committed, subscribe, receiver, tenant):
    subscription = subscribe()
    service_id = start_service(api, committed, customer_id="cust-1", channel="web")

    (request,) = receiver.wait_for(1)
    assert signing.verify(subscription.plain_secret, request.body, request.headers)
    assert not signing.verify("another secret of length", request.body, request.headers)
    tampered = request.body.replace(b"cust-1", b"cust-2")
    assert not signing.verify(subscription.plain_secret, tampered, request.headers)
    event = request.json
    assert event["kind"] == "service.start"
    assert event["service_id"] == service_id
    assert event["customer_id"] == "cust-1"
    assert event["tenant"] == {"id": tenant.pk, "name": tenant.name}
    assert event["data"]["channel"] == "web"  # attached data travels with the event
    assert request.headers["X-CS-Delivery"] == event["delivery_id"]
    assert request.headers["X-CS-Event"] == "service.start"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert str(delivery.delivery_id) == event["delivery_id"]


def test_a_replayed_delivery_is_refused_by_its_timestamp(subscribe, receiver):
    subscription = subscribe()
    body = b'{"kind":"service.start"}'
    old = signing.signed_headers(subscription.plain_secret, body, now=1_000_000)
    assert signing.verify(subscription.plain_secret, body, old, now=1_000_000 + 60)
    assert not signing.verify(subscription.plain_secret, body, old, now=1_000_000 + 3600)


def test_events_of_a_service_arrive_in_order(api, committed, subscribe, receiver):
    subscribe()
    service_id = start_service(api, committed)
    for _ in range(3):
        response = committed(api.post, f"services/{service_id}/states/start", {"state_type": "S"})
        assert response.status_code == 201
        state_id = response.json()["state_id"]
        committed(api.post, f"services/{service_id}/tasks/start", {"task_type": "T"})
        committed(api.post, f"services/{service_id}/states/{state_id}/end", {})
    committed(api.post, f"services/{service_id}/end", {})

    recorded = list(Event.objects.order_by("id").values_list("id", "kind"))
    assert len(recorded) == 1 + 3 * 4 + 1  # per state: its start and end, its task's too
    received = receiver.wait_for(len(recorded))
    assert [(r.json["event_id"], r.json["kind"]) for r in received] == recorded
    assert {r.json["service_id"] for r in received} == {service_id}


def test_a_500_is_retried_and_later_events_wait_for_it(api, committed, subscribe, receiver):
    subscribe()
    receiver.answers = [500]
    service_id = start_service(api, committed)
    committed(api.post, f"services/{service_id}/states/start", {"state_type": "S"})

    assert [r.status for r in receiver.wait_for(1)] == [500]
    first, second = Delivery.objects.order_by("id")
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.next_attempt_at > timezone.now()  # backed off
    assert (second.status, second.attempts) == ("pending", 0)  # waits behind the first
    assert len(receiver.received) == 1

    sweep_later(committed)

    received = receiver.wait_for(3)
    assert [(r.json["kind"], r.status) for r in received] == [
        ("service.start", 500),
        ("service.start", 200),
        ("state.start", 200),
    ]
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("delivered", 2)
    assert list(first.log.values_list("status_code", flat=True)) == [500, 200]


def test_a_network_error_is_retried(api, committed, subscribe, receiver, settings):
    subscription = subscribe()
    Subscription.objects.filter(pk=subscription.pk).update(
        target_url="http://127.0.0.1:9/closed"  # nothing listens on the discard port
    )
    start_service(api, committed)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "ConnectionError" in delivery.last_error


def test_a_400_is_not_retried_and_the_stream_goes_on(api, committed, subscribe, receiver):
    subscribe()
    receiver.answers = [400]
    service_id = start_service(api, committed)
    committed(api.post, f"services/{service_id}/end", {})

    received = receiver.wait_for(2)
    assert [(r.json["kind"], r.status) for r in received] == [
        ("service.start", 400),
        ("service.end", 200),
    ]
    failed = Delivery.objects.get(kind="service.start")
    assert (failed.status, failed.attempts) == ("failed", 1)
    sweep_later(committed)
    assert len(receiver.received) == 2  # never sent again


def test_a_redirect_is_not_followed(api, committed, subscribe, receiver):
    subscribe()
    receiver.answers = [302]
    start_service(api, committed)
    assert Delivery.objects.get().status == "failed"
    assert len(receiver.received) == 1


def test_the_subscription_pauses_itself_at_its_failure_limit(api, committed, subscribe, receiver):
    subscription = subscribe(failure_limit=3)
    receiver.answers = [503] * 10
    service_id = start_service(api, committed)
    sweep_later(committed)
    sweep_later(committed)

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.consecutive_failures == 3
    assert "3 consecutive failed deliveries" in subscription.paused_reason
    assert "HTTP 503" in subscription.paused_reason
    assert AuditEntry.objects.filter(plugin="webhooks", action="pause").count() == 1
    # paused: further sweeps and new events reach nobody
    sweep_later(committed)
    committed(api.post, f"services/{service_id}/end", {})
    assert len(receiver.received) == 3
    assert Delivery.objects.count() == 1  # no delivery is owed while paused


def test_success_resets_the_failure_count(api, committed, subscribe, receiver):
    subscription = subscribe(failure_limit=3)
    receiver.answers = [500, 500]
    start_service(api, committed)
    sweep_later(committed)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2
    sweep_later(committed)
    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.active) == (0, True)


def test_resuming_sends_what_waited_and_clears_the_reason(
    api, committed, subscribe, receiver, set_active
):
    subscription = subscribe(failure_limit=1)
    receiver.answers = [500]
    start_service(api, committed)
    subscription.refresh_from_db()
    assert not subscription.active

    set_active(subscription, True)
    subscription.refresh_from_db()
    assert (subscription.active, subscription.paused_reason) == (True, "")
    # the retry was not due yet; the sweep sends it once it is
    sweep_later(committed)
    assert [r.status for r in receiver.wait_for(2)] == [500, 200]


def test_a_paused_subscription_receives_nothing(api, committed, subscribe, receiver):
    subscribe(active=False)
    start_service(api, committed)
    assert Delivery.objects.count() == 0
    assert receiver.received == []


@pytest.mark.parametrize(
    ("filters", "body", "expected"),
    [
        ({"kinds": ["service.end"]}, {}, ["service.end"]),
        ({"service_types": ["Billing"]}, {"service_type": "Sales"}, []),
        ({"service_types": ["Sales"]}, {"service_type": "Sales"}, ["service.start", "service.end"]),
        ({"customers": "anonymous"}, {"customer_id": "c1"}, []),
        ({"customers": "anonymous"}, {"contact_key": "k"}, ["service.start", "service.end"]),
        ({"customers": "identified"}, {"contact_key": "k"}, []),
        ({"customer_id": "c1"}, {"customer_id": "c2"}, []),
        ({"customer_id": "c1"}, {"customer_id": "c1"}, ["service.start", "service.end"]),
    ],
)
def test_filters_choose_the_events(api, committed, subscribe, receiver, filters, body, expected):
    subscribe(**filters)
    service_id = start_service(api, committed, **body)
    committed(api.post, f"services/{service_id}/end", {})
    assert [r.json["kind"] for r in receiver.received] == expected


def test_a_tenants_events_never_reach_another_tenants_subscription(
    api, committed, subscribe, receiver, other_tenant
):
    subscribe(in_tenant=other_tenant)
    start_service(api, committed)
    assert Delivery.objects.count() == 0
    assert receiver.received == []


def test_a_disabled_plugin_delivers_nothing_in_that_tenant(
    api, committed, subscribe, receiver, tenant
):
    subscribe()
    DisabledPlugin.objects.create(tenant=tenant, plugin="webhooks")
    start_service(api, committed)
    assert Delivery.objects.count() == 0


def test_a_refused_call_owes_no_delivery(api, committed, subscribe, receiver):
    subscribe()
    response = committed(api.post, "services/start", {"service_type": "Sales", "ttl": "x"})
    assert response.status_code == 400
    assert Delivery.objects.count() == 0
    assert receiver.received == []


def test_redeliver_sends_the_event_again_with_a_new_delivery_id(
    api, admin, committed, subscribe, receiver, tenant
):
    from plugins.webhooks.services import redeliver

    subscription = subscribe()
    start_service(api, committed)
    original = Delivery.objects.get()
    again = committed(
        redeliver,
        tenant=tenant,
        subscription_id=subscription.pk,
        delivery_id=original.delivery_id,
        actor=admin,
    )
    first, second = receiver.wait_for(2)
    assert first.json["event_id"] == second.json["event_id"] == original.event_id
    assert second.json["delivery_id"] == str(again.delivery_id) != first.json["delivery_id"]
    again.refresh_from_db()
    assert (again.status, again.redelivery_of) == ("delivered", original.delivery_id)


def test_a_test_event_is_sent_once_even_to_a_paused_subscription(
    admin, committed, subscribe, receiver, tenant
):
    from plugins.webhooks.services import send_test_event

    subscription = subscribe(active=False)
    receiver.answers = [500]
    delivery = committed(
        send_test_event, tenant=tenant, subscription_id=subscription.pk, actor=admin
    )
    (request,) = receiver.wait_for(1)
    assert request.json["kind"] == "test"
    assert signing.verify(subscription.plain_secret, request.body, request.headers)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)  # a test is not retried
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0  # and counts for nothing


def test_the_response_is_kept_truncated(api, committed, subscribe, receiver):
    subscribe()
    receiver.answer_body = b"<p>" + b"x" * 5000
    start_service(api, committed)
    delivery = Delivery.objects.get()
    assert delivery.last_response.startswith("<p>xxx")
    assert delivery.last_response.endswith("[truncated]")
    assert len(delivery.last_response) < 1100
    attempt = DeliveryAttempt.objects.get()
    assert attempt.response_excerpt == delivery.last_response
    assert attempt.latency_ms >= 0


def test_a_slow_receiver_times_out_and_is_retried(api, committed, subscribe, receiver, settings):
    settings.CSADMIN_WEBHOOK_TIMEOUT = 0.3
    subscribe()
    receiver.delay = 1.0
    start_service(api, committed)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert "Timeout" in delivery.last_error


def test_a_target_that_turned_private_is_not_contacted(
    api, committed, subscribe, receiver, settings
):
    subscribe()
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = []  # loopback no longer allowed
    start_service(api, committed)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("target refused")
    assert receiver.received == []


def test_old_log_entries_are_pruned(api, committed, subscribe, receiver, settings):
    from plugins.webhooks.services import prune_delivery_log

    subscribe()
    start_service(api, committed)
    assert prune_delivery_log() == 0
    later = timezone.now() + dt.timedelta(days=settings.CSADMIN_WEBHOOK_LOG_DAYS + 1)
    assert prune_delivery_log(now=later) == 1
    assert DeliveryAttempt.objects.count() == 0


def test_a_pruned_delivery_is_not_owed_again_by_its_streams_next_event(
    api, committed, subscribe, receiver, settings
):
    from plugins.webhooks.services import prune_delivery_log

    subscribe()
    service_id = start_service(api, committed)
    for _ in range(2):  # the sweep moves past the start at its second run
        committed(deliver_due_task)
    long_ago = timezone.now() - dt.timedelta(days=settings.CSADMIN_WEBHOOK_LOG_DAYS + 1)
    Delivery.objects.update(completed_at=long_ago)
    assert prune_delivery_log() == 1

    committed(api.post, f"services/{service_id}/end", {})

    assert [r.json["kind"] for r in receiver.wait_for(2)] == ["service.start", "service.end"]
    assert list(Delivery.objects.values_list("kind", flat=True)) == ["service.end"]


def _resolving(monkeypatch, address: str) -> None:
    import ipaddress

    from plugins.webhooks import targets

    monkeypatch.setattr(targets, "resolve", lambda host, port: [ipaddress.ip_address(address)])


def test_a_name_that_turns_private_between_check_and_connect_is_not_contacted(
    api, committed, subscribe, receiver, settings, monkeypatch
):
    """DNS rebinding: the connection itself checks the address it connects to."""
    from plugins.webhooks import delivery

    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = []
    _resolving(monkeypatch, "93.184.215.14")  # public when the subscription is saved
    port = receiver.server.server_port
    subscribe(target_url=f"http://rebind.example:{port}/hook")
    _resolving(monkeypatch, "127.0.0.1")  # private when the delivery connects
    monkeypatch.setattr(delivery, "target_refusal", lambda subscription: None)
    start_service(api, committed)
    attempt = Delivery.objects.get()
    assert attempt.status == "pending" and "target refused" in attempt.last_error
    assert receiver.received == []


def test_deliveries_connect_to_the_checked_address_and_name_the_host(
    api, committed, subscribe, receiver, settings, monkeypatch
):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8"]
    _resolving(monkeypatch, "127.0.0.1")
    port = receiver.server.server_port
    subscribe(target_url=f"http://hooks.example:{port}/hook")
    start_service(api, committed)
    (request,) = receiver.wait_for(1)
    assert request.headers["Host"] == f"hooks.example:{port}"
    assert Delivery.objects.get().status == "delivered"


# -- the stored events are the outbox ------------------------------------------------------------


def write_queries(api, committed_callbacks) -> int:
    """Statements of one service start, its after-commit work (the workers') left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with committed_callbacks(execute=False), CaptureQueriesContext(connection) as captured:
        response = api.post("services/start", {"service_type": "Sales"})
    assert response.status_code == 201
    return len(captured)


def test_an_active_subscription_adds_no_statement_to_an_api_write(
    api, subscribe, receiver, django_capture_on_commit_callbacks
):
    write_queries(api, django_capture_on_commit_callbacks)  # what is remembered, read once
    alone = write_queries(api, django_capture_on_commit_callbacks)
    subscribe()
    write_queries(api, django_capture_on_commit_callbacks)  # the new subscription, read once
    assert write_queries(api, django_capture_on_commit_callbacks) == alone
    assert Delivery.objects.count() == 0  # the worker makes them from the events
    assert receiver.received == []


announce_kick = kick


def lose_messages(monkeypatch):
    """The broker is gone: nothing tells a worker about new events."""
    monkeypatch.setattr("plugins.webhooks.announce.kick", lambda *args, **kwargs: None)


def test_an_event_nobody_was_told_about_is_sent_by_the_sweep(
    api, committed, subscribe, receiver, monkeypatch
):
    subscribe()
    lose_messages(monkeypatch)
    service_id = start_service(api, committed)
    committed(api.post, f"services/{service_id}/end", {})
    assert receiver.received == [] and Delivery.objects.count() == 0
    monkeypatch.undo()

    committed(deliver_due_task)

    received = receiver.wait_for(2)
    assert [r.json["kind"] for r in received] == ["service.start", "service.end"]
    committed(deliver_due_task)  # found once: nothing is sent twice
    assert len(receiver.received) == 2


def test_a_pause_keeps_what_was_owed_and_skips_what_is_recorded_while_paused(
    api, committed, subscribe, receiver, set_active, monkeypatch
):
    subscription = subscribe()
    lose_messages(monkeypatch)
    owed = start_service(api, committed)  # recorded while active, not sent yet
    monkeypatch.undo()
    set_active(subscription, False)
    skipped = start_service(api, committed)
    committed(deliver_due_task)
    assert receiver.received == []

    set_active(subscription, True)
    committed(deliver_due_task)
    after = start_service(api, committed)

    received = receiver.wait_for(2)
    assert [r.json["service_id"] for r in received] == [owed, after]
    assert skipped not in {r.json["service_id"] for r in receiver.received}
    assert Delivery.objects.filter(service_id=skipped).count() == 0


def test_a_long_stream_goes_on_in_further_messages(
    api, committed, subscribe, receiver, monkeypatch
):
    from plugins.webhooks import owed

    subscribe()
    monkeypatch.setattr(owed, "STREAM_READ", 2)
    lose_messages(monkeypatch)
    service_id = start_service(api, committed)
    for _ in range(2):
        committed(api.post, f"services/{service_id}/states/start", {"state_type": "S"})
    committed(api.post, f"services/{service_id}/end", {})
    monkeypatch.setattr("plugins.webhooks.announce.kick", announce_kick)

    committed(deliver_due_task)  # one message for the stream: 2 events, then another...

    recorded = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert len(recorded) == 6  # start, 2 state starts, their ends, the service end
    assert [r.json["event_id"] for r in receiver.wait_for(6)] == recorded


def test_a_pause_with_many_events_of_a_stream_does_not_stall_it(
    api, committed, subscribe, receiver, set_active, monkeypatch
):
    """The events recorded while paused are not read at all: a stream with more of them than
    one read takes still reaches what it is owed after the resume."""
    from plugins.webhooks import owed

    subscription = subscribe()
    monkeypatch.setattr(owed, "STREAM_READ", 2)
    service_id = start_service(api, committed)
    set_active(subscription, False)
    for _ in range(3):  # more events of the stream than one read takes, while paused
        committed(api.post, f"services/{service_id}/states/start", {"state_type": "S"})
    set_active(subscription, True)
    resumed_at = Event.objects.order_by("-id").values_list("id", flat=True)[0]
    committed(api.post, f"services/{service_id}/end", {})

    owed = Event.objects.filter(id__gt=resumed_at) | Event.objects.filter(kind="service.start")
    expected = list(owed.order_by("id").values_list("id", "kind"))
    assert len(expected) == 5  # the start; the end and the three states it ended
    received = receiver.wait_for(5)
    assert [(r.json["event_id"], r.json["kind"]) for r in received] == expected


def states_of(api, committed, service_id: str, count: int) -> None:
    for _ in range(count):
        committed(api.post, f"services/{service_id}/states/start", {"state_type": "S"})


def test_a_pause_takes_effect_once_a_chunks_time_is_up(
    api, committed, subscribe, receiver, monkeypatch
):
    from plugins.webhooks import delivery

    subscription = subscribe()
    lose_messages(monkeypatch)
    service_id = start_service(api, committed)
    states_of(api, committed, service_id, 3)
    monkeypatch.setattr(delivery, "CHUNK_SECONDS", 0.0)  # every POST ends its chunk
    real_post = delivery.post

    def post_then_pause(*args):
        outcome = real_post(*args)
        Subscription.objects.filter(pk=subscription.pk).update(active=False)
        return outcome

    monkeypatch.setattr(delivery, "post", post_then_pause)
    assert delivery.drain_stream(subscription.pk, service_id) == 1
    assert len(receiver.wait_for(1)) == 1
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "delivered",
        "pending",
        "pending",
        "pending",
    ]


@pytest.mark.parametrize("states", [2, 40])
def test_draining_a_stream_costs_the_same_statements_however_long(
    api, committed, subscribe, receiver, monkeypatch, states
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plugins.webhooks.delivery import drain_stream

    subscription = subscribe()
    lose_messages(monkeypatch)
    service_id = start_service(api, committed)
    states_of(api, committed, service_id, states)
    with CaptureQueriesContext(connection) as queries:
        assert drain_stream(subscription.pk, service_id) == states + 1
    assert len(receiver.wait_for(states + 1)) == states + 1
    statements = [q["sql"] for q in queries.captured_queries]
    writes = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # the subscription, its stream's last delivery, the owed events, the deliveries made, one
    # chunk read, the attempts, the outcomes (one executemany), the failure count; on
    # PostgreSQL the stream's lock and unlock too
    assert len(writes) == 8 + (2 if connection.vendor == "postgresql" else 0)


def test_the_sweep_stays_below_an_event_until_it_is_a_delivery(
    api, committed, subscribe, receiver, monkeypatch
):
    """However often the sweep runs while its messages are lost, it looks at the event again
    (and sends again) until a worker made it a delivery."""
    subscription = subscribe()
    lose_messages(monkeypatch)  # the API call's message and the sweeps' alike
    service_id = start_service(api, committed)
    (event_id,) = Event.objects.values_list("id", flat=True)
    for _ in range(4):
        committed(deliver_due_task)
    subscription.refresh_from_db()
    assert subscription.swept_through < event_id
    monkeypatch.undo()

    committed(deliver_due_task)

    assert [r.json["service_id"] for r in receiver.wait_for(1)] == [service_id]
    for _ in range(2):
        committed(deliver_due_task)
    subscription.refresh_from_db()
    assert subscription.swept_through >= event_id  # delivered: the marks move on


class FlagsLeftBehind:
    """Redis holding every stream's "message queued" flag, though no message was sent."""

    def set(self, key, value, nx=False, ex=None):
        return not nx


def test_a_flag_never_hides_an_owed_stream_from_the_sweep(
    api, committed, subscribe, receiver, monkeypatch
):
    from plugins.webhooks import announce

    subscribe()
    lose_messages(monkeypatch)
    service_id = start_service(api, committed)
    monkeypatch.undo()
    monkeypatch.setattr(announce, "_flags", FlagsLeftBehind)

    announce.kick([(Subscription.objects.get().pk, service_id)])  # an API call: spared
    assert receiver.received == []
    committed(deliver_due_task)  # the sweep sends whatever the flag says

    assert [r.json["service_id"] for r in receiver.wait_for(1)] == [service_id]
