"""What an admin does to webhooks and events: the operations the CLI and the window share.

Each operation is one unit of work on the store. Where a secret is involved, the keychain is
written first, so a keychain failure leaves the webhook exactly as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sigfollow_desktop.core.bodies import Item
from sigfollow_desktop.core.errors import KeychainError
from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.secrets import generate_secret
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake, store_events
from sigfollow_desktop.store.models import Webhook
from sigfollow_desktop.store.webhooks import add_webhook, get_webhook, touch

log = logging.getLogger(__name__)
INTAKE_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import: what was stored and which items were refused."""

    intake: Intake
    refused: tuple[Item, ...]
    committed: bool


class Admin:
    """Webhook and event operations over one store and one keychain."""

    def __init__(self, store: Store, secrets: SecretStore) -> None:
        self.store = store
        self.secrets = secrets

    # Webhooks -----------------------------------------------------------------------------

    def add(
        self, url: str, fields: tuple[Field, ...], enable: bool = False
    ) -> tuple[int, str | None]:
        """Add a webhook; with ``enable`` also return its new secret (shown once by the caller).

        One unit of work: if the keychain refuses the secret, nothing is stored.
        """
        with self.store.transaction() as session:
            webhook = add_webhook(session, url, fields)
            secret = None
            if enable:
                session.refresh(webhook, ["uid"])
                secret = self._new_secret(webhook)
                webhook.enabled = True
            webhook_id = webhook.id
        log.info("webhook %d added%s", webhook_id, " and enabled" if enable else "")
        return webhook_id, secret

    def enable(self, webhook_id: int) -> str | None:
        """Enable a webhook. The first time, a secret is generated and returned, once."""
        with self.store.transaction() as session:
            webhook = get_webhook(session, webhook_id)
            secret = None
            if not webhook.has_secret:
                secret = self._new_secret(webhook)
            webhook.enabled = True
            touch(webhook)
        log.info("webhook %d enabled", webhook_id)
        return secret

    def disable(self, webhook_id: int) -> None:
        with self.store.transaction() as session:
            webhook = get_webhook(session, webhook_id)
            webhook.enabled = False
            touch(webhook)
        log.info("webhook %d disabled", webhook_id)

    def set_fields(self, webhook_id: int, fields: tuple[Field, ...]) -> None:
        with self.store.transaction() as session:
            webhook = get_webhook(session, webhook_id)
            webhook.fields = fields
            touch(webhook)
        log.info("webhook %d now subscribed to %s", webhook_id, ",".join(fields) or "nothing")

    def set_paused(self, webhook_id: int, paused: bool) -> None:
        with self.store.transaction() as session:
            webhook = get_webhook(session, webhook_id)
            webhook.paused = paused
            touch(webhook)
        log.info("webhook %d %s", webhook_id, "paused" if paused else "resumed")

    def rotate_secret(self, webhook_id: int) -> str:
        """Replace the webhook's secret; the old one stops working at once."""
        with self.store.transaction() as session:
            secret = self._new_secret(get_webhook(session, webhook_id))
        log.info("webhook %d secret rotated", webhook_id)
        return secret

    def remove(self, webhook_id: int) -> None:
        """Remove a webhook and its deliveries; the events themselves stay in the store."""
        with self.store.transaction() as session:
            webhook = get_webhook(session, webhook_id)
            uid = webhook.uid
            session.delete(webhook)
        try:
            self.secrets.delete(uid)
        except KeychainError as exc:
            log.warning("webhook %d removed, its keychain entry was not: %s", webhook_id, exc)
        log.info("webhook %d removed", webhook_id)

    def _new_secret(self, webhook: Webhook) -> str:
        secret = generate_secret()
        self.secrets.put(webhook.uid, secret)
        webhook.secret_created_at = time.time()
        touch(webhook)
        return secret

    # Events -------------------------------------------------------------------------------

    def import_items(
        self, items: Iterable[Item], *, skip_invalid: bool = False, source: str = "import"
    ) -> ImportReport:
        """Store the valid items in one transaction; any refused item cancels it unless
        ``skip_invalid``."""
        refused: list[Item] = []
        total = Intake()
        session = self.store.session()
        with session:
            batch: list[Item] = []
            for item in items:
                if item.parsed is None:
                    refused.append(item)
                    continue
                batch.append(item)
                if len(batch) >= INTAKE_BATCH:
                    total += self._store_batch(session, batch, source)
                    batch = []
            total += self._store_batch(session, batch, source)
            if refused and not skip_invalid:
                session.rollback()
                log.info("import cancelled: %d refused item(s)", len(refused))
                return ImportReport(Intake(), tuple(refused), committed=False)
            session.commit()
        log.info(
            "imported %d event(s), %d duplicate(s), %d refused, %d deliveries queued",
            total.stored,
            total.duplicates,
            len(refused),
            total.deliveries,
        )
        return ImportReport(total, tuple(refused), committed=True)

    @staticmethod
    def _store_batch(session: Session, batch: list[Item], source: str) -> Intake:
        pairs = [(item.body, item.parsed) for item in batch if item.parsed is not None]
        return store_events(session, pairs, source)
