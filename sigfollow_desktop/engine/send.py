"""One signed POST to a webhook, measured, with failures described for a person.

The receiver is not trusted: the whole exchange ends by one deadline (``transport.deadline``),
at most ``_READ_LIMIT`` bytes of the answer are read, and they are read as sent. No
compression is asked for, and what a receiver compresses anyway is inflated only as far as
the excerpt needs, so a small answer that inflates to gigabytes costs nothing.

The result carries the request's header lines exactly as they were written on the
connection (httpx's own ones included: Host, Accept, Content-Length…), so that an attempt can
be shown and replayed as sent, and the answer's up to ``ANSWER_HEADERS_KEPT`` bytes: made
here, on the sender's thread, as bytes (``core.http_headers``), so recording a batch only
joins them.
"""

from __future__ import annotations

import ssl
import time
import zlib
from dataclasses import dataclass

import httpx

from sigfollow_desktop import __version__
from sigfollow_desktop.core.http_headers import capped_block, header_block
from sigfollow_desktop.core.retry import parse_retry_after
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign
from sigfollow_desktop.engine.transport import abortable_transport, deadline

USER_AGENT = f"SigFollow-Desktop/{__version__} (webhooks)"
EVENT_ID_HEADER = "X-SigFollow-Event-Id"
DELIVERY_ID_HEADER = "X-SigFollow-Delivery-Id"
FIELD_HEADER = "X-SigFollow-Event-Field"
ATTEMPT_HEADER = "X-SigFollow-Attempt"
DEFAULT_TIMEOUT = 10.0
EXCERPT_BYTES = 1024
# Read this much of an answer at most (a short answer read to its end lets the connection be
# used again); keep the first _RAW_KEPT bytes of it to make the excerpt from.
_READ_LIMIT = 256 * 1024
_RAW_KEPT = 64 * 1024
_INFLATED_LIMIT = 64 * 1024  # per content coding, when inflating for the excerpt
_MAX_CODINGS = 3


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to one request: a status, or the reason no response came."""

    status_code: int | None
    duration_ms: float
    error: str | None = None
    response_excerpt: str | None = None
    retry_after: float | None = None
    location: str | None = None  # where a 3xx pointed (never followed)
    # The request's header lines as written (None: the request could not even be made), and
    # the answer's as received, the first ANSWER_HEADERS_KEPT bytes of them, with the number
    # of lines left out (see core.http_headers).
    request_headers: bytes | None = None
    response_headers: bytes | None = None
    response_headers_cut: int = 0

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


def make_client(
    timeout: float = DEFAULT_TIMEOUT,
    *,
    transport: httpx.BaseTransport | None = None,
    **kwargs: object,
) -> httpx.Client:
    """A client as every sender uses it: one deadline per request (``timeout``), no
    redirects, TLS verified, no cookies kept, no compression asked for."""
    return _SenderClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        verify=True,
        headers={"Accept-Encoding": "identity"},
        transport=transport or abortable_transport(),
        **kwargs,  # type: ignore[arg-type]
    )


def describe_error(exc: httpx.HTTPError, *, deadline_passed: float | None = None) -> str:
    """A one-line reason: refused, timed out, TLS, DNS, or what the transport said.

    ``deadline_passed``: the request's deadline (seconds) when it had run out.
    """
    text = str(exc) or type(exc).__name__
    cause = exc.__context__
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        if deadline_passed is not None:
            return f"Timed out: no complete answer within {deadline_passed:g} s"
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


def _inflate(raw: bytes, coding: str) -> bytes | str:
    """At most _INFLATED_LIMIT bytes of ``raw`` decoded; a str says why it could not be."""
    if coding in ("gzip", "x-gzip"):
        formats = [16 + zlib.MAX_WBITS]
    elif coding == "deflate":
        formats = [zlib.MAX_WBITS, -zlib.MAX_WBITS]  # zlib-wrapped as RFC 9110 says, or raw
    else:
        return f"[answer in {coding[:40]} encoding, not shown]"
    for wbits in formats:
        try:
            return zlib.decompressobj(wbits).decompress(raw, _INFLATED_LIMIT)
        except zlib.error:
            continue
    return f"[{coding} answer that could not be decoded]"


def excerpt(raw: bytes, codings: list[str]) -> str | None:
    """The first EXCERPT_BYTES of an answer as text, undoing gzip or deflate codings without
    ever inflating more than a little of them."""
    codings = [c.strip().lower() for c in codings if c.strip().lower() not in ("", "identity")]
    if len(codings) > _MAX_CODINGS:
        return f"[answer encoded {len(codings)} times, not shown]"
    data = raw
    for coding in reversed(codings):
        if not data:
            break
        inflated = _inflate(data, coding)
        if isinstance(inflated, str):
            return inflated
        data = inflated
    return data[:EXCERPT_BYTES].decode("utf-8", "replace") or None


def _read_answer(response: httpx.Response) -> bytes:
    """The first bytes of the answer as sent, reading at most _READ_LIMIT of it.

    An answer cut short (by the deadline, a reset, a protocol error) still has its status:
    what was read is kept, and the status is what judges the attempt.
    """
    kept = bytearray()
    read = 0
    try:
        for chunk in response.iter_raw():
            if len(kept) < _RAW_KEPT:
                kept += chunk[: _RAW_KEPT - len(kept)]
            read += len(chunk)
            if read >= _READ_LIMIT:
                break
    except httpx.HTTPError:
        pass
    return bytes(kept)


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """Send once, within one deadline (the client's read timeout); never raises for network
    trouble, a hostile answer or a URL that cannot be sent to."""
    seconds = client.timeout.read or DEFAULT_TIMEOUT
    started = time.perf_counter()
    sent: bytes | None = None
    with deadline(seconds) as end:
        try:
            request = client.build_request("POST", url, content=body, headers=headers)
            # What httpcore writes, in this order and case: nothing is added after this.
            sent = header_block(request.headers.raw)
            response = client.send(request, stream=True)
            try:
                raw = _read_answer(response)
            finally:
                response.close()
            duration = (time.perf_counter() - started) * 1000
            kept, cut = capped_block(response.headers.raw)
            return SendResult(
                status_code=response.status_code,
                duration_ms=duration,
                response_excerpt=excerpt(
                    raw, response.headers.get_list("content-encoding", split_commas=True)
                ),
                retry_after=parse_retry_after(response.headers.get("retry-after"), time.time()),
                location=response.headers.get("location"),
                request_headers=sent,
                response_headers=kept,
                response_headers_cut=cut,
            )
        except httpx.HTTPError as exc:
            passed = seconds if time.monotonic() >= end - 0.01 else None
            error = describe_error(exc, deadline_passed=passed)
        except httpx.InvalidURL as exc:
            error = f"Invalid URL: {exc}"
        except UnicodeError as exc:  # a host name IDNA cannot encode
            error = f"Invalid URL: the host name cannot be used ({exc})"
    duration = (time.perf_counter() - started) * 1000
    return SendResult(status_code=None, duration_ms=duration, error=error, request_headers=sent)
