"""What the window shows of each webhook: its settings, its counts and its health.

Health follows the webhook's latest attempts, not only its final failures: an endpoint that
starts answering 500 turns the dot red at its first failed attempt, hours before the first
delivery gives up. The failing-attempt rate is taken over the latest :data:`RECENT_ATTEMPTS`
attempts of the last hour, so reading it costs the same at any size of history.

Every query here stays on an index (``tests/store/test_summary_plans.py`` checks the plans):
the latest attempts are one backward range scan of ``ix_attempts_webhook_started``, the counts
one covering scan of ``ix_deliveries_webhook_status``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.store.models import DeliveryStatus, Webhook
from sigfollow_desktop.store.webhooks import list_webhooks

__all__ = [
    "HEALTH_TEXT",
    "LATEST_ATTEMPTS_SQL",
    "RECENT_ATTEMPTS",
    "RECENT_WINDOW",
    "STATUS_COUNTS_SQL",
    "AttemptSeen",
    "Health",
    "WebhookSummary",
    "health_of",
    "webhook_summaries",
]

# off: disabled. none: never attempted. healthy: the latest attempts delivered. degraded: the
# latest attempt delivered, some recent ones did not. failing: the latest attempt failed.
Health = Literal["none", "healthy", "degraded", "failing", "off"]
RECENT_ATTEMPTS = 50
RECENT_WINDOW = 3600.0  # seconds: "recent" means the last hour

HEALTH_TEXT: dict[Health, str] = {
    "none": "No deliveries yet",
    "healthy": "Recent deliveries succeeded",
    "degraded": "Some recent attempts failed",
    "failing": "The latest attempt failed",
    "off": "Disabled",
}

LATEST_ATTEMPTS_SQL = (
    "SELECT started_at, status_code, error FROM attempts "
    "WHERE webhook_id = :webhook_id ORDER BY started_at DESC LIMIT :limit"
)
STATUS_COUNTS_SQL = (
    "SELECT status, count(*) FROM deliveries WHERE webhook_id = :webhook_id GROUP BY status"
)


@dataclass(frozen=True, slots=True)
class AttemptSeen:
    """One attempt as the summary sees it: when, and what came back."""

    started_at: float
    status_code: int | None
    error: str | None

    @property
    def failed(self) -> bool:
        return self.status_code is None or not 200 <= self.status_code < 300

    @property
    def problem(self) -> str:
        """What went wrong, for a person: the error, or the status."""
        return self.error or f"HTTP {self.status_code}"


@dataclass(frozen=True, slots=True)
class WebhookSummary:
    id: int
    url: str
    enabled: bool
    paused: bool
    fields: tuple[Field, ...]
    has_secret: bool
    secret_created_at: float | None
    health: Health = "none"
    counts: dict[DeliveryStatus, int] = field(default_factory=dict)
    recent_attempts: int = 0  # attempts of the last hour counted, at most RECENT_ATTEMPTS
    recent_failing: int = 0  # of those, how many failed
    last_error: str | None = None  # the newest failing attempt's problem, if recent
    last_error_at: float | None = None

    @property
    def failing_text(self) -> str | None:
        """``HTTP 500 · 12 of the last 50 failed`` (attempts of the last hour), or None."""
        if not self.recent_failing or self.last_error is None:
            return None
        return (
            f"{self.last_error} · {self.recent_failing} of the last {self.recent_attempts} failed"
        )


def health_of(enabled: bool, latest: Sequence[AttemptSeen], now: float) -> Health:
    """The dot, from the newest attempts (newest first)."""
    if not enabled:
        return "off"
    if not latest:
        return "none"
    if latest[0].failed:
        return "failing"
    recent = [a for a in latest if a.started_at >= now - RECENT_WINDOW]
    return "degraded" if any(a.failed for a in recent) else "healthy"


def _summary(session: Session, webhook: Webhook, now: float) -> WebhookSummary:
    rows = session.execute(
        text(LATEST_ATTEMPTS_SQL), {"webhook_id": webhook.id, "limit": RECENT_ATTEMPTS}
    )
    latest = [AttemptSeen(*row) for row in rows]
    recent = [a for a in latest if a.started_at >= now - RECENT_WINDOW]
    failing = [a for a in recent if a.failed]
    counts = session.execute(text(STATUS_COUNTS_SQL), {"webhook_id": webhook.id})
    return WebhookSummary(
        id=webhook.id,
        url=webhook.url,
        enabled=webhook.enabled,
        paused=webhook.paused,
        fields=webhook.fields,
        has_secret=webhook.has_secret,
        secret_created_at=webhook.secret_created_at,
        health=health_of(webhook.enabled, latest, now),
        counts={row[0]: row[1] for row in counts},
        recent_attempts=len(recent),
        recent_failing=len(failing),
        last_error=failing[0].problem if failing else None,
        last_error_at=failing[0].started_at if failing else None,
    )


def webhook_summaries(session: Session, now: float | None = None) -> list[WebhookSummary]:
    """Every webhook, in id order, with its counts and health as of ``now``."""
    moment = time.time() if now is None else now
    return [_summary(session, webhook, moment) for webhook in list_webhooks(session)]
