"""A fast loopback receiver that writes down every ``X-SigFollow-Delivery-Id`` it is sent.

``python -m tests.support.id_receiver PORT FILE``: answers every POST ``200`` at once (asyncio,
keep-alive, in a process of its own), appends each request's delivery id to FILE, one a line,
and prints ``ready`` once it listens. SIGTERM writes what is left and ends it. A receiver that
counts what arrives, to prove nothing was lost and to count what came twice.
"""

from __future__ import annotations

import asyncio
import signal
import sys

_HEADER = b"x-sigfollow-delivery-id:"


async def main(port: int, path: str) -> None:
    out = open(path, "ab", buffering=1 << 16)  # noqa: SIM115 (closed below, at SIGTERM)
    stop = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    lower = line[:24].lower()
                    if lower.startswith(b"content-length:"):
                        length = int(line[15:])
                    elif lower == _HEADER:
                        out.write(line[24:].strip() + b"\n")
                if length:
                    await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def flush() -> None:
        while not stop.is_set():
            out.flush()
            await asyncio.sleep(0.1)

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    print("ready", flush=True)
    flusher = asyncio.create_task(flush())
    async with server:
        await stop.wait()
    await flusher
    out.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
