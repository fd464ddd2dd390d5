"""A load client for the intake benchmark: many keep-alive connections on one asyncio loop.

Requests are serialised ahead of time and responses parsed with httptools' C parser (the same
parser the intake's server uses), so a client process keeps well ahead of a Python server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httptools


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))
        if not self.lost.done():
            self.lost.set_result(None)

    async def send(self, raw: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def raw_post(port: int, body: bytes, headers: dict[str, str]) -> bytes:
    lines = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connect(port: int) -> _Connection:
    loop = asyncio.get_running_loop()
    _transport, protocol = await loop.create_connection(_Connection, "127.0.0.1", port)
    return protocol


async def _closed_loop(port: int, requests: Sequence[bytes], connections: int) -> float:
    pool = [await _connect(port) for _ in range(connections)]
    next_index = 0
    failures: list[int] = []

    async def worker(connection: _Connection) -> None:
        nonlocal next_index
        while next_index < len(requests):
            raw = requests[next_index]
            next_index += 1
            status = await connection.send(raw)
            if status != 200:
                failures.append(status)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - started
    for connection in pool:
        assert connection.transport is not None
        connection.transport.close()
    if failures:
        raise RuntimeError(f"{len(failures)} requests were not answered 200: {failures[:5]}")
    return len(requests) / elapsed


def throughput(port: int, requests: Sequence[bytes], connections: int = 64) -> float:
    """Requests/s answered 200, every connection sending its next request on each answer."""
    return asyncio.run(_closed_loop(port, requests, connections))


async def _open_loop(
    port: int, requests: Sequence[bytes], rate: float, connections: int
) -> list[float]:
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await _connect(port))
    latencies: list[float] = []
    failures: list[int] = []

    async def one(raw: bytes, due: float) -> None:
        connection = await idle.get()
        status = await connection.send(raw)
        # From when the request was due, so a queue in the client counts as latency too.
        latencies.append(time.perf_counter() - due)
        if status != 200:
            failures.append(status)
        idle.put_nowait(connection)

    tasks = []
    start = time.perf_counter() + 0.05
    for index, raw in enumerate(requests):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, due)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        connection = idle.get_nowait()
        assert connection.transport is not None
        connection.transport.close()
    if failures:
        raise RuntimeError(f"{len(failures)} requests were not answered 200: {failures[:5]}")
    return latencies


def paced_latencies(
    port: int, requests: Sequence[bytes], rate: float, connections: int = 64
) -> list[float]:
    """Seconds from each request's due time (``rate`` per second, open loop) to its answer."""
    return asyncio.run(_open_loop(port, requests, rate, connections))
