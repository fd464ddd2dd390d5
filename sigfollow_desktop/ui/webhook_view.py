"""What the window shows of one webhook, read from the store in one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.store.deliveries import count_by_status, list_deliveries
from sigfollow_desktop.store.models import Delivery, Webhook
from sigfollow_desktop.store.webhooks import list_webhooks

Health = Literal["none", "healthy", "retrying", "failing", "off"]
RECENT = 20

HEALTH_TEXT: dict[Health, str] = {
    "none": "No deliveries yet",
    "healthy": "Recent deliveries succeeded",
    "retrying": "Recent deliveries are being retried",
    "failing": "Recent deliveries failed",
    "off": "Disabled",
}


@dataclass(frozen=True, slots=True)
class WebhookView:
    id: int
    url: str
    enabled: bool
    paused: bool
    fields: tuple[Field, ...]
    has_secret: bool
    secret_created_at: float | None
    health: Health
    counts: dict[str, int] = field(default_factory=dict)


def health_of(enabled: bool, recent: Sequence[Delivery]) -> Health:
    """The dot: the newest finished delivery decides, a retry in flight shows amber."""
    if not enabled:
        return "off"
    for delivery in recent:
        if delivery.status == "pending" and delivery.attempt_count > 0:
            return "retrying"
        if delivery.status == "failed":
            return "failing"
        if delivery.status == "delivered":
            return "healthy"
    return "none"


def _view(session: Session, webhook: Webhook) -> WebhookView:
    recent = list_deliveries(session, webhook_id=webhook.id, limit=RECENT)
    return WebhookView(
        id=webhook.id,
        url=webhook.url,
        enabled=webhook.enabled,
        paused=webhook.paused,
        fields=webhook.fields,
        has_secret=webhook.has_secret,
        secret_created_at=webhook.secret_created_at,
        health=health_of(webhook.enabled, recent),
        counts=count_by_status(session, webhook.id),
    )


def load_views(session: Session) -> list[WebhookView]:
    return [_view(session, webhook) for webhook in list_webhooks(session)]
