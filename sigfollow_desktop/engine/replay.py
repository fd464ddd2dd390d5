"""A delivery's request as the engine sends it, for a person to read or replay by hand.

The headers are made the way the engine makes them (``send.signed_headers``), signed with the
webhook's secret from the keychain; the signature is shown, the secret never is. The body is
the stored bytes, which are the bytes sent.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.send import signed_headers
from sigfollow_desktop.store.delivery_pages import DeliveryDetail


@dataclass(frozen=True, slots=True)
class SignedRequest:
    url: str
    headers: dict[str, str]
    body: bytes


def signed_request(detail: DeliveryDetail, secrets: SecretStore) -> SignedRequest | None:
    """The request of the delivery's latest attempt (or its first, not yet made); None when the
    webhook's secret is not in the keychain."""
    secret = secrets.get(detail.webhook_uid)
    if secret is None:
        return None
    row = detail.row
    headers = signed_headers(
        secret,
        detail.body,
        event_id=row.event_uid,
        delivery_id=row.uid,
        field=row.field,
        attempt=max(row.attempts, 1),
    )
    return SignedRequest(row.url, headers, detail.body)


def curl_command(request: SignedRequest) -> str:
    """A shell command (sh, bash, zsh) that sends exactly this request with ``curl``.

    The body goes through ``printf '%s'`` on standard input (``--data-binary @-``): single
    quotes keep every byte as it is, and nothing adds a newline, so the signature holds.
    """
    parts = ["curl", "--silent", "--show-error", "--request", "POST", shlex.quote(request.url)]
    for name, value in request.headers.items():
        parts += ["--header", shlex.quote(f"{name}: {value}")]
    parts += ["--header", shlex.quote("Expect:"), "--data-binary", "@-"]
    body = request.body.decode("utf-8", "surrogateescape")
    return f"printf '%s' {shlex.quote(body)} | \\\n  " + " ".join(parts)
