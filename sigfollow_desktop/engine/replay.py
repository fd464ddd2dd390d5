"""A delivery's request as it was sent, for a person to read or replay by hand.

The request of the delivery's latest attempt is the one stored with it: its headers exactly
as written on the connection, the signature made with the secret of that moment (after a
Rotate secret, the old one). The body is the stored bytes, which are the bytes sent. An
attempt recorded before the headers were kept (revision 0007), or a delivery not attempted
yet, has its headers made the way the engine makes them (``send.signed_headers``), signed
with the webhook's current secret from the keychain, and says so. The secret is never shown.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from sigfollow_desktop.core.http_headers import HeaderPairs
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.send import signed_headers
from sigfollow_desktop.store.attempt_exchanges import AttemptExchange
from sigfollow_desktop.store.delivery_pages import DeliveryDetail

# curl writes these itself, from the URL and the body: the same values when the URL is the
# one the attempt was sent to, and the right ones when it has changed since.
_CURL_MAKES = frozenset({"host", "content-length"})


@dataclass(frozen=True, slots=True)
class SignedRequest:
    url: str
    headers: HeaderPairs
    body: bytes
    attempt: int  # the attempt whose request this is (1 for one not made yet)
    as_sent: bool  # True: the stored headers; False: made again with the current secret
    # False: stored, but no answer came (refused, timed out): the request may not have arrived
    answered: bool = True


def signed_request(
    detail: DeliveryDetail,
    exchanges: Mapping[int, AttemptExchange],
    secrets: SecretStore,
) -> SignedRequest | None:
    """The request of the delivery's latest attempt (or its first, not yet made).

    As sent when its headers were stored; otherwise made again, which needs the webhook's
    secret: None when it is not in the keychain.
    """
    row = detail.row
    attempt = detail.attempts[-1].number if detail.attempts else max(row.attempts, 1)
    stored = exchanges.get(attempt)
    if stored is not None and stored.request_headers is not None:
        answered = stored.response_headers is not None
        return SignedRequest(row.url, stored.request_headers, detail.body, attempt, True, answered)
    secret = secrets.get(detail.webhook_uid)
    if secret is None:
        return None
    headers = signed_headers(
        secret,
        detail.body,
        event_id=row.event_uid,
        delivery_id=row.uid,
        field=row.field,
        attempt=attempt,
    )
    return SignedRequest(row.url, tuple(headers.items()), detail.body, attempt, False)


def curl_command(request: SignedRequest) -> str:
    """A shell command (sh, bash, zsh) that sends exactly this request with ``curl``.

    Every header goes as it was, in its order, but Host and Content-Length, which curl makes
    from the URL and the body. The body goes through ``printf '%s'`` on standard input
    (``--data-binary @-``): single quotes keep every byte as it is, and nothing adds a
    newline, so the signature holds.
    """
    parts = ["curl", "--silent", "--show-error", "--request", "POST", shlex.quote(request.url)]
    for name, value in request.headers:
        if name.lower() not in _CURL_MAKES:
            parts += ["--header", shlex.quote(f"{name}: {value}")]
    parts += ["--header", shlex.quote("Expect:"), "--data-binary", "@-"]
    body = request.body.decode("utf-8", "surrogateescape")
    return f"printf '%s' {shlex.quote(body)} | \\\n  " + " ".join(parts)
