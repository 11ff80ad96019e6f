"""The profiles plug-in's jobs (the registry imports this module): a customer's data export
and erase (privacy/jobs.py)."""

from plugins.profiles.privacy.jobs import data_export_job, erase_job

__all__ = ["data_export_job", "erase_job"]
