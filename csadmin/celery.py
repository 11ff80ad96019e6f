"""The Celery application: configured from Django settings (CELERY_*), tasks found in plug-ins."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csadmin.settings")

app = Celery("csadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="tasks")
