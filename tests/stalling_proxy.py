"""A TCP proxy in front of a server (Redis, here) that can be frozen: while paused it forwards
no byte in either direction yet keeps every connection open and accepts new ones, as a server
stopped with SIGSTOP does (the kernel still queues what clients send). What a client sent while
it was frozen reaches the server once it resumes, even when the client gave up meanwhile."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit


class StallingProxy:
    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self._parts = parts
        self._target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._running = threading.Event()
        self._running.set()
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        """The target URL with the proxy's address in place of the server's."""
        netloc = f"127.0.0.1:{self.port}"
        if self._parts.password:
            netloc = f"{self._parts.username or ''}:{self._parts.password}@{netloc}"
        return urlunsplit(self._parts._replace(netloc=netloc))

    def freeze(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @contextmanager
    def frozen(self):
        self.freeze()
        try:
            yield self
        finally:
            self.resume()

    def close(self) -> None:
        self._closed = True
        self.resume()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in [self._listener, *sockets]:
            with suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            self._running.wait()
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            self._running.wait()  # bytes read just before a freeze are held until the resume
            if not data or self._closed:
                with suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)  # the other side still gets its answers
                return
            try:
                sink.sendall(data)
            except OSError:
                return
