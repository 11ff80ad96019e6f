"""Counting failed sign-ins so that guessing a password is slow."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from csadmin.access.models import LoginFailure


def _window_start():
    return timezone.now() - timedelta(seconds=settings.CSADMIN_LOGIN_LOCKOUT_SECONDS)


def login_blocked(username: str, address: str) -> bool:
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    by_name = recent.filter(username=username).count()
    return by_name >= settings.CSADMIN_LOGIN_MAX_FAILURES or (
        recent.filter(address=address).count() >= settings.CSADMIN_LOGIN_MAX_FAILURES * 4
    )


def record_login_failure(username: str, address: str) -> None:
    LoginFailure.objects.filter(at__lt=_window_start()).delete()
    LoginFailure.objects.create(username=username, address=address[:64])


def reset_login_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username).delete()
