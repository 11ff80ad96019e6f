"""Signatures a receiver checks: HMAC-SHA256 with the subscription's secret over
"<timestamp>.<body>", so a body cannot be altered and an old delivery cannot be replayed later
(the receiver refuses a timestamp older than its tolerance)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-CS-Signature"
TIMESTAMP_HEADER = "X-CS-Timestamp"
DELIVERY_HEADER = "X-CS-Delivery"
EVENT_HEADER = "X-CS-Event"
SCHEME = "sha256"
SECRET_PREFIX = "whsec_"
MIN_SECRET = 16
DEFAULT_TOLERANCE = 300  # seconds


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    headers,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
        sent = headers[SIGNATURE_HEADER]
    except (KeyError, TypeError, ValueError):
        return False
    current = now if now is not None else time.time()
    if abs(current - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sent, signature(secret, timestamp, body))
