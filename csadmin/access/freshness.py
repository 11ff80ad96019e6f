"""Remembering tokens and grants per process without ever trusting a stale one.

Every API call needs its token's user and the caller's grant (tenant, privileges, plug-ins
off); both rarely change, so each process keeps them in memory. What makes that safe is one
small value in Django's shared cache, the *generation*: every write that could change a token,
a user, a grant, a role, a privilege, a tenant or its plug-ins replaces it with a new random
value, and a remembered answer counts only while the generation it was read under is still the
current one. A call therefore reads one cache key instead of two SQL queries, and a revoked
token or grant is refused by the very next call, in every process.

Random values rather than a counter: a cache that loses the key (restart, eviction) can never
hand back a value an old answer was filed under. The generation is replaced both at once and
again on commit: a process that reads the new value before the commit may still see the old
rows, and the second replacement discards what it filed meanwhile.

Writes that bypass model signals (QuerySet.update, raw SQL) on the models below must call
`bump()` themselves.
"""

from __future__ import annotations

import logging
import uuid

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from csadmin import circuit as circuits
from csadmin.access.models import ApiToken, Privilege, Role
from csadmin.pluginlib.errors import ServiceUnavailable
from csadmin.tenancy.models import DisabledPlugin, Membership, Tenant

logger = logging.getLogger(__name__)
GENERATION_KEY = "csadmin:access:generation"
# A process remembers at most this many answers; past it, it starts again (tokens in use and
# user-tenant pairs are few; this bounds memory if many are tried).
MAX_ENTRIES = 10_000
CACHE_DOWN = "The shared cache cannot be reached right now; try again later."


class CacheStore:
    """The generation in Django's shared cache (files under var/ without Redis)."""

    circuit = None

    def get(self):
        return cache.get(GENERATION_KEY)

    def add(self, value: str) -> None:
        cache.add(GENERATION_KEY, value, timeout=None)

    def set(self, value: str) -> None:
        cache.set(GENERATION_KEY, value, timeout=None)


class RedisStore:
    """The generation in Redis, through one client per process: Django's cache builds a new
    client object for every call, which tripled the cost of this read on every API call.
    Short socket timeouts (CSADMIN_REDIS_TIMEOUT) and the Redis circuit bound what a frozen
    Redis costs: one timeout, then no attempt while the circuit is open."""

    def __init__(self, url: str) -> None:
        self.circuit = circuits.of(url)
        timeout = settings.CSADMIN_REDIS_TIMEOUT
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def get(self):
        value = self.client.get(GENERATION_KEY)
        return value.decode() if value is not None else None

    def add(self, value: str) -> None:
        self.client.set(GENERATION_KEY, value, nx=True)

    def set(self, value: str) -> None:
        self.client.set(GENERATION_KEY, value)


_stores: dict[str, CacheStore | RedisStore] = {}


def store() -> CacheStore | RedisStore:
    url = settings.REDIS_URL
    if url not in _stores:
        _stores[url] = RedisStore(url) if url else CacheStore()
    return _stores[url]


def generation() -> str | None:
    """The current generation; a missing one (new or flushed cache) is created. None when the
    cache cannot be reached: callers then read the database, as if they remembered nothing."""
    current = store()
    if current.circuit is not None and not current.circuit.allows():
        return None  # Redis failed a moment ago: not even tried until the circuit closes
    try:
        value = current.get()
        if value is None:
            current.add(uuid.uuid4().hex)
            value = current.get()
    except Exception as error:  # a cache outage must not refuse calls the database can answer
        logger.warning("access generation unreadable; reading tokens and grants from the database")
        if current.circuit is not None:
            current.circuit.failed(error)
        return None
    if current.circuit is not None:
        current.circuit.succeeded()
    return value


def bump() -> None:
    """Forget every remembered token and grant, in every process. A failure propagates: the
    change is refused (503) rather than left unseen by processes that remember the old state.
    Tried even while the Redis circuit is open: changes are rare, and a Redis that is back
    takes them at once (the short socket timeout bounds the wait)."""
    current = store()
    try:
        current.set(uuid.uuid4().hex)
    except Exception as error:
        if current.circuit is None:
            raise
        current.circuit.failed(error)
        raise ServiceUnavailable(CACHE_DOWN) from error
    if current.circuit is not None:
        current.circuit.succeeded()


def bump_now_and_on_commit(sender=None, using=None, **kwargs) -> None:
    """A signal receiver: replace the generation now and once more when the change commits."""
    bump()
    transaction.on_commit(bump, using=using)


class Memo:
    """Answers filed under the generation they were read in; a new generation empties it.

    Threads of one process share it (threaded web workers): the generation and its answers are
    one tuple, read once per call, so an answer read under an older generation can only land
    in that generation's dict, never in the dict a newer generation just put in its place."""

    def __init__(self) -> None:
        self._filed: tuple[str | None, dict] = (None, {})

    def get(self, key, current: str | None):
        generation, entries = self._filed
        if current is None or generation != current:
            return None
        return entries.get(key)

    def put(self, key, value, current: str | None) -> None:
        if current is None:
            return
        filed = self._filed
        if filed[0] != current or len(filed[1]) >= MAX_ENTRIES:
            filed = (current, {})  # a new dict, not clear(): other threads may read the old one
            self._filed = filed
        filed[1][key] = value


def connect_signals() -> None:
    """Every model whose rows decide a token's user or a grant replaces the generation."""
    for model in (get_user_model(), ApiToken, Membership, Role, Privilege, Tenant, DisabledPlugin):
        uid = f"csadmin.access.freshness:{model._meta.label}"
        post_save.connect(bump_now_and_on_commit, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(bump_now_and_on_commit, sender=model, dispatch_uid=uid + ":delete")
    for through in (Membership.roles.through, Role.privileges.through):
        uid = f"csadmin.access.freshness:{through._meta.label}:m2m"
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=uid)


def _m2m_changed(sender, action: str, using=None, **kwargs) -> None:
    if action.startswith("post_"):  # once the rows changed (add, remove, clear)
        bump_now_and_on_commit(sender, using)
