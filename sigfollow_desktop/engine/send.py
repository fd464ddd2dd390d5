"""One signed POST to a webhook, measured, with failures described for a person."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass

import httpx

from sigfollow_desktop import __version__
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign

USER_AGENT = f"SigFollow-Desktop/{__version__} (webhooks)"
EVENT_ID_HEADER = "X-SigFollow-Event-Id"
DELIVERY_ID_HEADER = "X-SigFollow-Delivery-Id"
FIELD_HEADER = "X-SigFollow-Event-Field"
ATTEMPT_HEADER = "X-SigFollow-Attempt"
DEFAULT_TIMEOUT = 10.0
EXCERPT_BYTES = 1024
_DRAIN_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one request: a status, or the reason no response came."""

    status_code: int | None
    duration_ms: float
    error: str | None = None
    response_excerpt: str | None = None
    retry_after: float | None = None
    location: str | None = None  # where a 3xx pointed (never followed)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(
    secret: str,
    body: bytes,
    *,
    event_id: str,
    delivery_id: str,
    field: str,
    attempt: int = 1,
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        EVENT_ID_HEADER: event_id,
        DELIVERY_ID_HEADER: delivery_id,
        FIELD_HEADER: field,
        ATTEMPT_HEADER: str(attempt),
    }


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _SenderClient(httpx.Client):
    """Keeps no cookies: nothing a receiver sets carries over to the next delivery (and
    skipping the cookie jar saves a good part of each request's work)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("webhook senders keep no cookies")


def make_client(timeout: float = DEFAULT_TIMEOUT, **kwargs: object) -> httpx.Client:
    """A client as every sender uses it: explicit timeouts, no redirects, TLS verified,
    no cookies kept."""
    return _SenderClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        verify=True,
        **kwargs,  # type: ignore[arg-type]
    )


def describe_error(exc: httpx.HTTPError) -> str:
    """A one-line reason: refused, timed out, TLS, DNS, or what the transport said."""
    text = str(exc) or type(exc).__name__
    cause = exc.__context__
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return f"Timed out ({type(exc).__name__.removesuffix('Timeout').lower() or 'request'})"
    lowered = text.lower()
    if isinstance(cause, ssl.SSLError) or "certificate" in lowered or "ssl" in lowered:
        return f"TLS error: {text}"
    if "refused" in lowered:
        return "Connection refused"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("getaddrinfo" in lowered)
        or "temporary failure in name resolution" in lowered
    ):
        return "DNS lookup failed: host not found"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"Connection closed by the server: {text}"
    return f"{type(exc).__name__}: {text}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """Send once; never raises for network trouble."""
    started = time.perf_counter()
    try:
        with client.stream("POST", url, content=body, headers=headers) as response:
            kept = bytearray()
            drained = 0
            for chunk in response.iter_bytes():
                if len(kept) < EXCERPT_BYTES:
                    kept += chunk[: EXCERPT_BYTES - len(kept)]
                drained += len(chunk)
                if drained > _DRAIN_LIMIT:
                    break
            duration = (time.perf_counter() - started) * 1000
            return SendResult(
                status_code=response.status_code,
                duration_ms=duration,
                response_excerpt=kept.decode("utf-8", "replace") or None,
                retry_after=_retry_after(response),
                location=response.headers.get("location"),
            )
    except httpx.HTTPError as exc:
        duration = (time.perf_counter() - started) * 1000
        return SendResult(status_code=None, duration_ms=duration, error=describe_error(exc))
