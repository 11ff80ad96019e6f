from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "csadmin.jobs"
    label = "jobs"
    verbose_name = "Jobs"
