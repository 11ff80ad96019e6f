"""Rendering chunks of an export on more than one PostgreSQL backend at once (the services
export stream, the profiles stream).

When building each item's JSON text is spent in PostgreSQL, one backend renders a chunk while
the web process only waits. Extra connections, each driven
by its own thread, render the next chunks meanwhile; the texts still leave in chunk order.
The threads only wait on their sockets, so the GIL is free for the thread that sends.

The extra connections run outside the caller's transaction: each chunk's query reads what is
committed when it starts, as a chunk query on the caller's own connection does, but it cannot
see the caller's uncommitted writes. Callers inside a transaction render serially instead.
"""

from __future__ import annotations

import logging
import queue
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg

logger = logging.getLogger(__name__)


def open_renderers(connection, count: int) -> list[psycopg.Connection] | None:
    """`count` autocommit connections with the settings of Django's `connection`; None when
    the server refuses one (too many connections, say): the caller then renders serially."""
    params = connection.get_connection_params()
    opened: list[psycopg.Connection] = []
    try:
        for _ in range(count):
            opened.append(psycopg.connect(**params, autocommit=True))
    except psycopg.OperationalError as error:
        logger.warning("export renders serially: no extra connection (%s)", error)
        close_all(opened)
        return None
    return opened


def close_all(connections: Iterable[psycopg.Connection]) -> None:
    for renderer in connections:
        renderer.close()


def render_in_order(
    renderers: list[psycopg.Connection],
    sql: str,
    chunks: Iterable[list[int]],
    params: dict | None = None,
) -> Iterator[str]:
    """The one-column rows `sql` gives for each chunk of ids (bound as %(ids)s, beside
    `params`), chunk after chunk in the order given, while up to len(renderers) chunks are
    rendered at once. The connections are closed when the texts end or the consumer stops
    early."""
    idle: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()
    for renderer in renderers:
        idle.put(renderer)

    def render(ids: list[int]) -> list[tuple[str]]:
        renderer = idle.get()
        try:
            return renderer.execute(sql, {**(params or {}), "ids": ids}).fetchall()
        finally:
            idle.put(renderer)

    pool = ThreadPoolExecutor(len(renderers), thread_name_prefix="export-render")
    in_flight: deque = deque()
    try:
        for ids in chunks:
            in_flight.append(pool.submit(render, ids))
            if len(in_flight) >= len(renderers):
                yield from (text for (text,) in in_flight.popleft().result())
        while in_flight:
            yield from (text for (text,) in in_flight.popleft().result())
    finally:
        # A consumer gone early (GeneratorExit) waits at most for the chunks under way.
        pool.shutdown(wait=True, cancel_futures=True)
        close_all(renderers)
