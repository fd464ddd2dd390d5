"""What an admin does to webhooks and events: the operations the CLI and the window share.

Each operation is one unit of work on the store. Where a secret is involved, the keychain is
written first, so a keychain failure leaves the webhook exactly as it was.

Events are stored in batches of :data:`INTAKE_BATCH`, each its own transaction, with a short
pause after every quarter second or so of writing: a big import never holds the write lock
for more than a moment, so the engines (the window's, ``engine run``) keep recording
deliveries meanwhile. All-or-nothing still holds where it is asked for: every item is checked
before the first batch is written. If the writing stops part-way (Ctrl-C, a full disk), the
batches already committed stay and :class:`ImportStopped` says how many; importing the same
input again stores the rest, since events already stored are skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sigfollow_desktop.core.bodies import Item
from sigfollow_desktop.core.errors import KeychainError, SigFollowError
from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.secrets import generate_secret
from sigfollow_desktop.store import delivery_pages, outbox
from sigfollow_desktop.store.activity import ActivitySeries, last_hour
from sigfollow_desktop.store.attempt_exchanges import AttemptExchange, attempt_exchanges
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_pages import (
    DeliveryDetail,
    DeliveryFilter,
    DeliveryPage,
    DeliveryRow,
)
from sigfollow_desktop.store.events import Intake, Row, row_of, store_rows
from sigfollow_desktop.store.models import Webhook
from sigfollow_desktop.store.summary import WebhookSummary, webhook_summaries
from sigfollow_desktop.store.webhooks import add_webhook, get_webhook, list_webhooks, touch

log = logging.getLogger(__name__)
# Events per transaction: a fraction of a second of writing. Fewer, bigger batches cost less
# (each commit past SQLite's auto-checkpoint threshold also syncs the file), smaller ones let
# other writers in sooner.
INTAKE_BATCH = 5_000
# After about YIELD_EVERY seconds of writing, the lock is left free for BATCH_PAUSE: long
# enough for a writer waiting in SQLite's busy handler (which looks again every few ms at
# first, every 50-100 ms later) to take it, and little enough to cost about a tenth of the
# import's speed.
YIELD_EVERY = 0.25
BATCH_PAUSE = 0.03

# Called after each committed batch with the items written so far and the total (None when
# not known in advance).
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import: what was stored and which items were refused."""

    intake: Intake
    refused: tuple[Item, ...]
    committed: bool


class ImportStopped(SigFollowError):
    """Storing stopped part-way; the batches before it are committed (``intake``)."""

    def __init__(self, intake: Intake, written: int, total: int | None, cause: BaseException):
        of = f" of {total:,}" if total is not None else ""
        super().__init__(
            f"{written:,}{of} events were committed before the stop ({intake.stored:,} new, "
            f"{intake.duplicates:,} already stored; {intake.deliveries:,} deliveries queued)"
        )
        self.intake = intake
        self.written = written
        self.total = total
        self.cause = cause


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class Admin:
    """Webhook and event operations over one store and one keychain."""

    def __init__(self, store: Store, secrets: SecretStore) -> None:
        self.store = store
        self.secrets = secrets

    # Reading ------------------------------------------------------------------------------

    def webhook_summaries(self, now: float | None = None) -> list[WebhookSummary]:
        """Every webhook with its delivery counts and health (see ``store.summary``)."""
        with self.store.session() as session:
            return webhook_summaries(session, now)

    def activity(self, webhook_id: int | None = None, now: float | None = None) -> ActivitySeries:
        """Attempts per minute over the last hour, of one webhook or (None) of all."""
        with self.store.session() as session:
            return last_hour(session, webhook_id, now)

    def webhook_secret(self, webhook_id: int) -> str | None:
        """The webhook's signing secret from the keychain, None if it has none there."""
        with self.store.session() as session:
            uid = get_webhook(session, webhook_id).uid
        return self.secrets.get(uid)

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
        self,
        items: Iterable[Item],
        *,
        skip_invalid: bool = False,
        source: str = "import",
        progress: Progress | None = None,
    ) -> ImportReport:
        """Check every item, then store the valid ones in committed batches.

        All-or-nothing: any refused item stores nothing, unless ``skip_invalid``. Raises
        :class:`ImportStopped` when storing stops after some batches were committed.
        """
        refused: list[Item] = []
        valid: list[Row] = []
        for item in items:
            if item.parsed is None:
                refused.append(item)
            else:
                valid.append(row_of(item.body, item.parsed))
        if refused and not skip_invalid:
            log.info("import cancelled: %d refused item(s)", len(refused))
            return ImportReport(Intake(), tuple(refused), committed=False)
        if refused:
            log.info("%d refused item(s) skipped", len(refused))
        total = self.store_rows(valid, len(valid), source=source, progress=progress)
        return ImportReport(total, tuple(refused), committed=True)

    def store_items(
        self,
        items: Iterable[Item],
        total: int | None = None,
        *,
        source: str = "import",
        progress: Progress | None = None,
    ) -> Intake:
        """Store parsed items (read lazily) in batches, each committed; see ImportStopped."""
        rows = (row_of(item.body, item.parsed) for item in items if item.parsed is not None)
        return self.store_rows(rows, total, source=source, progress=progress)

    def store_rows(
        self,
        rows: Iterable[Row],
        total: int | None = None,
        *,
        source: str = "import",
        progress: Progress | None = None,
        pause: float = BATCH_PAUSE,
    ) -> Intake:
        """Store rows (read lazily) in batches, each committed; see ImportStopped."""
        done = Intake()
        written = 0
        held = 0.0  # seconds of writing since the last pause
        try:
            for batch in _batches(rows, INTAKE_BATCH):
                if held >= YIELD_EVERY and pause:
                    time.sleep(pause)  # other writers' turn
                    held = 0.0
                started = time.monotonic()
                with self.store.transaction() as session:
                    done += store_rows(session, batch, source)
                held += time.monotonic() - started
                written += len(batch)
                if progress is not None:
                    progress(written, total)
        except BaseException as exc:
            if not written:
                raise
            log.warning("%s stopped after %d item(s): %r", source, written, exc)
            raise ImportStopped(done, written, total, exc) from exc
        log.info(
            "%s: %d event(s) stored, %d duplicate(s), %d deliveries queued",
            source,
            done.stored,
            done.duplicates,
            done.deliveries,
        )
        return done

    # Deliveries ---------------------------------------------------------------------------

    def delivery_page(
        self,
        wanted: DeliveryFilter,
        *,
        before: int | None = None,
        limit: int = delivery_pages.PAGE_SIZE,
    ) -> DeliveryPage:
        """The newest deliveries matching ``wanted`` older than ``before`` (keyset)."""
        with self.store.session() as session:
            return delivery_pages.delivery_page(session, wanted, before=before, limit=limit)

    def newer_deliveries(
        self, wanted: DeliveryFilter, *, after: int, limit: int = delivery_pages.PAGE_SIZE
    ) -> tuple[DeliveryRow, ...]:
        """Deliveries matching ``wanted`` newer than ``after``, oldest first."""
        with self.store.session() as session:
            return delivery_pages.newer_deliveries(session, wanted, after=after, limit=limit)

    def deliveries_by_id(self, ids: list[int]) -> dict[int, DeliveryRow]:
        with self.store.session() as session:
            return delivery_pages.deliveries_by_id(session, ids)

    def delivery_detail(self, delivery_id: int) -> DeliveryDetail:
        with self.store.session() as session:
            return delivery_pages.delivery_detail(session, delivery_id)

    def delivery_with_exchanges(
        self, delivery_id: int
    ) -> tuple[DeliveryDetail, dict[int, AttemptExchange]]:
        """The delivery in full and the headers each attempt sent and got back, by number."""
        with self.store.session() as session:
            detail = delivery_pages.delivery_detail(session, delivery_id)
            return detail, attempt_exchanges(session, delivery_id)

    def redeliver(self, delivery_ids: Iterable[int]) -> int:
        """Put deliveries back in the queue, due now (one unit of work); how many were."""
        ids = list(delivery_ids)
        now = time.time()
        with self.store.transaction() as session:
            for delivery_id in ids:
                outbox.redeliver(session, delivery_id, now=now)
        log.info("%d deliveries queued again", len(ids))
        return len(ids)

    def recover(self, webhook_id: int, since: float) -> int:
        """Put the webhook's deliveries that failed at or after ``since`` back in the queue."""
        with self.store.transaction() as session:
            count = outbox.recover(session, webhook_id, since=since, now=time.time())
        log.info("webhook %d: %d failed deliveries queued again", webhook_id, count)
        return count

    def webhook_choices(self) -> list[tuple[int, str]]:
        """Every webhook's id and URL, oldest first (the view's webhook filter)."""
        with self.store.session() as session:
            return [(webhook.id, webhook.url) for webhook in list_webhooks(session)]
