"""`Authorization: Token <key>`: API tokens a user creates and revokes on their profile page."""

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from csadmin.access.freshness import Memo, generation
from csadmin.access.models import ApiToken, hash_token
from csadmin.access.throttle import (
    API,
    client_address,
    login_pause,
    record_login_failure,
    reset_login_failures,
)

# last_used_at is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_owner(key_hash: str):
    """The user holding the token with this hash (None if there is none), with `token_pk` and
    `token_last_used`: one query, written once, since it runs whenever this process does not
    remember the token under the current generation."""
    return next(iter(get_user_model().objects.raw(token_sql(), [key_hash])), None)


@functools.cache
def token_sql() -> str:
    users = get_user_model()._meta
    return f"""
        SELECT u.*, t.id AS token_pk, t.last_used_at AS token_last_used
        FROM {users.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.{users.pk.column}
        WHERE t.key_hash = %s
    """  # noqa: S608  (table names from the models; values are parameters)


@dataclass
class KnownToken:
    """A token this process has seen: its owner's row and when its last use was written."""

    user_values: tuple
    token_pk: int
    last_used: datetime | None


_tokens = Memo()


def known_token(key_hash: str, current: str) -> KnownToken | None:
    """The token from this process's memory, else from the database (then remembered)."""
    known = _tokens.get(key_hash, current)
    if known is not None:
        return known
    found = token_owner(key_hash)
    if found is None:
        return None
    known = KnownToken(user_values(found), found.token_pk, as_datetime(found.token_last_used))
    _tokens.put(key_hash, known, current)
    return known


def as_datetime(value) -> datetime | None:
    """A raw query's extra column comes back without Django's converters: SQLite gives naive
    UTC (a datetime or its text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def owner_of(known: KnownToken):
    return user_from_values(known.user_values)


def user_values(user) -> tuple:
    return tuple(getattr(user, field.attname) for field in user._meta.concrete_fields)


def user_from_values(values: tuple):
    """A fresh user object per call: views may set attributes on request.user."""
    User = get_user_model()
    names = [field.attname for field in User._meta.concrete_fields]
    return User.from_db(connection.alias, names, list(values))


def note_use(known: KnownToken, now: datetime) -> None:
    """Write the token's last use when it is older than LAST_USED_RESOLUTION; the condition is
    repeated in SQL so that several processes still write it at most that often."""
    threshold = now - LAST_USED_RESOLUTION
    if known.last_used is not None and known.last_used >= threshold:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold)
    ApiToken.objects.filter(stale, pk=known.token_pk).update(last_used_at=now)
    known.last_used = now


# Basic credentials this process verified, filed under the generation they were verified in,
# so that any change to a user, its password or its access forgets them. The key is an HMAC of
# the user name and password under a key that never leaves this process: the password itself
# is never kept, and the key cannot be recomputed from anything stored.
_verified_basic = Memo()
_BASIC_MEMO_KEY = secrets.token_bytes(32)


def basic_credentials_key(userid: str, password: str) -> bytes:
    # Basic splits at the first colon, so a user name never holds one: the pair is unambiguous.
    message = f"{userid}:{password}".encode()
    return hmac.new(_BASIC_MEMO_KEY, message, hashlib.sha256).digest()


class TooManyFailures(exceptions.Throttled):
    """429 with Retry-After; DRF adds the wait to the message."""

    default_detail = "Too many failed authentications for this user name or address."


class RealmBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic that pays the password hash once per generation, not on every call, and
    pauses a user name or address after repeated failures (csadmin.access.throttle), as the
    sign-in page does.

    A caller whose credentials this process already verified is answered from memory without
    looking at the pause: only the right password finds that memory, so guessing gains nothing.
    A failure costs one hash whether or not the user exists (Django's ModelBackend hashes for an
    unknown user too), so its timing does not reveal which names exist."""

    www_authenticate_realm = "csadmin"

    def authenticate_credentials(self, userid, password, request=None):
        current = generation()
        key = basic_credentials_key(userid, password)
        values = _verified_basic.get(key, current)
        if values is None:
            values = self.verify(userid, password, request)
            _verified_basic.put(key, values, current)
        user = user_from_values(values)
        user._csadmin_generation = current  # the grant check reads under the same one
        return user, None

    def verify(self, userid, password, request) -> tuple:
        """The user's row once the password checks out: 429 while paused, 401 when wrong."""
        username, address = userid[:150], client_address(request)
        pause = login_pause(username, address, API)
        if pause:
            raise TooManyFailures(pause)
        try:
            user, _ = super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            record_login_failure(username, address, API)
            raise
        reset_login_failures(username)
        return user_values(user)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
        now, current = timezone.now(), generation()
        known = known_token(hash_token(key), current)
        user = owner_of(known) if known is not None else None
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        note_use(known, now)
        user._csadmin_generation = current  # the grant check reads under the same one
        return user, ApiToken(pk=known.token_pk, user=user)

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes token authentication in the OpenAPI document."""

    target_class = "csadmin.access.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }


class RealmBasicScheme(OpenApiAuthenticationExtension):
    target_class = "csadmin.access.authentication.RealmBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
