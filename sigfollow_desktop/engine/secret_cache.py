"""The signing secrets the senders use, read from the keychain as seldom as will do.

A secret read is kept until the webhook's secret is rotated (its ``secret_created_at``
changes), and read again now and then so that one deleted behind the program's back is
noticed. A webhook whose secret is missing, or cannot be read because the keychain is locked
or unreachable, is not sent to at all: its deliveries wait, unclaimed, and are never counted as
attempts. A missing secret is looked for again every few seconds, so restoring it or *Rotate
secret* sets its deliveries going without a restart.

What changes is logged once, when it changes: a secret found missing, found again, the
keychain failing, the keychain readable again; never once per round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sigfollow_desktop.core.errors import KeychainError
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.outbox import ActiveWebhook

log = logging.getLogger(__name__)

RECHECK = 5.0  # seconds before a missing secret, or a failed read, is tried again
REVALIDATE = 60.0  # seconds before a secret found is read again


@dataclass(frozen=True, slots=True)
class Signing:
    """The outcome of one round of reads."""

    secrets: dict[int, str]  # webhook id -> secret, for the webhooks that may be sent to
    missing: tuple[int, ...] = ()  # webhooks with no secret in the keychain: they wait
    keychain_error: str | None = None  # why the keychain could not be read, when some wait


@dataclass(frozen=True, slots=True)
class _Entry:
    created_at: float | None
    secret: str | None
    error: str | None  # the read failed (and no earlier secret of this rotation is known)
    read_at: float


class SecretCache:
    """Per-webhook secrets for the coordinator; not thread-safe (one caller). ``clock`` is in
    seconds (the dispatcher's, so tests move it)."""

    def __init__(self, secrets: SecretStore, clock: Callable[[], float] = time.time) -> None:
        self._secrets = secrets
        self._clock = clock
        self._entries: dict[int, _Entry] = {}
        self._failing: str | None = None  # the keychain's last read failed, with this reason
        self._missing: set[int] = set()

    def read(self, webhooks: Iterable[ActiveWebhook]) -> Signing:
        now = self._clock()
        entries: dict[int, _Entry] = {}
        secrets: dict[int, str] = {}
        missing: list[int] = []
        error: str | None = None
        for webhook in webhooks:
            entry = self._entries.get(webhook.id)
            if entry is None or self._stale(entry, webhook, now):
                entry = self._read(webhook, entry, now)
            entries[webhook.id] = entry
            if entry.secret is not None:
                secrets[webhook.id] = entry.secret
            elif entry.error is not None:
                error = entry.error
            else:
                missing.append(webhook.id)
        self._entries = entries
        self._note_missing(missing, secrets)
        return Signing(secrets, tuple(missing), error)

    @staticmethod
    def _stale(entry: _Entry, webhook: ActiveWebhook, now: float) -> bool:
        if entry.created_at != webhook.secret_created_at:
            return True  # rotated
        # abs(): a clock set back must not keep an old read for ever.
        return abs(now - entry.read_at) >= (RECHECK if entry.secret is None else REVALIDATE)

    def _read(self, webhook: ActiveWebhook, entry: _Entry | None, now: float) -> _Entry:
        created_at = webhook.secret_created_at
        try:
            secret = self._secrets.get(webhook.uid)
        except KeychainError as exc:
            self._note_keychain(str(exc))
            # A secret read before the keychain locked is still the webhook's secret.
            known = entry.secret if entry is not None and entry.created_at == created_at else None
            return _Entry(created_at, known, None if known else str(exc), now)
        self._note_keychain(None)
        return _Entry(created_at, secret, None, now)

    def _note_keychain(self, failure: str | None) -> None:
        if failure is not None and self._failing is None:
            log.warning("the keychain cannot be read; deliveries that need it wait: %s", failure)
        elif failure is None and self._failing is not None:
            log.info("the keychain can be read again")
        self._failing = failure

    def _note_missing(self, missing: list[int], found: dict[int, str]) -> None:
        now_missing = set(missing)
        for webhook_id in sorted(now_missing - self._missing):
            log.warning(
                "webhook %d: no signing secret in the keychain; its deliveries wait until "
                "the secret is rotated",
                webhook_id,
            )
        for webhook_id in sorted(self._missing & found.keys()):
            log.info("webhook %d: signing secret found; its deliveries go out again", webhook_id)
        self._missing = now_missing
