"""The intake's HTTP contract, as a plain ASGI application (served by uvicorn).

Meta's Cloud API webhook contract:

- ``GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C``: answer ``C`` when ``T`` is
  the verify token, 403 otherwise (Meta's check of a new callback URL).
- ``POST`` with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body, keyed with the App
  Secret>``: a wrong or missing signature is 401 and nothing is stored; a body that is not a
  Meta WhatsApp webhook is 400 with the reason; a body over the size cap is 413; otherwise the
  raw bytes are stored, committed, and only then answered 200. An event already stored is
  answered 200 too (Meta retries what it thinks was lost) and stored once.

The decisions are plain functions (:func:`handshake`, :func:`judge_post`), tested without a
socket; :class:`IntakeApp` only moves bytes between uvicorn and them.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.intake_credentials import IntakeCredentials
from sigfollow_desktop.core.meta import ParsedEvent, parse_body
from sigfollow_desktop.core.signing import verify
from sigfollow_desktop.intake.writer import GroupCommitWriter, WriteFailed

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 3 * 1024 * 1024  # Meta's largest webhook payload is 3 MB
RETRY_AFTER = "5"
ACCEPTED = b"EVENT_RECEIVED"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    text: str
    # Why, for the intake's "last error" (no secret, no token, no body).
    problem: str | None = None

    @property
    def refused(self) -> bool:
        return self.status >= 400


def handshake(query_string: bytes, verify_token: str) -> Answer:
    """Meta's verification request: the challenge when the token matches, else 403."""
    query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
    mode = query.get("hub.mode", [""])[0]
    token = query.get("hub.verify_token", [""])[0]
    challenge = query.get("hub.challenge", [""])[0]
    if mode != "subscribe" or not challenge:
        return Answer(403, "not a subscription check", "GET without hub.mode=subscribe")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return Answer(403, "verify token does not match", "handshake with a wrong verify token")
    return Answer(200, challenge)


def judge_post(
    body: bytes, signature: str | None, app_secret: str
) -> tuple[Answer | None, ParsedEvent | None]:
    """The refusal for a POST body, or None and the parsed event to store."""
    if not signature:
        return Answer(401, "missing X-Hub-Signature-256", "POST without a signature"), None
    if not verify(app_secret, body, signature):
        problem = "POST whose X-Hub-Signature-256 does not match the App Secret"
        return Answer(401, "X-Hub-Signature-256 does not match", problem), None
    try:
        parsed = parse_body(body)
    except PayloadError as exc:
        return Answer(400, f"not a Meta WhatsApp webhook body: {exc}", f"body refused: {exc}"), None
    return None, parsed


@dataclass
class IntakeStats:
    """What the intake has done since it started (a snapshot; ``last_error`` has no secret)."""

    accepted: int = 0  # answered 200 to a POST: stored now, or already stored before
    stored: int = 0
    duplicates: int = 0
    refused: int = 0  # 400, 401, 403, 413
    unavailable: int = 0  # 503: the store could not be written; the sender retries
    last_error: str | None = None
    last_error_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, answer: Answer) -> None:
        if answer.status == 499:  # nobody to answer, nothing to report
            return
        with self._lock:
            if answer.status == 503:
                self.unavailable += 1
            elif answer.refused:
                self.refused += 1
            if answer.problem is not None:
                self.last_error = f"{answer.status}: {answer.problem}"
                self.last_error_at = time.time()

    def snapshot(self, writer: GroupCommitWriter | None = None) -> IntakeStats:
        with self._lock:
            copy = IntakeStats(
                self.accepted,
                self.stored,
                self.duplicates,
                self.refused,
                self.unavailable,
                self.last_error,
                self.last_error_at,
            )
        if writer is not None:
            copy.stored, copy.duplicates = writer.stored, writer.duplicates
        return copy


class IntakeApp:
    """The ASGI application: one instance per running intake."""

    def __init__(
        self,
        credentials: IntakeCredentials,
        writer: GroupCommitWriter,
        *,
        max_body: int = MAX_BODY,
        stats: IntakeStats | None = None,
    ) -> None:
        self._credentials = credentials
        self.writer = writer
        self.max_body = max_body
        self.stats = stats or IntakeStats()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method in ("GET", "HEAD"):
            answer = handshake(scope.get("query_string", b""), self._credentials.verify_token)
        elif method == "POST":
            answer = await self._post(scope, receive)
        else:
            answer = Answer(405, "use GET (verification) or POST (events)")
        self.stats.note(answer)
        await _respond(send, answer, head=method == "HEAD")

    async def _post(self, scope: Scope, receive: Receive) -> Answer:
        too_large = Answer(
            413,
            f"body over {self.max_body} bytes",
            f"POST body over the {self.max_body:,}-byte cap",
        )
        signature: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                return too_large
            if name == b"x-hub-signature-256":
                signature = value.decode("latin-1")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return Answer(499, "client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refusal, parsed = judge_post(body, signature, self._credentials.app_secret)
        if refusal is not None:
            return refusal
        assert parsed is not None
        try:
            await self.writer.write(body, parsed)
        except WriteFailed as exc:
            return Answer(503, f"not stored, try again: {exc}", f"not stored: {exc}")
        with self.stats._lock:
            self.stats.accepted += 1
        return STORED


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]


STORED = Answer(200, ACCEPTED.decode())
# The answer to nearly every request, made once.
_STORED_START = {"type": "http.response.start", "status": 200, "headers": _headers(ACCEPTED)}
_STORED_BODY = {"type": "http.response.body", "body": ACCEPTED}


async def _respond(send: Send, answer: Answer, *, head: bool = False) -> None:
    if answer is STORED and not head:
        await send(_STORED_START)
        await send(_STORED_BODY)
        return
    body = answer.text.encode("utf-8") + (b"" if answer.status == 200 else b"\n")
    headers = _headers(body)
    if answer.status == 503:
        headers.append((b"retry-after", RETRY_AFTER.encode()))
    if answer.status == 405:
        headers.append((b"allow", b"GET, HEAD, POST"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
