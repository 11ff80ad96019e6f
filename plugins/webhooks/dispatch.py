"""The tasks of event delivery, sent by name. tasks.py calls announce, delivery and services;
these send its tasks through here, so none of them imports tasks.py and the modules form no
circle."""

from __future__ import annotations

from csadmin.pluginlib.jobs import send_task

DELIVER_STREAM_TASK = "webhooks.deliver_stream"
SEND_TEST_TASK = "webhooks.send_test"
SWEEP_TASK = "webhooks.deliver_due"
PRUNE_TASK = "webhooks.prune_log"


def deliver_stream(subscription_id: int, service_id: str, **options) -> None:
    """Ask a worker to drain the stream; `options` are Celery's (countdown, eta, retry)."""
    send_task(DELIVER_STREAM_TASK, (subscription_id, service_id), **options)


def send_test(delivery_id: int) -> None:
    send_task(SEND_TEST_TASK, (delivery_id,))
