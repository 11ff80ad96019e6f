"""Celery tasks of event delivery: drain a stream, send a test event, and the sweep that sends
whatever is due (retries, events recorded while the broker was down, resumed subscriptions).
The sweep and the log pruning run periodically: see WebhooksConfig.schedules."""

from __future__ import annotations

from csadmin.jobs import task

SWEEP_TASK = "webhooks.deliver_due"
PRUNE_TASK = "webhooks.prune_log"


@task("webhooks.deliver_stream")
def deliver_stream_task(subscription_id: int, service_id: str) -> int:
    from plugins.webhooks.announce import clear_kick
    from plugins.webhooks.delivery import drain_stream

    clear_kick(subscription_id, service_id)
    return drain_stream(subscription_id, service_id)


@task("webhooks.send_test")
def send_test_task(delivery_id: int) -> None:
    from plugins.webhooks.delivery import send_now

    send_now(delivery_id)


@task(SWEEP_TASK)
def deliver_due_task() -> int:
    from plugins.webhooks.announce import kick
    from plugins.webhooks.delivery import due_streams
    from plugins.webhooks.owed import all_unannounced_streams

    streams = set(due_streams()) | all_unannounced_streams()
    kick(sorted(streams), deduplicate=False)  # a flag may outlive its message: send anyway
    return len(streams)


@task(PRUNE_TASK)
def prune_log_task() -> int:
    from plugins.webhooks.services import prune_delivery_log

    return prune_delivery_log()
