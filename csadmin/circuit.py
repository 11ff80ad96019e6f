"""A circuit breaker around Redis, one per address, shared by everything the web process asks
of it on a call's path (the access generation, job submissions, the webhook flags and
messages: one Redis in a deployment, `REDIS_URL`).

A stopped Redis refuses connections at once; a frozen one (stopped process, stalled network)
accepts them and answers nothing, so every call would wait for a socket timeout, several times.
After one failure the circuit opens for CSADMIN_REDIS_RETRY_SECONDS: meanwhile callers do not
touch Redis at all and take their fallback (the database for access, 503 for a job
submission, the periodic sweep for webhook messages). Then one caller tries Redis again (the
others still see the circuit open); its success closes the circuit, its failure opens it
again."""

from __future__ import annotations

import logging
import math
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


class Circuit:
    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic time; 0: closed

    @property
    def open_seconds(self) -> float:
        return float(settings.CSADMIN_REDIS_RETRY_SECONDS)

    def allows(self) -> bool:
        """May the caller use the service now? Once an opening has run its time, the first
        caller to ask is let through as the trial and the circuit stays open for the others."""
        with self._lock:
            if not self._open_until:
                return True
            now = time.monotonic()
            if now < self._open_until:
                return False
            self._open_until = now + self.open_seconds
            return True

    def retry_after(self) -> int:
        """Whole seconds until a caller may try again (at least 1)."""
        return max(1, math.ceil(self._open_until - time.monotonic()))

    def failed(self, error: BaseException | None = None) -> None:
        with self._lock:
            was_closed = not self._open_until
            self._open_until = time.monotonic() + self.open_seconds
        if was_closed:
            logger.warning(
                "%s unreachable (%s); not tried again for %s s", self.name, error, self.open_seconds
            )

    def succeeded(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
            logger.info("%s reachable again", self.name)

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def of(url: str) -> Circuit:
    """The circuit of the Redis at this URL (its database and credentials aside)."""
    address = urlsplit(url).netloc.rpartition("@")[2]
    with _circuits_lock:
        if address not in _circuits:
            _circuits[address] = Circuit(f"Redis at {address}")
        return _circuits[address]


def reset_all() -> None:
    for circuit in list(_circuits.values()):
        circuit.reset()
