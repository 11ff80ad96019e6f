"""Celery tasks of event delivery: drain a stream, send a test event, and the sweep that sends
whatever is due (retries, events recorded while the broker was down, resumed subscriptions)."""

from __future__ import annotations

from csadmin.celery import app

SWEEP_TASK = "webhooks.deliver_due"
PRUNE_TASK = "webhooks.prune_log"
SWEEP_SECONDS = 30.0


@app.task(name="webhooks.deliver_stream", ignore_result=True)
def deliver_stream_task(subscription_id: int, service_id: str) -> int:
    from plugins.webhooks.announce import clear_kick
    from plugins.webhooks.delivery import drain_stream

    clear_kick(subscription_id, service_id)
    return drain_stream(subscription_id, service_id)


@app.task(name="webhooks.send_test", ignore_result=True)
def send_test_task(delivery_id: int) -> None:
    from plugins.webhooks.delivery import send_now

    send_now(delivery_id)


@app.task(name=SWEEP_TASK, ignore_result=True)
def deliver_due_task() -> int:
    from plugins.webhooks.announce import kick
    from plugins.webhooks.delivery import due_streams
    from plugins.webhooks.owed import all_unannounced_streams

    streams = set(due_streams()) | all_unannounced_streams()
    kick(sorted(streams), deduplicate=False)  # a flag may outlive its message: send anyway
    return len(streams)


@app.task(name=PRUNE_TASK, ignore_result=True)
def prune_log_task() -> int:
    from plugins.webhooks.services import prune_delivery_log

    return prune_delivery_log()


app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    # A sweep not started within its period is dropped: sweeps that piled up behind a stalled
    # broker would otherwise run back to back, each moving the marks to the last one's horizon.
    "webhooks-deliver-due": {
        "task": SWEEP_TASK,
        "schedule": SWEEP_SECONDS,
        "options": {"expires": SWEEP_SECONDS},
    },
    "webhooks-prune-log": {"task": PRUNE_TASK, "schedule": 3600.0},
}
