"""Counting failed sign-ins so that guessing a password is slow.

One mechanism for every way in: the sign-in page and the API's HTTP Basic both record their
failures here (rows in the database, so every process sees them). A user name pauses after
CSADMIN_LOGIN_MAX_FAILURES failures through either way in, so a guesser gets no more tries by
switching between them. An address pauses after many more failures: each way in has its own
address limit, the API's much higher, since many programs may call it from one host.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from csadmin.access.models import LoginFailure

SIGN_IN = LoginFailure.Channel.SIGN_IN
API = LoginFailure.Channel.API


def _window_start():
    return timezone.now() - timedelta(seconds=settings.CSADMIN_LOGIN_LOCKOUT_SECONDS)


def address_limit(channel: str) -> int:
    if channel == API:
        return settings.CSADMIN_API_ADDRESS_MAX_FAILURES
    return settings.CSADMIN_LOGIN_MAX_FAILURES * 4


def login_pause(username: str, address: str, channel: str = SIGN_IN) -> int:
    """Seconds until `username` from `address` may try again through `channel`; 0: now.

    A pause lasts until the failure that filled the limit leaves the window: the limit's
    newest failure, since fewer than the limit then remain."""
    recent = LoginFailure.objects.filter(at__gte=_window_start()).order_by("-at")
    filling = [
        _nth_newest(recent.filter(username=username), settings.CSADMIN_LOGIN_MAX_FAILURES),
        _nth_newest(recent.filter(address=address, channel=channel), address_limit(channel)),
    ]
    ends = [at + timedelta(seconds=settings.CSADMIN_LOGIN_LOCKOUT_SECONDS) for at in filling if at]
    if not ends:
        return 0
    return max(1, math.ceil((max(ends) - timezone.now()).total_seconds()))


def _nth_newest(failures, n: int):
    return next(iter(failures.values_list("at", flat=True)[n - 1 : n]), None)


def record_login_failure(username: str, address: str, channel: str = SIGN_IN) -> None:
    LoginFailure.objects.filter(at__lt=_window_start()).delete()
    LoginFailure.objects.create(username=username, address=address[:64], channel=channel)


def reset_login_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username).delete()


def client_address(request) -> str:
    """The caller's address: REMOTE_ADDR, or behind a proxy the settings trust
    (CSADMIN_TRUSTED_PROXY), the address that proxy appended to X-Forwarded-For, so that
    every caller is not counted as the proxy."""
    meta = request.META
    if settings.CSADMIN_TRUSTED_PROXY:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1][:64]
    return meta.get("REMOTE_ADDR", "")[:64]
