"""The running intake: a socket, uvicorn serving :class:`IntakeApp` on its own thread, and
the group-commit writer.

Qt-free, so the window and ``sigfollow-desktop intake`` run the same thing. The socket is bound
here rather than by uvicorn, so a port in use is a clear error (uvicorn would exit the process)
and port 0 picks a free one. uvicorn never installs signal handlers on a thread other than the
main one; whoever runs the intake decides what Ctrl-C does and calls :meth:`stop`.

Threads: ``sigfollow-intake-server`` (the asyncio loop) and ``sigfollow-intake-writer``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.intake_credentials import IntakeCredentials
from sigfollow_desktop.core.switch_interval import shorten_switch_interval
from sigfollow_desktop.intake.app import MAX_BODY, IntakeApp, IntakeStats
from sigfollow_desktop.intake.writer import GroupCommitWriter
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8088
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class IntakeError(SigFollowError):
    """The intake cannot listen (address in use, not an address of this machine…)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``, or a clear :class:`IntakeError`."""
    if not 0 <= port <= 65535:
        raise IntakeError(f"--port must be between 0 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise IntakeError(f"Cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == 98 else exc.strerror or str(exc)
        raise IntakeError(f"Cannot listen on {host}:{port}: {reason}") from None
    sock.setblocking(False)
    return sock


def server_config(app: Any) -> uvicorn.Config:
    """uvicorn as the intake runs it: no access log (a handshake's query carries the verify
    token), no lifespan, no signal handling, the program's own logging."""
    return uvicorn.Config(
        app,
        loop="asyncio",
        http="auto",  # httptools' C parser when installed (it is a dependency), else h11
        ws="none",
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level=logging.WARNING,
        server_header=False,
        proxy_headers=False,  # nothing here uses the client address; trust no forwarded header
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
        limit_concurrency=4096,
    )


class ServedApp:
    """Any ASGI app on a socket, served by uvicorn on a thread of its own (start/stop)."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        self._server = uvicorn.Server(server_config(app))
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def parser(self) -> str:
        """Which HTTP parser uvicorn chose: ``httptools`` or ``h11``."""
        protocol = getattr(self._server.config, "http_protocol_class", None)
        name = getattr(protocol, "__module__", "")
        return "httptools" if "httptools" in name else "h11" if "h11" in name else "unknown"

    def start(self, timeout: float = START_TIMEOUT) -> None:
        self._thread = threading.Thread(
            target=self._run, name="sigfollow-intake-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                break
            pause.wait(0.005)  # uvicorn says "started" only through this flag
        if not self._server.started:
            self.stop()
            raise IntakeError(f"The intake server did not start: {self._failure or 'timed out'}")

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self.sock]))
        except BaseException as exc:  # SystemExit from uvicorn's start-up included
            self._failure = exc
            log.exception("the intake server stopped on an error")

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        self._server.should_exit = True
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                self._server.force_exit = True
                thread.join(2.0)
                return False
        self.sock.close()
        return True


class IntakeServer:
    """The intake on ``host``:``port``: verifies, stores (group commit), answers.

    ``on_committed`` runs on the writer thread after each commit that stored new events: the
    place to wake the delivery engine.
    """

    def __init__(
        self,
        store: Store,
        credentials: IntakeCredentials,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        max_body: int = MAX_BODY,
        on_committed: Callable[[Intake], None] | None = None,
        durable: bool = True,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.writer = GroupCommitWriter(store, on_committed=on_committed, durable=durable)
        self.app = IntakeApp(credentials, self.writer, max_body=max_body)
        self._served: ServedApp | None = None

    @property
    def running(self) -> bool:
        return self._served is not None

    @property
    def port(self) -> int:
        return self._served.port if self._served is not None else self.requested_port

    @property
    def parser(self) -> str:
        return self._served.parser if self._served is not None else "not started"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Listen and serve; raises :class:`IntakeError` when it cannot."""
        if self._served is not None:
            return
        sock = bind(self.host, self.requested_port)
        # The writer takes the interpreter lock back after each SQLite call of a commit; with
        # the HTTP thread busy it would wait up to 5 ms each time, and the batch with it.
        shorten_switch_interval()
        self.writer.start()
        served = ServedApp(self.app, sock)
        try:
            served.start()
        except BaseException:
            self.writer.stop()
            raise
        self._served = served
        log.info("intake listening on %s", self.url)

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop accepting, let requests in progress finish (and be stored), end the writer."""
        served, self._served = self._served, None
        if served is None:
            return True
        ended = served.stop(timeout)
        ended = self.writer.stop(timeout) and ended
        log.info("intake stopped")
        return ended

    def stats(self) -> IntakeStats:
        return self.app.stats.snapshot(self.writer)
