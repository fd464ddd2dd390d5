"""``receive``: a local webhook receiver for trying SigFollow Desktop.

It checks every request's ``X-Hub-Signature-256`` with the secret from an environment
variable, prints each event on one line, and can answer with a chosen status or after a delay
to rehearse failures and retries.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO

from sigfollow_desktop.cli.context import Context, UsageError
from sigfollow_desktop.cli.options import seconds, whole_number
from sigfollow_desktop.cli.verify import SECRET_ENV, read_secret
from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send import ATTEMPT_HEADER, DELIVERY_ID_HEADER, EVENT_ID_HEADER

MAX_BODY = 10 * 1024 * 1024


def _summary(body: bytes) -> str:
    try:
        parsed = parse_body(body)
    except PayloadError:
        return "(not a Meta WhatsApp webhook body)"
    return f"{parsed.field}: {parsed.summary}"


def make_server(
    host: str, port: int, secret: str, status: int, delay: float, out: TextIO
) -> ThreadingHTTPServer:
    printing = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, b"body too large")
                return
            body = self.rfile.read(length)
            header = self.headers.get(SIGNATURE_HEADER, "")
            valid = bool(header) and verify(secret, body, header)
            answer = status if valid else 401
            line = (
                f"{datetime.now().strftime('%H:%M:%S')}  {answer}  "
                f"{'signature ok' if valid else 'SIGNATURE MISMATCH'}  "
                f"event {self.headers.get(EVENT_ID_HEADER, '-')}  "
                f"delivery {self.headers.get(DELIVERY_ID_HEADER, '-')}  "
                f"attempt {self.headers.get(ATTEMPT_HEADER, '-')}  {_summary(body)}"
            )
            with printing:
                print(line, file=out, flush=True)
            if valid and delay:
                time.sleep(delay)
            self._answer(answer, b"ok" if valid else b"signature mismatch")

        def _answer(self, code: int, text: bytes) -> None:
            try:
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def cmd_receive(ctx: Context, args: argparse.Namespace) -> int:
    if not 100 <= args.status <= 599:
        raise UsageError("--status must be an HTTP status code (100-599)")
    if args.delay < 0:
        raise UsageError("--delay must be 0 or more seconds")
    secret = read_secret(args.secret_env)
    try:
        server = make_server(args.host, args.port, secret, args.status, args.delay, ctx.out)
    except OSError as exc:
        raise UsageError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    port = server.server_address[1]
    ctx.print(
        f"Listening on http://{args.host}:{port}/ (any path); answering {args.status}"
        f"{f' after {args.delay:g} s' if args.delay else ''}. Ctrl-C stops."
    )
    ctx.out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    ctx.print("Stopped.")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "receive",
        help="run a local receiver that checks signatures and prints each event",
        description=f"A local webhook receiver. The secret comes from ${SECRET_ENV} (or "
        "--secret-env NAME); a request with a wrong signature is answered 401.",
    )
    parser.add_argument(
        "--port", type=whole_number(0, 65_535), default=8080, help="port (default 8080; 0: any)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--secret-env", default=SECRET_ENV, metavar="NAME")
    parser.add_argument(
        "--status",
        type=whole_number(100, 599),
        default=200,
        help="answer valid requests with this status",
    )
    parser.add_argument(
        "--delay", type=seconds(0, 3600), default=0.0, help="seconds to wait before answering"
    )
    parser.set_defaults(handler=cmd_receive, needs_store=False)
