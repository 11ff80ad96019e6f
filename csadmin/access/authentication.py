"""`Authorization: Token <key>`: API tokens a user creates and revokes on their profile page."""

import functools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from csadmin.access.models import ApiToken, hash_token

# last_used_at is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_owner(key_hash: str, *, used_before):
    """The user holding the token with this hash (None if there is none), with `token_pk` and
    `token_stale` (its last use is older than `used_before`): one query, written once, since
    it runs before every token-authenticated call."""
    params = [connection.ops.adapt_datetimefield_value(used_before), key_hash]
    return next(iter(get_user_model().objects.raw(token_sql(), params)), None)


@functools.cache
def token_sql() -> str:
    users = get_user_model()._meta
    return f"""
        SELECT u.*, t.id AS token_pk,
               CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END
               AS token_stale
        FROM {users.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.{users.pk.column}
        WHERE t.key_hash = %s
    """  # noqa: S608  (table names from the models; values are parameters)


class RealmBasicAuthentication(authentication.BasicAuthentication):
    www_authenticate_realm = "csadmin"


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
        now = timezone.now()
        found = token_owner(hash_token(key), used_before=now - LAST_USED_RESOLUTION)
        if found is None or not found.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if found.token_stale:
            ApiToken.objects.filter(pk=found.token_pk).update(last_used_at=now)
        return found, ApiToken(pk=found.token_pk, user=found)

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
