"""Realistic Meta-shaped webhook bodies for trying the product (``events simulate``)."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from typing import Any

from sigfollow_desktop.core.fields import FIELDS, Field

_WABA_ID = "102290129340398"
_METADATA = {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}
_NAMES = ["Pablo M.", "Sheena Nelson", "Aiko Tanaka", "Jonas Berg", "Priya Raman", "Léa Martin"]
_TEXTS = [
    "Does it come in another color?",
    "Where is my order?",
    "Can I change the delivery address?",
    "Thanks, received it today!",
    "Is the store open on Sunday?",
]
_STATUSES = ["sent", "delivered", "read", "failed"]
_TEMPLATE_EVENTS = [("APPROVED", "NONE"), ("REJECTED", "INVALID_FORMAT"), ("PAUSED", "NONE")]
_TEMPLATES = ["order_confirmation", "shipping_update", "appointment_reminder", "welcome_offer"]


def _wamid(rng: random.Random) -> str:
    return "wamid." + base64.b64encode(rng.randbytes(30)).decode()


def _phone(rng: random.Random) -> str:
    return f"1650555{rng.randrange(10_000):04d}"


def _envelope(value: dict[str, Any], field: str, **entry: Any) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": _WABA_ID, **entry, "changes": [{"value": value, "field": field}]}],
    }


def _status(rng: random.Random, now: int) -> dict[str, Any]:
    phone, state = _phone(rng), rng.choice(_STATUSES)
    status: dict[str, Any] = {
        "id": _wamid(rng),
        "status": state,
        "timestamp": str(now),
        "recipient_id": phone,
        "pricing": {
            "billable": True,
            "pricing_model": "PMP",
            "type": "regular",
            "category": rng.choice(["marketing", "utility", "service"]),
        },
    }
    if state == "failed":
        status["errors"] = [
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message could not be delivered to the recipient."},
            }
        ]
    contact = {"profile": {"name": rng.choice(_NAMES)}, "wa_id": phone}
    value = {
        "messaging_product": "whatsapp",
        "metadata": _METADATA,
        "contacts": [contact],
        "statuses": [status],
    }
    return _envelope(value, "messages")


def _message(rng: random.Random, now: int) -> dict[str, Any]:
    phone = _phone(rng)
    message: dict[str, Any] = {"from": phone, "id": _wamid(rng), "timestamp": str(now)}
    kind = rng.choice(["text", "text", "image", "interactive"])
    message["type"] = kind
    if kind == "text":
        message["text"] = {"body": rng.choice(_TEXTS)}
    elif kind == "image":
        message["image"] = {
            "id": str(rng.randrange(10**15, 10**16)),
            "mime_type": "image/jpeg",
            "sha256": base64.b64encode(rng.randbytes(32)).decode(),
        }
    else:
        message["interactive"] = {
            "type": "button_reply",
            "button_reply": {"id": "track_order", "title": "Track order"},
        }
    contact = {"profile": {"name": rng.choice(_NAMES)}, "wa_id": phone}
    value = {
        "messaging_product": "whatsapp",
        "metadata": _METADATA,
        "contacts": [contact],
        "messages": [message],
    }
    return _envelope(value, "messages")


def _template(rng: random.Random, now: int) -> dict[str, Any]:
    event, reason = rng.choice(_TEMPLATE_EVENTS)
    value = {
        "event": event,
        "message_template_id": rng.randrange(10**15, 10**16),
        "message_template_name": rng.choice(_TEMPLATES),
        "message_template_language": "en_US",
        "reason": reason,
        "message_template_category": "UTILITY",
    }
    return _envelope(value, "message_template_status_update", time=now)


_MAKERS = {"statuses": _status, "messages": _message, "template_status": _template}


def simulated_bodies(
    count: int,
    fields: tuple[Field, ...] = FIELDS,
    seed: int | None = None,
    now: int = 1_750_000_000,
) -> Iterator[bytes]:
    """Yield ``count`` compact JSON bodies, cycling through ``fields``."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    for index in range(count):
        field = fields[index % len(fields)]
        document = _MAKERS[field](rng, now + index)
        yield json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
