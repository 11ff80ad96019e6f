"""A database that cannot be reached answers 503 (as /healthz does), with the API's error body
on the API and a page of its own on pages; never a 500. The connection is genuinely gone: the
request's attempt to open one fails (PostgreSQL: a closed port; SQLite, whose in-memory test
database cannot be closed: the driver's refusal to open the file)."""

from __future__ import annotations

import socket
import sqlite3
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from csadmin.access.services import create_api_token
from csadmin.api.errors import DATABASE_DOWN, database_unreachable
from csadmin.testing import API

UNAVAILABLE = {"message": DATABASE_DOWN, "exception": "ServiceUnavailableException"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@contextmanager
def database_unreachable_now():
    """This thread's connection is gone and a new one cannot be opened."""
    if connection.vendor == "postgresql":
        connection.close()
        # With psycopg's pool (CSADMIN_DB_POOL), connections come from a pool built with the
        # settings: a new one is built from the unreachable ones, and dropped after.
        pooled = connection.pool is not None
        if pooled:
            connection.close_pool()
        unreachable = {"HOST": "127.0.0.1", "PORT": str(closed_port())}
        try:
            with mock.patch.dict(connection.settings_dict, unreachable):
                yield
        finally:
            if pooled:
                connection.close()
                connection.close_pool()
    else:
        kept, connection.connection = (
            connection.connection,
            None,
        )  # kept aside: closing would drop the in-memory database
        refusal = sqlite3.OperationalError("unable to open database file")
        try:
            with mock.patch.object(connection, "get_new_connection", side_effect=refusal) as opened:
                yield
        finally:
            connection.connection = kept
        assert opened.called  # the request did try to connect


@pytest.fixture
def client_of(transactional_db):
    """A client that answers as a server does, rather than re-raising the view's error."""
    return lambda **headers: Client(raise_request_exception=False, headers=headers)


def test_an_api_call_answers_503_with_the_error_body(client_of, admin, tenant):
    _, key = create_api_token(user=admin, name="program")
    client = client_of(Authorization=f"Token {key}", ContactCenterId=str(tenant.pk))
    assert client.get(API + "server/status").status_code == 200  # token and grant remembered

    with database_unreachable_now():
        answer = client.get(API + "services/00000000000000000000000000000000")

    assert answer.status_code == 503, answer.content
    assert answer.json() == UNAVAILABLE
    assert client.get(API + "server/status").status_code == 200  # and back once it is


def test_a_call_whose_authentication_needs_the_database_answers_503(client_of, admin, tenant):
    """Basic authentication reads the user before any view code runs."""
    import base64

    pair = base64.b64encode(b"root:pw").decode()
    client = client_of(Authorization=f"Basic {pair}", ContactCenterId=str(tenant.pk))
    with database_unreachable_now():
        answer = client.get(API + "server/status")
    assert answer.status_code == 503
    assert answer.json() == UNAVAILABLE


def test_a_signed_in_call_answers_503(client_of, admin, tenant):
    """The session is read from the database: refused before the view runs."""
    client = client_of(ContactCenterId=str(tenant.pk))
    client.force_login(admin)
    with database_unreachable_now():
        api_answer = client.get(API + "server/status")
        page = client.get("/")
    assert api_answer.status_code == 503
    assert api_answer.json() == UNAVAILABLE
    assert page.status_code == 503
    assert b"database cannot be reached" in page.content


def test_other_database_errors_are_not_called_unavailable(transactional_db):
    """A deadlock or a lock timeout happens on a connection that is still there."""
    connection.ensure_connection()
    assert not database_unreachable(OperationalError("deadlock detected"))
    assert not database_unreachable(ValueError("not a database error"))
