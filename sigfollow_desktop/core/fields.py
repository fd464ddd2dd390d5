"""The three event fields a webhook can subscribe to, with the guide's wording."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from sigfollow_desktop.core.errors import SigFollowError

Field = Literal["statuses", "messages", "template_status"]
FIELDS: tuple[Field, ...] = get_args(Field)


@dataclass(frozen=True, slots=True)
class FieldInfo:
    field: Field
    event: str
    description: str
    sensitive: bool = False


FIELD_INFO: dict[Field, FieldInfo] = {
    "statuses": FieldInfo(
        "statuses",
        "Message status",
        "sent / delivered / read / failed — the lifecycle of your outbound messages",
    ),
    "messages": FieldInfo(
        "messages",
        "Inbound messages",
        "Raw user messages in original Meta format (text, media ids, interactive replies)",
        sensitive=True,
    ),
    "template_status": FieldInfo(
        "template_status",
        "Template status",
        "Meta template review events (APPROVED / REJECTED / PAUSED / …)",
    ),
}

SENSITIVE_TITLE = "Sensitive events stream business content"
SENSITIVE_WARNING = (
    "Turning on Inbound messages means the actual text, media, and interactive replies your "
    "customers send are forwarded to your endpoint. Only subscribe to it if your receiver "
    "handles that data securely."
)

DEFAULT_FIELDS: tuple[Field, ...] = ("statuses", "template_status")


def parse_fields(text: str | Iterable[str]) -> tuple[Field, ...]:
    """Turn ``"statuses,messages"`` (or a list) into known fields in canonical order."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {item.strip() for item in items if item.strip()}
    unknown = sorted(wanted - set(FIELDS))
    if unknown:
        raise SigFollowError(
            f"Unknown event field {', '.join(unknown)}; choose from {', '.join(FIELDS)}"
        )
    return tuple(field for field in FIELDS if field in wanted)
