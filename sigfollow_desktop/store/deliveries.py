"""Read-side queries over deliveries and their attempts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from sigfollow_desktop.core.errors import NotFoundError
from sigfollow_desktop.store.models import Delivery


def list_deliveries(
    session: Session,
    *,
    webhook_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> Sequence[Delivery]:
    query = select(Delivery).options(joinedload(Delivery.event)).order_by(Delivery.id.desc())
    if webhook_id is not None:
        query = query.where(Delivery.webhook_id == webhook_id)
    if status is not None:
        query = query.where(Delivery.status == status)
    return session.scalars(query.limit(limit)).all()


def get_delivery(session: Session, delivery_id: int) -> Delivery:
    query = (
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .options(joinedload(Delivery.event), selectinload(Delivery.attempts))
    )
    delivery = session.scalars(query).first()
    if delivery is None:
        raise NotFoundError(f"No delivery with id {delivery_id}; `deliveries list` shows the ids")
    return delivery


def count_by_status(session: Session, webhook_id: int | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if webhook_id is not None:
        query = query.where(Delivery.webhook_id == webhook_id)
    return {row[0]: row[1] for row in session.execute(query)}
