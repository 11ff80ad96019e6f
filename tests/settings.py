"""Test settings: the real settings plus the sample plug-in that exercises the framework."""

import os

from csadmin.settings import *  # noqa: F403
from csadmin.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample_plugin.SampleConfig"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run in the test process, except in a worker a test starts (CSADMIN_JOBS_EAGER=0).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CSADMIN_JOBS_EAGER") != "0"
WHITENOISE_AUTOREFRESH = True

# A file, not SQLite's shared in-memory database: the browser tests' live server answers
# overlapping htmx requests from several threads, which shared-cache memory databases refuse
# with "table is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
