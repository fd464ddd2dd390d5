"""Webhook URL rules, with the guide's messages.

A URL is valid when it starts with ``http://`` or ``https://`` (scheme letters in any case),
names a host, is at most 512 characters and holds no spaces or control characters. Besides:
it is text (a command line may pass bytes that are not UTF-8), it carries no user name or
password (the password would sit in the database, the log and every listing; receivers check
``X-Hub-Signature-256`` instead), and a host made of numbers and dots is a real IPv4 address
(``http://127.0.0.999/`` is refused here rather than failing at every send).
"""

from __future__ import annotations

import ipaddress
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
MSG_NOT_TEXT = "URL contains bytes that are not valid UTF-8 text"
MSG_CREDENTIALS = (
    "URL must not contain a user name or password (user:password@); receivers check "
    "the X-Hub-Signature-256 signature instead"
)
MSG_LABELS = "URL host name must be parts of 1 to 63 characters between dots, 253 in all"
MSG_IPV4 = (
    "URL host ending in a number must be an IPv4 address: four numbers from 0 to 255, "
    "like 192.0.2.10"
)
HINT_HTTP = "Use https:// in production."

# RFC 3986 reg-name characters; a non-ASCII host must be a valid IDNA name instead.
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\]")
# A host whose last label is a number is read as an IPv4 address by resolvers and browsers
# (``http://1.2.3/`` goes to 1.2.0.3), so it must be a whole dotted-decimal address.
_NUMERIC_HOST = re.compile(r"(?:[^.]*\.)*[0-9]+\.?")
# ``scheme://userinfo@``: the user information, up to the last ``@`` before the path.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@]*(?:@[^/?#\s@]*)*@")


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


def redact_credentials(text: str) -> str:
    """``text`` with the user name and password of every URL in it replaced by ``***``."""
    return _USERINFO.sub(r"\1***@", text)


def _raw_host(parts: SplitResult) -> str:
    netloc_host = parts.netloc.rpartition("@")[2]
    if netloc_host.startswith("["):
        return netloc_host[: netloc_host.find("]") + 1]
    return netloc_host.partition(":")[0]


def _host_ok(host: str) -> bool:
    if host.isascii():
        return _HOST_CHARS.fullmatch(host) is not None
    return _idna_ok(host)


def _labels_ok(host: str) -> bool:
    """DNS limits, which TLS enforces when it names the server: empty or long labels fail."""
    if host.startswith("[") or not host.isascii():
        return True  # an IPv6 address; an IDNA name was checked when encoded
    name = host.removesuffix(".")
    return len(name) <= 253 and all(1 <= len(label) <= 63 for label in name.split("."))


def _ipv4_ok(host: str) -> bool:
    if _NUMERIC_HOST.fullmatch(host) is None:
        return True  # a name, not an address
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


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
    if any(unicodedata.category(ch) == "Cs" for ch in text):
        return _refuse(MSG_NOT_TEXT)
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
    if "@" in parts.netloc:
        return _refuse(MSG_CREDENTIALS)
    host = _raw_host(parts)
    if not _host_ok(host):
        return _refuse(MSG_BAD_HOST)
    if not _labels_ok(host):
        return _refuse(MSG_LABELS)
    if not _ipv4_ok(host):
        return _refuse(MSG_IPV4)
    try:
        port = parts.port
    except ValueError:
        return _refuse(MSG_PORT)
    if port == 0:
        return _refuse(MSG_PORT)
    return UrlCheck(hint=HINT_HTTP if lowered.startswith("http://") else None)
