"""Realistic Meta webhook bodies for trying the product (``events simulate``).

Each body has the shape of Meta's WhatsApp Cloud API webhook reference (key order included)
and the bytes Meta would send for it (:mod:`sigfollow_desktop.core.meta_json`). Every kind
of event comes round in turn, so any run of a few dozen events has all of them:

- ``messages``: text, image and audio (media ids), interactive replies (``button_reply``,
  ``list_reply``), quick-reply buttons (``button``), reactions and locations;
- ``statuses``: sent, delivered, read and failed, with the pricing (and, for free entry point
  conversations, conversation) blocks Meta sends with each;
- ``template_status``: APPROVED, REJECTED, PAUSED and DISABLED, with reason and category.

Users carry a business-scoped user id (``user_id``) beside their phone number (``wa_id``).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sigfollow_desktop.core.fields import FIELDS, Field
from sigfollow_desktop.core.meta_json import meta_json

MESSAGE_KINDS = (
    "text",
    "image",
    "audio",
    "interactive/button_reply",
    "interactive/list_reply",
    "button",
    "reaction",
    "location",
)
STATUS_KINDS = ("sent", "delivered", "read", "failed")
TEMPLATE_KINDS = ("APPROVED", "REJECTED", "PAUSED", "DISABLED")
KINDS: dict[Field, tuple[str, ...]] = {
    "messages": MESSAGE_KINDS,
    "statuses": STATUS_KINDS,
    "template_status": TEMPLATE_KINDS,
}

_WABA_ID = "102290129340398"
_DISPLAY_PHONE = "15550783881"
_METADATA = {"display_phone_number": _DISPLAY_PHONE, "phone_number_id": "106540352242922"}
# Name, BSUID country, phone prefix: names with accents, other scripts and none.
_PEOPLE = [
    ("Sheena Nelson", "US", "1650555"),
    ("Pablo M.", "ES", "3461"),
    ("Léa Martin", "FR", "3361"),
    ("Jürgen Groß", "DE", "49151"),
    ("Zoë Ødegård", "NO", "4791"),
    ("Ayşe Yılmaz", "TR", "90532"),
    ("山田 花子", "JP", "8190"),
    ("Priya Raman", "IN", "9198"),
    ("José Álvarez", "MX", "52155"),
    ("Aiko Tanaka", "JP", "8180"),
]
_TEXTS = [
    "Does it come in another color?",
    "Where is my order?",
    "Can I pick it up on 12/06 instead?",
    "Je l'ai reçu aujourd'hui, merci !",
    "¿Tienen envío a Mallorca?",
    "Danke, alles angekommen 👍",
    "配送はいつですか？",
    "Is the store open on Sunday?",
]
_CAPTIONS = ["Taj Mahal", "The scratch on the box", "Größe M, bitte", "Reçu 📦"]
_BUTTONS = [
    ("track_order", "Track order"),
    ("talk_to_agent", "Talk to an agent"),
    ("cancel", "Cancel"),
]
_ROWS = [
    ("priority_express", "Priority Mail Express", "Next Day to 2 Days"),
    ("standard", "Standard shipping", "3–5 business days"),
    ("pickup", "Pick up in store", "Ready in 2 hours"),
]
_QUICK_REPLIES = ["Unsubscribe", "Yes, confirm", "Reschedule"]
_EMOJIS = ["👍", "❤️", "😂", "🙏", "😮"]
_PLACES = [
    ("Philz Coffee", "101 Forest Ave, Palo Alto, CA 94301", 37.44221496582, -122.16157531738),
    ("Café de Flore", "172 Bd Saint-Germain, 75006 Paris", 48.85413, 2.33262),
    ("Markthalle Neun", "Eisenbahnstraße 42/43, 10997 Berlin", 52.50236, 13.43199),
]
_PRICING = [  # pricing type, billable, categories
    ("regular", True, ("marketing", "utility", "authentication")),
    ("free_customer_service", False, ("service", "utility")),
    ("free_entry_point", False, ("referral_conversion",)),
]
_ERRORS = [
    (131026, "Message undeliverable", "Message Undeliverable."),
    (
        131047,
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    (
        131049,
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
]
_ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
_TEMPLATES = ["order_confirmation", "shipping_update", "appointment_reminder", "welcome_offer"]
_LANGUAGES = ["en_US", "fr", "de", "es_MX", "pt_BR"]
_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"]
_REJECTIONS = ["INVALID_FORMAT", "INCORRECT_CATEGORY", "ABUSIVE_CONTENT", "TAG_CONTENT_MISMATCH"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_PAUSES = [("FIRST_PAUSE", 3, "had issues"), ("SECOND_PAUSE", 6, "continued to have issues")]


@dataclass(frozen=True, slots=True)
class Simulated:
    """One simulated event: its field, which kind of event it is, and its bytes."""

    field: Field
    kind: str
    body: bytes


@dataclass(frozen=True, slots=True)
class _User:
    name: str
    wa_id: str
    user_id: str


def _user(rng: random.Random) -> _User:
    name, country, prefix = rng.choice(_PEOPLE)
    phone = prefix + "".join(rng.choices("0123456789", k=12 - len(prefix)))
    bsuid = f"{country}.{rng.randrange(10**19, 10**20)}"
    return _User(name, phone, bsuid)


def _wamid(rng: random.Random) -> str:
    return "wamid." + base64.b64encode(rng.randbytes(30)).decode()


def _media_id(rng: random.Random) -> str:
    return str(rng.randrange(10**15, 10**16))


def _contact(user: _User) -> dict[str, Any]:
    return {"profile": {"name": user.name}, "wa_id": user.wa_id, "user_id": user.user_id}


def _messages_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": _WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


# Inbound messages ----------------------------------------------------------------------------


def _media(rng: random.Random, mime_type: str) -> dict[str, Any]:
    return {
        "mime_type": mime_type,
        "sha256": base64.b64encode(rng.randbytes(32)).decode(),
        "id": _media_id(rng),
    }


def _message_content(rng: random.Random, kind: str, now: int) -> dict[str, Any]:
    """The part of a message after ``timestamp``, in Meta's order for that kind."""
    if kind == "text":
        return {"type": "text", "text": {"body": rng.choice(_TEXTS)}}
    if kind == "image":
        media = _media(rng, "image/jpeg")
        url = (
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/"
            f"?mid={media['id']}&ext={now}&hash=ATu{rng.randbytes(12).hex()}"
        )
        return {"type": "image", "image": {"caption": rng.choice(_CAPTIONS), **media, "url": url}}
    if kind == "audio":
        return {"type": "audio", "audio": {**_media(rng, "audio/ogg; codecs=opus"), "voice": True}}
    if kind == "interactive/button_reply":
        button_id, title = rng.choice(_BUTTONS)
        reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
        return {"type": "interactive", "interactive": reply}
    if kind == "interactive/list_reply":
        row_id, title, description = rng.choice(_ROWS)
        row = {"id": row_id, "title": title, "description": description}
        return {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": row}}
    if kind == "button":
        label = rng.choice(_QUICK_REPLIES)
        return {"type": "button", "button": {"payload": label, "text": label}}
    if kind == "reaction":
        reaction = {"message_id": _wamid(rng), "emoji": rng.choice(_EMOJIS)}
        return {"type": "reaction", "reaction": reaction}
    if kind == "location":
        name, address, latitude, longitude = rng.choice(_PLACES)
        place = {
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "name": name,
            "url": f"https://maps.google.com/?q={latitude},{longitude}",
        }
        return {"location": place, "type": "location"}
    raise ValueError(f"unknown message kind {kind!r}")


def _message(rng: random.Random, kind: str, now: int) -> dict[str, Any]:
    user = _user(rng)
    message: dict[str, Any] = {}
    if kind.startswith("interactive/") or kind == "button":
        # A reply to the business's message carries that message as context, first.
        message["context"] = {"from": _DISPLAY_PHONE, "id": _wamid(rng)}
    message.update(
        {"from": user.wa_id, "from_user_id": user.user_id, "id": _wamid(rng), "timestamp": str(now)}
    )
    message.update(_message_content(rng, kind, now))
    value = {
        "messaging_product": "whatsapp",
        "metadata": dict(_METADATA),
        "contacts": [_contact(user)],
        "messages": [message],
    }
    return _messages_envelope(value)


# Statuses ------------------------------------------------------------------------------------


def _status(rng: random.Random, kind: str, now: int) -> dict[str, Any]:
    user = _user(rng)
    status: dict[str, Any] = {
        "id": _wamid(rng),
        "status": kind,
        "timestamp": str(now),
        "recipient_id": user.wa_id,
    }
    if kind == "failed":
        code, title, details = rng.choice(_ERRORS)
        error = {
            "code": code,
            "title": title,
            "message": title,
            "error_data": {"details": details},
            "href": _ERROR_CODES_URL,
        }
        status["errors"] = [error]
        # A failed status names no contact (Meta omits it).
        value = {"messaging_product": "whatsapp", "metadata": dict(_METADATA), "statuses": [status]}
        return _messages_envelope(value)
    status["recipient_user_id"] = user.user_id
    if kind in ("sent", "delivered"):  # Meta prices a message on sent and on one later status
        pricing_type, billable, categories = rng.choice(_PRICING)
        category = rng.choice(categories)
        if pricing_type == "free_entry_point":  # only these still carry a conversation
            conversation: dict[str, Any] = {"id": rng.randbytes(16).hex()}
            if kind == "sent":
                conversation["expiration_timestamp"] = str(now + 72 * 3600)
            conversation["origin"] = {"type": category}
            status["conversation"] = conversation
        status["pricing"] = {
            "billable": billable,
            "pricing_model": "PMP",
            "type": pricing_type,
            "category": category,
        }
    value = {
        "messaging_product": "whatsapp",
        "metadata": dict(_METADATA),
        "contacts": [_contact(user)],
        "statuses": [status],
    }
    return _messages_envelope(value)


# Template reviews ----------------------------------------------------------------------------


def _template(rng: random.Random, kind: str, now: int) -> dict[str, Any]:
    value: dict[str, Any] = {
        "event": kind,
        "message_template_id": rng.randrange(10**15, 10**16),
        "message_template_name": rng.choice(_TEMPLATES),
        "message_template_language": rng.choice(_LANGUAGES),
        "reason": "NONE",
        "message_template_category": rng.choice(_CATEGORIES),
    }
    if kind == "REJECTED":
        value["reason"] = rng.choice(_REJECTIONS)
        if value["reason"] == "INVALID_FORMAT":
            value["rejection_info"] = {
                "reason": "Variable parameters are missing or have mismatched curly braces.",
                "recommendation": "Write each variable as {{1}}, {{2}} and so on, in order.",
            }
    elif kind == "PAUSED":
        title, hours, why = rng.choice(_PAUSES)
        until = datetime.fromtimestamp(now + hours * 3600, UTC)
        month = _MONTHS[until.month - 1]  # not strftime: Qt sets the locale
        clock = f"{until.hour % 12 or 12}:{until.minute:02d} {'AM' if until.hour < 12 else 'PM'}"
        value["other_info"] = {
            "title": title,
            "description": f"Your WhatsApp message template has been paused for {hours} hours "
            f"until {month} {until.day} at {clock} UTC "
            f"because it {why}.",
        }
    elif kind == "DISABLED":
        value["disable_info"] = {"disable_date": now}
    # Meta writes template events with the entry first and the object last.
    return {
        "entry": [
            {
                "id": _WABA_ID,
                "time": now,
                "changes": [{"value": value, "field": "message_template_status_update"}],
            }
        ],
        "object": "whatsapp_business_account",
    }


_MAKERS: dict[Field, Callable[[random.Random, str, int], dict[str, Any]]] = {
    "statuses": _status,
    "messages": _message,
    "template_status": _template,
}


def simulated_events(
    count: int,
    fields: tuple[Field, ...] = FIELDS,
    seed: int | None = None,
    now: int = 1_750_000_000,
) -> Iterator[Simulated]:
    """Yield ``count`` events, cycling through ``fields`` and, within each, through its kinds."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    for index in range(count):
        field = fields[index % len(fields)]
        kinds = KINDS[field]
        kind = kinds[(index // len(fields)) % len(kinds)]
        yield Simulated(field, kind, meta_json(_MAKERS[field](rng, kind, now + index)))


def simulated_bodies(
    count: int,
    fields: tuple[Field, ...] = FIELDS,
    seed: int | None = None,
    now: int = 1_750_000_000,
) -> Iterator[bytes]:
    """Yield ``count`` bodies, byte for byte as Meta would send them."""
    for event in simulated_events(count, fields, seed, now):
        yield event.body
