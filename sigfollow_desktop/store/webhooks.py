"""Webhook rows: add, find, change, remove. Secrets are not here; see ``core.keychain``."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigfollow_desktop.core.errors import NotFoundError, SigFollowError
from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.core.urls import check_url
from sigfollow_desktop.store.models import Webhook


def add_webhook(session: Session, url: str, fields: tuple[Field, ...]) -> Webhook:
    """Store a new, disabled webhook; enabling (and its secret) is a separate step."""
    verdict = check_url(url)
    if verdict.message:
        raise SigFollowError(verdict.message)
    now = time.time()
    webhook = Webhook(url=url, enabled=False, paused=False, created_at=now, updated_at=now)
    webhook.fields = fields
    session.add(webhook)
    session.flush()
    return webhook


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFoundError(f"No webhook with id {webhook_id}; `webhooks list` shows the ids")
    return webhook


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def touch(webhook: Webhook) -> None:
    webhook.updated_at = time.time()
