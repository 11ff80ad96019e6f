"""The HTTP client of deliveries: a requests session whose connections check the addresses
they connect to, at that moment. Checking a target when it is saved, or just before sending,
leaves a gap: the name may resolve to another address when the connection is made (DNS
rebinding). Here the address that is checked is the address that is connected to."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3 import connection as urllib3_connection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from plugins.webhooks.targets import TargetRefused, allowed_addresses


class CheckedConnectionMixin:
    def _new_conn(self):
        try:
            addresses = allowed_addresses(self.host, self.port)
        except TargetRefused as refused:
            raise NewConnectionError(self, f"target refused: {refused}") from None
        error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as timeout:
                raise ConnectTimeoutError(
                    self, f"connection to {self.host} timed out ({self.timeout} s)"
                ) from timeout
            except OSError as failed:
                error = failed
        raise NewConnectionError(self, f"failed to establish a new connection: {error}")


class CheckedHTTPConnection(CheckedConnectionMixin, urllib3_connection.HTTPConnection):
    pass


class CheckedHTTPSConnection(CheckedConnectionMixin, urllib3_connection.HTTPSConnection):
    """TLS still names and verifies the host (SNI, certificate), not the address."""


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": CheckedHTTPConnectionPool,
            "https": CheckedHTTPSConnectionPool,
        }


def checked_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: the target only
    adapter = CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
