"""Meta WhatsApp Business webhook bodies: which field a body belongs to and its identity.

SigFollow forwards bodies byte for byte; this module only reads them to decide the field
(``statuses`` / ``messages`` / ``template_status``) and the ids used to store each event once.

Reading is strict where Meta is: JSON without ``NaN`` or ``Infinity``, Unicode text without lone
surrogates. What Python's decoder cannot take (nesting deeper than its recursion limit, an
integer longer than its digit limit) is refused with a reason rather than an exception.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn

import msgspec

from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.fields import Field

WABA_OBJECT = "whatsapp_business_account"
_TEMPLATE_FIELDS = {"message_template_status_update", "template_status"}
_SHOWN_CHARS = 40  # of a bad value quoted in a reason


class ParsedEvent(NamedTuple):
    """What intake needs to know about one body (a named tuple: made for every body received,
    and a frozen dataclass took as long to build as the rest of the classification)."""

    field: Field
    dedupe_key: str
    ids: tuple[str, ...]
    summary: str
    # What a person may search the event by (see :func:`search_keys`).
    keys: tuple[str, ...] = ()


# Reading JSON ---------------------------------------------------------------------------------


class _Constant(Exception):
    """``NaN``, ``Infinity`` or ``-Infinity`` met by the decoder."""


def _refuse_constant(name: str) -> NoReturn:
    raise _Constant(name)


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_FAST_DECODER = msgspec.json.Decoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A string literal, or one of the constants outside strings.
_CONSTANT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.S)
# Any surrogate escape: then the decoded strings tell a pair from a lone half.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def skip_whitespace(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def position(text: str, pos: int) -> str:
    """``line L column C`` of a character position (``column C`` in one-line text)."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if line == 1 and "\n" not in text:
        return f"column {column}"
    return f"line {line} column {column}"


def _constant_at(text: str, start: int) -> int:
    for match in _CONSTANT_TOKEN.finditer(text, start):
        if match.group(1):
            return match.start(1)
    return start


def read_value(text: str, start: int) -> tuple[Any, int]:
    """Decode the JSON value that begins at ``text[start]``; return it and where it ends.

    Raises :class:`PayloadError` with the place in ``text`` when it is not JSON.
    """
    try:
        return _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at {position(text, exc.pos)}"
    except _Constant as exc:
        at = position(text, _constant_at(text, start))
        reason = f"{exc} at {at}; JSON has no NaN or Infinity and Meta never sends them"
    except RecursionError:
        reason = f"arrays or objects nested too deeply, from {position(text, start)}"
    except ValueError:  # int() refused a number longer than the interpreter's digit limit
        limit = sys.get_int_max_str_digits()
        long_number = re.compile(rf"[0-9]{{{limit + 1},}}").search(text, start)
        at = position(text, long_number.start() if long_number else start)
        reason = f"a number of more than {limit} digits at {at}"
    raise PayloadError(f"not valid JSON ({reason})")


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded document, keys included, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refuse_lone_surrogates(value: Any, text: str, start: int = 0, end: int | None = None) -> None:
    """Refuse a document with a ``\\ud800``-style escape that is not half of a pair.

    Such a string is not Unicode text: strict receivers reject it and it cannot be encoded.
    """
    if not _SURROGATE_ESCAPE.search(text, start, len(text) if end is None else end):
        return
    for string in _strings(value):
        found = _SURROGATE.search(string)
        if found:
            raise PayloadError(
                f"a string holds a lone surrogate \\u{ord(found.group()):04x}, "
                "which is not Unicode text (Meta never sends one)"
            )


def decode_utf8(data: bytes) -> str:
    """``data`` as text, or the reason and place it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        at = f"line {line} byte {column}" if b"\n" in data else f"byte {column}"
        raise PayloadError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at {at})"
        ) from None


def parse_json(body: bytes) -> Any:
    """Decode a body as JSON, with a reason a person can act on.

    msgspec's decoder reads it first: it accepts only what the strict reading below accepts
    (no ``NaN``, no lone surrogates, no integer over the interpreter's digit limit, UTF-8 only)
    and gives the same values, in a third of the time. Whatever it refuses is read again below,
    which says why, or accepts what msgspec cannot hold (``1e999`` is infinity for Python).
    """
    try:
        return _FAST_DECODER.decode(body)
    except (msgspec.MsgspecError, RecursionError, UnicodeDecodeError, ValueError):
        return _parse_json_strictly(body)


def _parse_json_strictly(body: bytes) -> Any:
    text = decode_utf8(body)
    start = skip_whitespace(text, 0)
    value, end = read_value(text, start)
    rest = skip_whitespace(text, end)
    if rest != len(text):
        raise PayloadError(f"not valid JSON (text after the JSON value at {position(text, rest)})")
    refuse_lone_surrogates(value, text, start, end)
    return value


# Search keys ----------------------------------------------------------------------------------

MAX_KEY_CHARS = 200  # longer is no Meta id nor phone number: not indexed
_PHONE = re.compile(r"\+?\(?[0-9][0-9 ().-]*")
_NOT_DIGIT = re.compile(r"[^0-9]")


def phone_key(text: str) -> str:
    """A phone number as its digits (``+1 555-0100`` and ``15550100`` are one key); any other
    text as it is."""
    text = text.strip()
    if _PHONE.fullmatch(text):
        return _NOT_DIGIT.sub("", text)
    return text


def _key(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    key = str(value).strip()
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        return None
    return key


def _items(value: Any, name: str) -> list[Any]:
    found = value.get(name) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def search_keys(document: Any) -> tuple[str, ...]:
    """What a person may search an event by: its Meta ids (the wamid of each status and
    message, the template id) and the phone numbers in it (a status's ``recipient_id``, a
    message's ``from``, a contact's ``wa_id``), each phone number as its digits.

    Reads a decoded body defensively (the store's migration reads bodies stored by older
    versions): what is not where Meta puts it is left out.
    """
    ids: set[str | None] = set()
    phones: set[str | None] = set()
    for entry in _items(document, "entry"):
        for change in _items(entry, "changes"):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            ids.add(_key(value.get("message_template_id")))
            for status in _items(value, "statuses"):
                if isinstance(status, dict):
                    ids.add(_key(status.get("id")))
                    phones.add(_key(status.get("recipient_id")))
            for message in _items(value, "messages"):
                if isinstance(message, dict):
                    ids.add(_key(message.get("id")))
                    phones.add(_key(message.get("from")))
            for contact in _items(value, "contacts"):
                if isinstance(contact, dict):
                    phones.add(_key(contact.get("wa_id")))
    keys = {key for key in ids if key}
    keys.update(phone_key(phone) for phone in phones if phone)
    keys.discard("")
    return tuple(sorted(keys))


# Classifying ----------------------------------------------------------------------------------
#
# Where a fault is ("entry[0].changes[1].value.statuses[2]") is written only when there is one:
# the intake classifies every body it accepts, and formatting places it never shows cost a
# third of the time.


def _place(i: int, j: int, rest: str = "") -> str:
    return f"entry[{i}].changes[{j}]{rest}"


def _shown(value: Any) -> str:
    shown = json.dumps(value) if isinstance(value, str | int | float | bool | None) else "…"
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"


def _not_list(what: str) -> PayloadError:
    return PayloadError(f"{what} must be a non-empty list")


def _not_object(what: str) -> PayloadError:
    return PayloadError(f"{what} must be a JSON object")


def _text(item: dict[str, Any], key: str, where: Callable[[], str]) -> str:
    value = item.get(key)
    if value.__class__ is str and value:
        return value
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise PayloadError(f"{where()} has no `{key}`")
    return str(value)


def _statuses(value: dict[str, Any], i: int, j: int) -> tuple[list[str], str]:
    statuses = value["statuses"]
    if not isinstance(statuses, list) or not statuses:
        raise _not_list(_place(i, j, ".value.statuses"))
    parts, last = [], ""
    for index, status in enumerate(statuses):

        def where(index: int = index) -> str:
            return _place(i, j, f".value.statuses[{index}]")

        if not isinstance(status, dict):
            raise _not_object(where())
        state = _text(status, "status", where)
        parts.append(f"{_text(status, 'id', where)}#{state}")
        last = f"{state} for {status.get('recipient_id', '?')}"
    return parts, last


def _messages(value: dict[str, Any], i: int, j: int) -> tuple[list[str], str]:
    messages = value["messages"]
    if not isinstance(messages, list) or not messages:
        raise _not_list(_place(i, j, ".value.messages"))
    parts, last = [], ""
    for index, message in enumerate(messages):

        def where(index: int = index) -> str:
            return _place(i, j, f".value.messages[{index}]")

        if not isinstance(message, dict):
            raise _not_object(where())
        parts.append(_text(message, "id", where))
        last = f"{message.get('type', 'message')} from {message.get('from', '?')}"
    return parts, last


def _template(
    value: dict[str, Any], entry: dict[str, Any], i: int, j: int
) -> tuple[list[str], str]:
    def where() -> str:
        return _place(i, j, ".value")

    template_id = _text(value, "message_template_id", where)
    event = _text(value, "event", where)
    name = value.get("message_template_name", template_id)
    return [f"{template_id}#{event}#{entry.get('time', '')}"], f"{name} {event}"


def _classify(change: Any, entry: dict[str, Any], i: int, j: int) -> tuple[Field, list[str], str]:
    if not isinstance(change, dict):
        raise _not_object(_place(i, j))
    field_name = change.get("field")
    value = change.get("value")
    if not isinstance(value, dict):
        raise _not_object(_place(i, j, ".value"))
    if field_name in _TEMPLATE_FIELDS:
        return ("template_status", *_template(value, entry, i, j))
    if field_name != "messages":
        raise PayloadError(
            f"{_place(i, j)}.field is {_shown(field_name)}; SigFollow delivers "
            '"messages" (statuses and inbound messages) and "message_template_status_update"'
        )
    has_statuses, has_messages = "statuses" in value, "messages" in value
    if has_statuses == has_messages:
        raise PayloadError(
            f"{_place(i, j)}.value must carry either `statuses` or `messages`"
            + (", not both" if has_statuses else "")
        )
    if has_statuses:
        return ("statuses", *_statuses(value, i, j))
    return ("messages", *_messages(value, i, j))


def parse_document(document: Any) -> ParsedEvent:
    """Classify an already decoded body."""
    if not isinstance(document, dict):
        raise _not_object("the body")
    if document.get("object") != WABA_OBJECT:
        raise PayloadError(f'`object` must be "{WABA_OBJECT}"; this is not a Meta WhatsApp webhook')
    entries = document.get("entry")
    if not isinstance(entries, list) or not entries:
        raise _not_list("`entry`")
    fields: set[Field] = set()
    parts: list[str] = []
    summary = ""
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _not_object(f"entry[{i}]")
        changes = entry.get("changes")
        if not isinstance(changes, list) or not changes:
            raise _not_list(f"entry[{i}].changes")
        for j, change in enumerate(changes):
            field, ids, summary = _classify(change, entry, i, j)
            fields.add(field)
            parts.extend(ids)
    if len(fields) > 1:
        raise PayloadError(
            f"the body mixes {' and '.join(sorted(fields))} events; send one field per body"
        )
    (field,) = fields
    unique_ids = tuple(sorted(set(parts))) if len(parts) > 1 else tuple(parts)
    digest = hashlib.sha256("\n".join(unique_ids).encode()).hexdigest()[:40]
    return ParsedEvent(field, f"{field}:{digest}", unique_ids, summary, search_keys(document))


def parse_body(body: bytes) -> ParsedEvent:
    """Classify a raw body; raises :class:`PayloadError` with the reason when it is not one."""
    return parse_document(parse_json(body))
