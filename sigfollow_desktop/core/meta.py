"""Meta WhatsApp Business webhook bodies: which field a body belongs to and its identity.

SigFollow forwards bodies byte for byte; this module only reads them to decide the field
(``statuses`` / ``messages`` / ``template_status``) and the ids used to store each event once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.fields import Field

WABA_OBJECT = "whatsapp_business_account"
_TEMPLATE_FIELDS = {"message_template_status_update", "template_status"}


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """What intake needs to know about one body."""

    field: Field
    dedupe_key: str
    ids: tuple[str, ...]
    summary: str


def _as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise PayloadError(f"{what} must be a non-empty list")
    return value


def _as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be a JSON object")
    return value


def _text(item: dict[str, Any], key: str, what: str) -> str:
    value = item.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise PayloadError(f"{what} has no `{key}`")
    return str(value)


def _statuses(value: dict[str, Any], where: str) -> tuple[list[str], str]:
    parts, last = [], ""
    for index, status in enumerate(_as_list(value["statuses"], f"{where}.statuses")):
        what = f"{where}.statuses[{index}]"
        status = _as_object(status, what)
        state = _text(status, "status", what)
        parts.append(f"{_text(status, 'id', what)}#{state}")
        last = f"{state} for {status.get('recipient_id', '?')}"
    return parts, last


def _messages(value: dict[str, Any], where: str) -> tuple[list[str], str]:
    parts, last = [], ""
    for index, message in enumerate(_as_list(value["messages"], f"{where}.messages")):
        what = f"{where}.messages[{index}]"
        message = _as_object(message, what)
        parts.append(_text(message, "id", what))
        last = f"{message.get('type', 'message')} from {message.get('from', '?')}"
    return parts, last


def _template(value: dict[str, Any], entry: dict[str, Any], where: str) -> tuple[list[str], str]:
    template_id = _text(value, "message_template_id", where)
    event = _text(value, "event", where)
    name = value.get("message_template_name", template_id)
    return [f"{template_id}#{event}#{entry.get('time', '')}"], f"{name} {event}"


def _classify(
    change: dict[str, Any], entry: dict[str, Any], where: str
) -> tuple[Field, list[str], str]:
    field_name = change.get("field")
    value = _as_object(change.get("value"), f"{where}.value")
    if field_name in _TEMPLATE_FIELDS:
        return ("template_status", *_template(value, entry, f"{where}.value"))
    if field_name != "messages":
        raise PayloadError(
            f"{where}.field is {json.dumps(field_name)}; SigFollow delivers "
            '"messages" (statuses and inbound messages) and "message_template_status_update"'
        )
    has_statuses, has_messages = "statuses" in value, "messages" in value
    if has_statuses == has_messages:
        raise PayloadError(
            f"{where}.value must carry either `statuses` or `messages`"
            + (", not both" if has_statuses else "")
        )
    if has_statuses:
        return ("statuses", *_statuses(value, f"{where}.value"))
    return ("messages", *_messages(value, f"{where}.value"))


def parse_json(body: bytes) -> Any:
    """Decode a body as JSON, with a reason a person can act on."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


def parse_document(document: Any) -> ParsedEvent:
    """Classify an already decoded body."""
    document = _as_object(document, "the body")
    if document.get("object") != WABA_OBJECT:
        raise PayloadError(f'`object` must be "{WABA_OBJECT}"; this is not a Meta WhatsApp webhook')
    fields: set[Field] = set()
    parts: list[str] = []
    summary = ""
    for i, entry in enumerate(_as_list(document.get("entry"), "`entry`")):
        entry = _as_object(entry, f"entry[{i}]")
        for j, change in enumerate(_as_list(entry.get("changes"), f"entry[{i}].changes")):
            where = f"entry[{i}].changes[{j}]"
            field, ids, summary = _classify(_as_object(change, where), entry, where)
            fields.add(field)
            parts.extend(ids)
    if len(fields) > 1:
        raise PayloadError(
            f"the body mixes {' and '.join(sorted(fields))} events; send one field per body"
        )
    (field,) = fields
    unique_ids = tuple(sorted(set(parts)))
    digest = hashlib.sha256("\n".join(unique_ids).encode()).hexdigest()[:40]
    return ParsedEvent(field=field, dedupe_key=f"{field}:{digest}", ids=unique_ids, summary=summary)


def parse_body(body: bytes) -> ParsedEvent:
    """Classify a raw body; raises :class:`PayloadError` with the reason when it is not one."""
    return parse_document(parse_json(body))
