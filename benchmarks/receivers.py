"""Loopback receivers for the benchmarks: nginx when installed (C speed), else asyncio.

Both answer ``/fast`` at once and ``/slow`` after 50 ms, on 127.0.0.1, in their own process, so
the receiver never competes with the sender for Python's interpreter lock.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

SLOW_DELAY = 0.05
_ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")

_NGINX_CONF = """\
daemon off;
worker_processes 1;
error_log stderr crit;
pid {root}/nginx.pid;
{load_echo}
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location /fast {{ return 200 "ok"; }}
        location /slow {{ echo_sleep {delay}; echo "ok"; }}
    }}
}}
"""

# A small HTTP/1.1 server on asyncio: enough for keep-alive POSTs with a Content-Length.
_ASYNCIO_SERVER = r"""
import asyncio, sys

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if b" /slow" in head[:16]:
                await asyncio.sleep(%(delay)s)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmark receiver exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the benchmark receiver did not start listening")


class LoopbackReceiver:
    """``with LoopbackReceiver() as r:`` then POST to ``r.fast_url`` or ``r.slow_url``."""

    def __init__(self, prefer_nginx: bool = True) -> None:
        nginx = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )
        self.kind = "nginx" if prefer_nginx and nginx and _ECHO_MODULE.exists() else "asyncio"
        self._nginx = nginx
        self.port = free_port()
        self._root = Path(tempfile.mkdtemp(prefix="sigfollow-bench-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def fast_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fast"

    @property
    def slow_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slow"

    def __enter__(self) -> LoopbackReceiver:
        if self.kind == "nginx":
            assert self._nginx is not None
            (self._root / "body").mkdir()
            conf = self._root / "nginx.conf"
            conf.write_text(
                _NGINX_CONF.format(
                    root=self._root,
                    port=self.port,
                    delay=SLOW_DELAY,
                    load_echo=f"load_module {_ECHO_MODULE};",
                )
            )
            command = [self._nginx, "-c", str(conf), "-p", str(self._root), "-e", "stderr"]
        else:
            script = self._root / "server.py"
            script.write_text(_ASYNCIO_SERVER % {"delay": SLOW_DELAY})
            command = [sys.executable, str(script), str(self.port)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_listening(self.port, self._process)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        shutil.rmtree(self._root, ignore_errors=True)
