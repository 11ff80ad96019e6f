"""Test settings: the real settings plus the sample plug-in that exercises the framework."""

import os

from csadmin.settings import *  # noqa: F403
from csadmin.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample_plugin.SampleConfig"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run in the test process, except in a worker a test starts (CSADMIN_JOBS_EAGER=0).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CSADMIN_JOBS_EAGER") != "0"
WHITENOISE_AUTOREFRESH = True
