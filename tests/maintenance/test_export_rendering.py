"""On PostgreSQL: the full-content export renders its chunks on extra connections at once,
keeps their order, closes them whatever happens, and renders serially where it must."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from django.db import connection

from csadmin.pluginlib import rendering
from csadmin.testing import require_service, uses_postgresql
from plugins.maintenance.exporting import parse_export_query, stream_ndjson
from plugins.services.bulk import export as selectors
from tests.maintenance.conftest import make_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# One text per id, naming the backend that rendered it; a chunk takes 0.3 s.
SLOW_SQL = (
    "SELECT pg_backend_pid()::text || ':' || i::text "
    "FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS u(i, n), pg_sleep(0.3) ORDER BY n"
)


@pytest.fixture
def postgresql():
    require_service(uses_postgresql(), "PostgreSQL")


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 3 then 4 services, so a few dozen services make many chunks."""
    monkeypatch.setattr(selectors, "FIRST_EXPORT_CHUNK", 3)
    real = selectors.export_full_json
    monkeypatch.setattr(
        selectors, "export_full_json", lambda queryset: real(queryset, chunk=4), raising=True
    )


@pytest.fixture
def renderers_opened(monkeypatch) -> list:
    """The connections the export opens to render on, as it opens them."""
    opened: list = []
    real_open = rendering.open_renderers

    def spy(conn, count):
        renderers = real_open(conn, count)
        opened.extend(renderers or [])
        return renderers

    monkeypatch.setattr(rendering, "open_renderers", spy)
    return opened


def selection(tenant):
    import datetime as dt

    return selectors.export_selection(
        tenant,
        time_from=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        time_to=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
    )


def alive(pids: list[int]) -> int:
    """How many of these server processes are still connected."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return cursor.fetchone()[0]


def test_chunks_render_at_once_on_every_renderer_and_leave_in_order(postgresql, db):
    renderers = rendering.open_renderers(connection, 2)
    chunks = [[1, 2], [3, 4], [5, 6], [7, 8]]
    began = time.monotonic()
    texts = list(rendering.render_in_order(renderers, SLOW_SQL, chunks))
    took = time.monotonic() - began
    assert [int(text.split(":")[1]) for text in texts] == list(range(1, 9))
    assert len({text.split(":")[0] for text in texts}) == 2  # both backends rendered
    assert took < 1.0  # four chunks of 0.3 s, two at a time: 0.6 s (1.2 s one by one)
    assert all(renderer.closed for renderer in renderers)


def test_a_consumer_gone_early_closes_the_renderers(postgresql, db):
    renderers = rendering.open_renderers(connection, 2)
    texts = rendering.render_in_order(renderers, SLOW_SQL, iter([[1], [2], [3], [4]]))
    assert next(texts).endswith(":1")
    texts.close()
    assert all(renderer.closed for renderer in renderers)


def test_parallel_export_gives_the_serial_texts(
    postgresql, tenant, settings, renderers_opened, small_chunks
):
    for n in range(30):
        make_service(tenant, f"s{n:02d}", states=n % 3, tasks=n % 4, started_data={"n": n})
    settings.CSADMIN_EXPORT_RENDERERS = 1
    serial = list(selectors.export_full_json(selection(tenant)))
    settings.CSADMIN_EXPORT_RENDERERS = 2
    parallel = list(selectors.export_full_json(selection(tenant)))
    assert len(renderers_opened) == 2
    assert len(serial) == 30
    assert parallel == serial
    assert [json.loads(text)["service_id"] for text in parallel] == [f"s{n:02d}" for n in range(30)]


def test_a_stream_cut_short_leaves_no_connection_behind(
    postgresql, tenant, renderers_opened, small_chunks
):
    for n in range(20):
        make_service(tenant, f"s{n}")
    opened = renderers_opened
    query = parse_export_query({"time_from": "2000-01-01T00:00:00Z", "export_content": "true"})
    body = stream_ndjson(tenant, query, lines_per_chunk=1)
    assert next(body).startswith("{")
    pids = [renderer.info.backend_pid for renderer in opened]
    assert len(pids) == 2 and alive(pids) == 2  # the two renderers are at work
    body.close()  # the client disconnected
    assert all(renderer.closed for renderer in opened)
    deadline = time.monotonic() + 5  # a backend leaves pg_stat_activity once it has exited
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(pids) == 0
    assert not connection.in_atomic_block


def test_without_spare_connections_the_export_renders_serially(
    postgresql, tenant, monkeypatch, small_chunks
):
    for n in range(10):
        make_service(tenant, f"s{n}")
    opened = []
    real_connect = psycopg.connect

    def refuse_the_second(*args, **kwargs):
        if opened:
            raise psycopg.OperationalError("sorry, too many clients already")
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(rendering.psycopg, "connect", refuse_the_second)
    texts = list(selectors.export_full_json(selection(tenant)))
    assert len(texts) == 10
    assert opened[0].closed  # the one it got back is not left open


def test_inside_a_transaction_the_export_sees_its_uncommitted_services(postgresql, tenant):
    from django.db import transaction

    with transaction.atomic():
        make_service(tenant, "uncommitted")
        texts = list(selectors.export_full_json(selection(tenant)))
    assert [json.loads(text)["service_id"] for text in texts] == ["uncommitted"]
