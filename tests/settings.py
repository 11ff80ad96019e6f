"""Test settings: the real settings plus the sample plug-in that exercises the framework."""

from csadmin.settings import *  # noqa: F403
from csadmin.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample_plugin.SampleConfig"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
WHITENOISE_AUTOREFRESH = True
