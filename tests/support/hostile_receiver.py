"""A receiver on 127.0.0.1 that misbehaves on purpose, on raw sockets, for the chaos tests.

Each request gets one behaviour (``choose`` decides from the request): an answer at once
(200, 500, 429/503 with a valid, past, overflowing or garbage ``Retry-After``, a redirect), or
something a well-behaved server never does: hang, reset the connection, drip the headers or
the body a byte at a time, stream a 1 GiB body, send a gzip bomb. Every request is kept as an
:class:`Exchange`, with when it arrived and when the client was seen to give up, measured here
and not by the program under test.

Nothing large is held in memory: the 1 GiB body is one 64 KiB buffer sent again and again, and
the gzip bombs (1 MiB that inflates to 1 GiB, and that again gzipped) are made once per process.
"""

from __future__ import annotations

import functools
import random
import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

QUICK = (
    "ok",
    "error_500",
    "retry_after_valid",
    "retry_after_past",
    "retry_after_overflow",
    "retry_after_garbage",
    "ok_with_overflowing_retry_after",
    "redirect",
)
SLOW = ("hang", "drip_headers", "drip_body", "huge_body")
BROKEN = ("reset", "gzip_bomb", "nested_gzip_bomb")
BEHAVIOURS = QUICK + SLOW + BROKEN

HUGE_BODY = 1 << 30  # 1 GiB, announced and streamed
_BUFFER = b"x" * 65536
OVERFLOWING_DATE = "Mon, 01 Jan 99999999999999999999 00:00:00 GMT"
PAST_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MiB of gzip that inflates to 1 GiB of zeros."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9, zlib.Z_RLE)
    zeros = bytes(1 << 20)
    parts = [squeeze.compress(zeros) for _ in range(1024)]
    parts.append(squeeze.flush())
    return b"".join(parts)


@functools.cache
def nested_gzip_bomb() -> bytes:
    """A few KiB, sent as ``Content-Encoding: gzip, gzip``: 1 GiB once both are undone."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return squeeze.compress(gzip_bomb()) + squeeze.flush()


@dataclass
class Exchange:
    """One request and what became of it (times from ``time.monotonic()``)."""

    behaviour: str
    path: str
    delivery_uid: str | None
    attempt: int | None
    arrived: float  # the first byte of the request
    ended: float | None = None  # answered in full, or the client was seen to give up
    client_gave_up: bool = False  # the client closed or reset before the answer was complete
    body_bytes_sent: int = 0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def cycle_then_random(seed: int = 1) -> Callable[[Request], str]:
    """Every behaviour once, in order, then at random (seeded): each is seen, and the mix
    is still one no code path can count on."""
    rng = random.Random(seed)
    lock = threading.Lock()
    count = 0

    def choose(_request: Request) -> str:
        nonlocal count
        with lock:
            count += 1
            if count <= len(BEHAVIOURS):
                return BEHAVIOURS[count - 1]
            return rng.choice(BEHAVIOURS)

    return choose


class HostileReceiver:
    """``with HostileReceiver(choose) as r:``; ``r.url(path)`` is where to send."""

    def __init__(
        self,
        choose: Callable[[Request], str] | None = None,
        *,
        drip_every: float = 0.5,
        patience: float = 60.0,
        redirect_to: str = "http://127.0.0.1:9/elsewhere",
    ) -> None:
        self.choose = choose or cycle_then_random()
        self.drip_every = drip_every
        self.patience = patience  # a hang or a drip ends after this, if the client does not
        self.redirect_to = redirect_to
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(512)
        self._listener.settimeout(0.2)
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def snapshot(self) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges)

    def open_exchanges(self) -> list[Exchange]:
        return [e for e in self.snapshot() if e.ended is None]

    def __enter__(self) -> HostileReceiver:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._acceptor.join(5)
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    # Serving ------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.2)
            pending = b""
            while not self._stopping.is_set():
                got = self._read_request(conn, pending)
                if got is None:
                    return
                request, arrived, pending = got
                behaviour = self.choose(request)
                attempt = request.headers.get("x-sigfollow-attempt", "")
                exchange = Exchange(
                    behaviour=behaviour,
                    path=request.path,
                    delivery_uid=request.headers.get("x-sigfollow-delivery-id"),
                    attempt=int(attempt) if attempt.isdigit() else None,
                    arrived=arrived,
                )
                with self._lock:
                    self.exchanges.append(exchange)
                try:
                    keep_open = self._answer(conn, behaviour, exchange)
                except OSError:  # the client went away mid-answer
                    keep_open = False
                    exchange.client_gave_up = True
                if exchange.ended is None:
                    exchange.ended = time.monotonic()
                if not keep_open:
                    return

    def _read_request(
        self, conn: socket.socket, pending: bytes
    ) -> tuple[Request, float, bytes] | None:
        data = pending
        arrived = time.monotonic() if data else None
        while b"\r\n\r\n" not in data:
            chunk = self._recv(conn)
            if chunk is None:
                return None
            if arrived is None:
                arrived = time.monotonic()
            data += chunk
            if len(data) > 65536:
                return None
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = self._recv(conn)
            if chunk is None:
                return None
            rest += chunk
        assert arrived is not None
        return Request(method, path, headers, rest[:length]), arrived, rest[length:]

    def _recv(self, conn: socket.socket) -> bytes | None:
        """Some bytes, or None once the client closed (or the receiver stops)."""
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return None
            return chunk or None
        return None

    def _gone(self, conn: socket.socket, wait: float) -> bool:
        """Wait up to ``wait`` seconds; True as soon as the client closed or reset."""
        readable, _, _ = select.select([conn], [], [], wait)
        if not readable:
            return False
        try:
            return conn.recv(65536, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _answer(self, conn: socket.socket, behaviour: str, exchange: Exchange) -> bool:
        """Act out ``behaviour``; True when the connection may serve another request."""
        quick = _QUICK_ANSWERS.get(behaviour)
        if quick is not None:
            status, headers = quick(self)
            body = f"{behaviour}\n".encode()
            self._send_head(conn, status, {**headers, "Content-Length": str(len(body))})
            conn.sendall(body)
            return True
        if behaviour == "hang":
            while not self._stopping.is_set() and self._patient(exchange):
                if self._gone(conn, 0.2):
                    exchange.ended, exchange.client_gave_up = time.monotonic(), True
                    break
            return False
        if behaviour == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if behaviour == "drip_headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            self._drip(conn, exchange)
            return False
        if behaviour == "drip_body":
            self._send_head(conn, 200, {"Content-Length": "1000000"})
            self._drip(conn, exchange)
            return False
        if behaviour == "huge_body":
            self._send_head(conn, 200, {"Content-Length": str(HUGE_BODY)})
            self._stream(conn, exchange, HUGE_BODY)
            return False
        bomb, coding = (
            (gzip_bomb(), "gzip")
            if behaviour == "gzip_bomb"
            else (nested_gzip_bomb(), "gzip, gzip")
        )
        self._send_head(
            conn,
            200,
            {"Content-Encoding": coding, "Content-Length": str(len(bomb))},
        )
        conn.sendall(bomb)
        exchange.body_bytes_sent = len(bomb)
        return True

    def _patient(self, exchange: Exchange) -> bool:
        return time.monotonic() - exchange.arrived < self.patience

    def _drip(self, conn: socket.socket, exchange: Exchange) -> None:
        while not self._stopping.is_set() and self._patient(exchange):
            if self._gone(conn, self.drip_every):
                exchange.ended, exchange.client_gave_up = time.monotonic(), True
                return
            conn.sendall(b"a")
            exchange.body_bytes_sent += 1

    def _stream(self, conn: socket.socket, exchange: Exchange, size: int) -> None:
        conn.settimeout(0.5)
        while exchange.body_bytes_sent < size and not self._stopping.is_set():
            try:
                conn.sendall(_BUFFER)
            except TimeoutError:  # the client stopped reading; has it gone?
                if self._gone(conn, 0):
                    exchange.ended, exchange.client_gave_up = time.monotonic(), True
                    return
                continue
            except OSError:
                exchange.ended, exchange.client_gave_up = time.monotonic(), True
                return
            exchange.body_bytes_sent += len(_BUFFER)

    @staticmethod
    def _send_head(conn: socket.socket, status: int, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} Hostile"] + [f"{k}: {v}" for k, v in headers.items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


_QUICK_ANSWERS: dict[str, Callable[[HostileReceiver], tuple[int, dict[str, str]]]] = {
    "ok": lambda r: (200, {}),
    "error_500": lambda r: (500, {}),
    "retry_after_valid": lambda r: (429, {"Retry-After": "1"}),
    "retry_after_past": lambda r: (503, {"Retry-After": PAST_DATE}),
    "retry_after_overflow": lambda r: (429, {"Retry-After": OVERFLOWING_DATE}),
    "retry_after_garbage": lambda r: (429, {"Retry-After": "soon, maybe"}),
    "ok_with_overflowing_retry_after": lambda r: (200, {"Retry-After": OVERFLOWING_DATE}),
    "redirect": lambda r: (307, {"Location": r.redirect_to}),
}
