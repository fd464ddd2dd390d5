"""A real HTTP receiver on 127.0.0.1 for tests: records every request, answers as scripted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase


class _Server(ThreadingHTTPServer):
    # Many senders connect at once; the default backlog of 5 drops their connections.
    request_queue_size = 256


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    # The header lines exactly as they came off the connection, the empty line included.
    raw_headers: bytes = b""


class _LineTape:
    """Reads lines through to ``inner`` and keeps a copy of each (the request's header block:
    http.server parses the headers from the lines it reads, and keeps no copy of them)."""

    def __init__(self, inner: BufferedIOBase) -> None:
        self.inner = inner
        self.lines: list[bytes] = []

    def readline(self, limit: int = -1) -> bytes:
        line = self.inner.readline(limit)
        self.lines.append(line)
        return line


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


class Receiver:
    """Start with ``with Receiver() as r:``; ``r.url`` is where to send.

    ``replies`` is consumed in order; when empty, ``default`` answers. ``script`` may instead
    decide per request.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.script: Callable[[Received], Reply] | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            raw_headers = b""

            def parse_request(self) -> bool:
                real = self.rfile
                tape = _LineTape(real)
                self.rfile = tape  # type: ignore[assignment]
                try:
                    return super().parse_request()
                finally:
                    self.rfile = real
                    self.raw_headers = b"".join(tape.lines)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-body (a killed engine): as for a real server,
                    # nothing was received.
                    self.close_connection = True
                    return
                got = Received(
                    self.path, dict(self.headers.items()), body, time.time(), self.raw_headers
                )
                with receiver._lock:
                    receiver.requests.append(got)
                    if receiver.script is not None:
                        reply = receiver.script(got)
                    elif receiver.replies:
                        reply = receiver.replies.pop(0)
                    else:
                        reply = receiver.default
                if reply.delay:
                    receiver._released.wait(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def hold(self) -> None:
        """Make delayed replies wait their full delay (the default)."""
        self._released.clear()

    def release(self) -> None:
        """Let every delayed reply go now."""
        self._released.set()

    def __enter__(self) -> Receiver:
        self.hold()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
