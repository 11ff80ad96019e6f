"""Delivery ids: UUIDs a receiver can deduplicate by, cheap to index."""

from __future__ import annotations

import os
import time
import uuid


def new_delivery_id() -> uuid.UUID:
    """A random UUID whose first 48 bits are the time in milliseconds (the layout of UUID
    version 7): new ids land at the end of their unique index instead of anywhere in it."""
    millis = time.time_ns() // 1_000_000
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
