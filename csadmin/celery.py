"""The Celery application: configured from Django settings (CELERY_*), tasks found in plug-ins."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csadmin.settings")

app = Celery("csadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="tasks")


def route_task(name, args, kwargs, options, task=None, **kw):
    """Webhook deliveries go to the deliveries queue (CSADMIN_DELIVERIES_QUEUE), read at each
    send; everything else to the jobs' queue (CELERY_TASK_DEFAULT_QUEUE)."""
    from django.conf import settings

    if name.startswith("webhooks."):
        return {"queue": settings.CSADMIN_DELIVERIES_QUEUE}
    return None
