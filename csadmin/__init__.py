"""csadmin: administration of customer-context data, built from plug-ins."""

# Load the Celery app with Django so @shared_task and beat schedules bind to it.
from csadmin.celery import app as celery_app

__all__ = ["celery_app"]
