"""Celery tasks of event delivery: drain a stream, send a test event, and the sweep that sends
whatever is due (retries, events recorded while the broker was down, resumed subscriptions).
The sweep and the log pruning run periodically: see WebhooksConfig.schedules. The modules that
send these tasks do so by name (dispatch.py): they do not import this one."""

from __future__ import annotations

from csadmin.pluginlib.jobs import task
from plugins.webhooks import announce, delivery, owed, services
from plugins.webhooks.dispatch import DELIVER_STREAM_TASK, PRUNE_TASK, SEND_TEST_TASK, SWEEP_TASK


@task(DELIVER_STREAM_TASK, lane="deliveries")
def deliver_stream_task(subscription_id: int, service_id: str) -> int:
    announce.clear_kick(subscription_id, service_id)
    return delivery.drain_stream(subscription_id, service_id)


@task(SEND_TEST_TASK, lane="deliveries")
def send_test_task(delivery_id: int) -> None:
    delivery.send_now(delivery_id)


@task(SWEEP_TASK, lane="deliveries")
def deliver_due_task() -> int:
    streams = set(delivery.due_streams()) | owed.all_unannounced_streams()
    announce.kick(sorted(streams), deduplicate=False)  # a flag may outlive its message: send anyway
    return len(streams)


@task(PRUNE_TASK, lane="deliveries")
def prune_log_task() -> int:
    return services.prune_delivery_log()
