"""The tables of the local store.

Times are Unix epoch seconds (floats): they compare cheaply in the delivery queue's index and
convert to local time only for display.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sigfollow_desktop.core.fields import FIELDS, Field

DeliveryStatus = Literal["pending", "delivered", "failed"]
_RANDOM_UID = text("(lower(hex(randomblob(16))))")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, server_default=_RANDOM_UID)
    url: Mapped[str] = mapped_column(String(512))
    enabled: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    subscribed: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[float]
    updated_at: Mapped[float]
    secret_created_at: Mapped[float | None] = mapped_column(default=None)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def fields(self) -> tuple[Field, ...]:
        chosen = set(self.subscribed.split(","))
        return tuple(field for field in FIELDS if field in chosen)

    @fields.setter
    def fields(self, fields: tuple[Field, ...]) -> None:
        self.subscribed = ",".join(field for field in FIELDS if field in fields)

    @property
    def has_secret(self) -> bool:
        return self.secret_created_at is not None


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, server_default=_RANDOM_UID)
    field: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[float]
    source: Mapped[str] = mapped_column(String(16), default="import")


class EventKey(Base):
    """What a person may search an event by (its wamids, template id and phone numbers, see
    :func:`sigfollow_desktop.core.meta.search_keys`), written with the event (revision 0006).

    The primary key is the search: one key's events, newest last, in one range. The index on
    the event is for deleting an event, whose keys go with it (``ON DELETE CASCADE``).
    """

    __tablename__ = "event_keys"
    __table_args__ = (
        Index("ix_event_keys_event_id", "event_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id"),
        # The queue: only pending rows, ordered by when they are due. A claimed delivery's
        # next_attempt_at is its lease expiry, so a crashed sender's work comes due again.
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_webhook_status", "webhook_id", "status"),
        # Claiming goes webhook by webhook, one range scan each (revision 0002).
        Index(
            "ix_deliveries_webhook_due",
            "webhook_id",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_failed", "finished_at", sqlite_where=text("status = 'failed'")),
        # The Deliveries view: newest first within one status, webhook or answer class (0005).
        Index("ix_deliveries_status", "status"),
        Index("ix_deliveries_webhook", "webhook_id"),
        Index(
            "ix_deliveries_code_class",
            text(
                "(CASE WHEN last_status_code IS NOT NULL THEN last_status_code / 100 "
                "WHEN last_error IS NOT NULL THEN 0 END)"
            ),
        ),
        # Retention prunes delivered deliveries by age (revision 0003).
        Index("ix_deliveries_delivered", "finished_at", sqlite_where=text("status = 'delivered'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, server_default=_RANDOM_UID)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[float | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[float | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_duration_ms: Mapped[float | None] = mapped_column(default=None)
    created_at: Mapped[float]
    finished_at: Mapped[float | None] = mapped_column(default=None)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
    event: Mapped[Event] = relationship()
    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="delivery",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Attempt.number",
    )


# An attempt that did not deliver: no answer, or an answer other than 2xx.
FAILING_ATTEMPT = "status_code IS NULL OR status_code < 200 OR status_code >= 300"


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        # A webhook's latest attempts (its health, its activity), one range scan (0003).
        Index("ix_attempts_webhook_started", "webhook_id", "started_at"),
        # The last hour's failing attempts, for the status bar (0003).
        Index("ix_attempts_failing", "started_at", sqlite_where=text(FAILING_ATTEMPT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    # The delivery's webhook, copied when the attempt is recorded (revision 0003; attempts
    # from before it were filled in by the migration).
    webhook_id: Mapped[int | None] = mapped_column(default=None)
    number: Mapped[int]
    started_at: Mapped[float]
    duration_ms: Mapped[float]
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    response_excerpt: Mapped[str | None] = mapped_column(String(1024), default=None)
    # The request's header lines exactly as sent, signature included (never the secret), and
    # the answer's as received, up to 8 KiB, with how many lines did not fit: the bytes of the
    # lines (core.http_headers). NULL for attempts recorded before revision 0007.
    request_headers: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_headers: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_headers_cut: Mapped[int | None] = mapped_column(default=None)

    delivery: Mapped[Delivery] = relationship(back_populates="attempts")


class StoreKey(Base):
    """The shared database's store key, by name only: the key is in each host's keychain.

    ``check_sealed`` is a known value sealed under the key, so that a host can tell the right
    key from a wrong one before it seals or opens anything.
    """

    __tablename__ = "store_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    check_nonce: Mapped[bytes] = mapped_column(LargeBinary)
    check_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[float]


class SealedSecret(Base):
    """A webhook's signing secret sealed with AES-GCM under the store key (shared database)."""

    __tablename__ = "sealed_secrets"

    webhook_uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[float]


class Activity(Base):
    """Attempts per webhook and minute by what they meant, counted as they are recorded: the
    activity chart reads an hour as 60 rows, whatever the traffic (revision 0003)."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_minute", "minute"),
        {"sqlite_with_rowid": False},
    )

    webhook_id: Mapped[int] = mapped_column(primary_key=True)
    minute: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds, a multiple of 60
    delivered: Mapped[int] = mapped_column(default=0)
    retried: Mapped[int] = mapped_column(default=0)  # failed attempts to be tried again
    failed: Mapped[int] = mapped_column(default=0)  # last attempts that failed
