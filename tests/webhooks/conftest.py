"""Fixtures of the event delivery tests: a receiver on loopback that the settings allow."""

from __future__ import annotations

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A local HTTP receiver; loopback is allowed as a target for the test's duration."""
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CSADMIN_WEBHOOK_TIMEOUT = 2
    server = Receiver().start()
    yield server
    server.stop()
