"""Send test: one sample event to one webhook, right away and outside the queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from sigfollow_desktop.core.signing import SIGNATURE_HEADER
from sigfollow_desktop.engine.send import (
    DEFAULT_TIMEOUT,
    SendResult,
    make_client,
    post,
    signed_headers,
)
from sigfollow_desktop.resources import sample_body


@dataclass(frozen=True, slots=True)
class SendTestResult:
    """What the result card shows."""

    field: str
    status_code: int | None
    duration_ms: float
    error: str | None
    signature: str
    body: bytes

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def headline(self) -> str:
        """``HTTP 200 · 123ms``, ``HTTP 500 · 87ms`` or ``Network error``."""
        if self.status_code is None:
            return "Network error"
        return f"HTTP {self.status_code} · {round(self.duration_ms)}ms"


def send_test(
    url: str,
    secret: str,
    field: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> SendTestResult:
    """Sign the ``field`` sample with ``secret`` and POST it to ``url`` now."""
    body = sample_body(field)
    headers = signed_headers(
        secret,
        body,
        event_id=f"test_{uuid.uuid4().hex}",
        delivery_id=f"test_{uuid.uuid4().hex}",
        field=field,
    )
    headers["X-SigFollow-Test"] = "1"
    extra = {"transport": transport} if transport is not None else {}
    with make_client(timeout, **extra) as client:
        result: SendResult = post(client, url, body, headers)
    return SendTestResult(
        field=field,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        error=result.error,
        signature=headers[SIGNATURE_HEADER],
        body=body,
    )
