"""Webhook URL rules, with the guide's messages.

A URL is valid when it starts with ``http://`` or ``https://`` (scheme letters in any case),
names a host, is at most 512 characters and holds no spaces or control characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import idna

MAX_URL_LENGTH = 512

MSG_SCHEME = "URL must start with http:// or https://"
MSG_LENGTH = f"URL must be at most {MAX_URL_LENGTH} characters"
MSG_CONTROL = "URL must not contain line breaks or other control characters"
MSG_SPACE = "URL must not contain spaces"
MSG_HOST = "URL must name a host after http:// or https://"
MSG_BAD_HOST = "URL host name contains characters that are not allowed"
MSG_PORT = "URL port must be a number from 1 to 65535"
HINT_HTTP = "Use https:// in production."

# RFC 3986 reg-name characters; a non-ASCII host must be a valid IDNA name instead.
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\]")


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """The verdict on a URL: ``message`` is set when it is refused, ``hint`` is advice only."""

    message: str | None = None
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.message is None


def _refuse(message: str) -> UrlCheck:
    return UrlCheck(message=message)


def _host_ok(parts: SplitResult) -> bool:
    netloc_host = parts.netloc.rpartition("@")[2]
    if netloc_host.startswith("["):
        host = netloc_host[: netloc_host.find("]") + 1]
    else:
        host = netloc_host.partition(":")[0]
    if host.isascii():
        return _HOST_CHARS.fullmatch(host) is not None
    return _idna_ok(host)


def _idna_ok(host: str) -> bool:
    """An internationalised host name must encode to IDNA, as it will be sent."""
    try:
        idna.encode(host.lower())
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


def check_url(text: str) -> UrlCheck:
    """Check ``text`` against the webhook URL rules; never raises."""
    if len(text) > MAX_URL_LENGTH:
        return _refuse(MSG_LENGTH)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return _refuse(MSG_CONTROL)
    if any(ch.isspace() for ch in text):
        return _refuse(MSG_SPACE)
    lowered = text[:8].lower()
    if not (lowered.startswith(("http://", "https://"))):
        return _refuse(MSG_SCHEME)
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return _refuse(MSG_BAD_HOST)
    if not hostname:
        return _refuse(MSG_HOST)
    if not _host_ok(parts):
        return _refuse(MSG_BAD_HOST)
    try:
        port = parts.port
    except ValueError:
        return _refuse(MSG_PORT)
    if port == 0:
        return _refuse(MSG_PORT)
    return UrlCheck(hint=HINT_HTTP if lowered.startswith("http://") else None)
