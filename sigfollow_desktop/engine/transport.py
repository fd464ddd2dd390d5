"""An httpx transport whose open connections can be cut from another thread.

A sender blocked on a receiver that never answers would hold the engine up for the whole
request timeout. Stopping must not wait that long, so every socket the senders open is
remembered by an :class:`AbortSwitch`; ``abort()`` shuts them down, which wakes each blocked
read at once with a connection error. httpx takes no network backend of its own, so the
transport's connection pool is rebuilt with one (httpcore's public ``network_backend``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import typing
import weakref

import httpcore
import httpx


class AbortSwitch:
    """The sockets of a group of senders, and the switch that cuts them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._aborted = False

    @property
    def aborted(self) -> bool:
        return self._aborted

    def track(self, sock: object) -> None:
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.add(sock)
            aborted = self._aborted
        if aborted:
            _shut(sock)

    def abort(self) -> None:
        """Shut every open socket; later connections fail at once."""
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, switch: AbortSwitch) -> None:
        self._inner = inner
        self._switch = switch

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        upgraded = self._inner.start_tls(ssl_context, server_hostname, timeout)
        self._switch.track(upgraded.get_extra_info("socket"))
        return _Stream(upgraded, self._switch)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, switch: AbortSwitch) -> None:
        self._inner = httpcore.SyncBackend()
        self._switch = switch

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self._switch.aborted:
            raise httpcore.ConnectError("the delivery engine is stopping")
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        self._switch.track(stream.get_extra_info("socket"))
        return _Stream(stream, self._switch)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def verifying_context() -> ssl.SSLContext:
    """The TLS settings of every sender: certificates verified. Loading the CA bundle is
    slow, so the senders of one engine share one context (it is safe to share)."""
    return httpx.create_ssl_context(verify=True)


def abortable_transport(
    switch: AbortSwitch, ssl_context: ssl.SSLContext | None = None
) -> httpx.HTTPTransport:
    """A TLS-verifying HTTP/1.1 transport whose sockets ``switch`` can cut."""
    context = ssl_context or verifying_context()
    transport = httpx.HTTPTransport(verify=context)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=context,
        max_connections=4,
        max_keepalive_connections=4,
        keepalive_expiry=5.0,
        network_backend=_Backend(switch),
    )
    return transport
