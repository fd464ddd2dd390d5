"""Receivers' ways of checking ``X-Hub-Signature-256``, for a loopback receiver in tests.

- ``raw_bytes_ok``: the guide's way (and Meta's, and pywa's ``webhook_updates_validator``):
  HMAC-SHA256 over the raw request body.
- ``escaped_text_ok``: the way of the whatsapp-api-js library (``verifyRequestSignature``),
  which follows Meta's note that "the signature is generated using an escaped unicode version
  of the payload, with lowercase hex digits": it reads the body as text, replaces every UTF-16
  code unit outside ``\\x00``-``~`` with ``\\uXXXX`` (lowercase) and computes the HMAC over
  that. A body of pure ASCII passes both; a body with raw UTF-8 passes only the first.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from sigfollow_desktop.core.signing import SIGNATURE_HEADER
from tests.support.receiver import Received, Reply


def _signature(secret: str, data: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def escape_unicode(text: str) -> str:
    """whatsapp-api-js ``escapeUnicode``: ``str.replace(/[^\\0-~]/g, "\\\\u" + hex4)``."""
    out = []
    for char in text:
        if ord(char) <= 0x7E:
            out.append(char)
            continue
        units = char.encode("utf-16-be", "surrogatepass")
        out.extend(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
    return "".join(out)


def raw_bytes_ok(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(_signature(secret, body), header)


def escaped_text_ok(secret: str, body: bytes, header: str) -> bool:
    # The library reads the body as a JavaScript string: bad UTF-8 becomes U+FFFD.
    text = body.decode("utf-8", errors="replace")
    return hmac.compare_digest(_signature(secret, escape_unicode(text).encode()), header)


@dataclass
class Checked:
    body: bytes
    raw_ok: bool
    escaped_ok: bool


@dataclass
class VerifyingScript:
    """A ``Receiver.script`` that answers 200 only when both ways accept the signature.

    With ``require_escaped=False`` the raw-bytes way alone decides; both are still recorded.
    """

    secret: str
    require_escaped: bool = True  # answer 200 only if the library's way accepts it too
    checked: list[Checked] = field(default_factory=list)  # the receiver calls under its lock

    def __call__(self, request: Received) -> Reply:
        header = request.headers.get(SIGNATURE_HEADER, "")
        raw_ok = raw_bytes_ok(self.secret, request.body, header)
        escaped_ok = escaped_text_ok(self.secret, request.body, header)
        self.checked.append(Checked(request.body, raw_ok, escaped_ok))
        if raw_ok and (escaped_ok or not self.require_escaped):
            return Reply(200)
        return Reply(401, body=b"signature mismatch")
