"""An httpx transport whose requests end by a deadline and whose connections can be cut.

httpx's timeouts bound each wait on the network, not the exchange: a receiver that sends one
byte every few seconds keeps a request alive forever. Inside :func:`deadline`, every connect,
TLS handshake, read and write of the calling thread waits at most until one wall-clock moment,
then fails with a timeout. Each sender thread has its own client doing one request at a time,
so the deadline is kept per thread.

A sender blocked on a receiver that never answers would also hold stopping up until its
deadline, so every socket the senders open is remembered by an :class:`AbortSwitch`;
``abort()`` shuts them down, which wakes each blocked read at once with a connection error.
httpx takes no network backend of its own, so the transport's connection pool is rebuilt with
one (httpcore's public ``network_backend``).

The host name lookup itself (``getaddrinfo``) cannot be bounded this way; loopback and a
working resolver answer at once.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import typing
import weakref
from collections.abc import Iterator

import httpcore
import httpx

_local = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Within the block, this thread's network waits end ``seconds`` from now at the latest.

    Yields the deadline (``time.monotonic()`` time). Nested blocks keep the earlier deadline.
    """
    end = time.monotonic() + seconds
    previous: float | None = getattr(_local, "end", None)
    _local.end = end if previous is None else min(previous, end)
    try:
        yield _local.end
    finally:
        _local.end = previous


_Timeout = type[httpcore.TimeoutException]


def _bounded(timeout: float | None, error: _Timeout) -> float | None:
    """``timeout`` shortened to what is left before this thread's deadline."""
    end: float | None = getattr(_local, "end", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the deadline of the request passed")
    return left if timeout is None else min(timeout, left)


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
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
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
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        self._switch.track(stream.get_extra_info("socket"))
        return _Stream(stream, self._switch)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def verifying_context() -> ssl.SSLContext:
    """The TLS settings of every sender: certificates verified. Loading the CA bundle is
    slow, so the senders of one engine share one context (it is safe to share)."""
    return httpx.create_ssl_context(verify=True)


def abortable_transport(
    switch: AbortSwitch | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.HTTPTransport:
    """A TLS-verifying HTTP/1.1 transport that keeps :func:`deadline` and whose sockets
    ``switch`` can cut (a switch of its own when none is given)."""
    switch = switch or AbortSwitch()
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
