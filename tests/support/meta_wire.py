"""How Meta writes webhook bodies, written out independently of the product's encoder.

``php_json`` is a character-by-character rendering of what Meta's PHP-style ``json_encode``
produces (compact, ASCII only, ``\\/``, lowercase ``\\uXXXX``), used as the oracle for the
bodies the product makes. ``REFERENCE`` holds the hand-written reference bodies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).parent / "meta_bodies" / "reference.ndjson"
REFERENCE: list[bytes] = REFERENCE_FILE.read_bytes().splitlines()

_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_SHORT |= {"\r": "\\r", "\t": "\\t", "@": "\\u0040", "%": "\\u0025", "<": "\\u003C"}


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT:
            out.append(_SHORT[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif code < 0x80:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:  # UTF-16 surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    out.append('"')
    return "".join(out)


def php_json(value: Any) -> str:
    """``value`` as Meta writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(php_json(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_string(key)}:{php_json(item)}" for key, item in value.items())
        return "{" + ",".join(pairs) + "}"
    raise TypeError(f"not a JSON value: {value!r}")


def kind_of(document: dict[str, Any]) -> tuple[str, str]:
    """The field and the kind of event of a decoded single-change body."""
    value = document["entry"][0]["changes"][0]["value"]
    if "statuses" in value:
        return "statuses", value["statuses"][0]["status"]
    if "messages" in value:
        message = value["messages"][0]
        if message["type"] == "interactive":
            return "messages", "interactive/" + message["interactive"]["type"]
        return "messages", message["type"]
    return "template_status", value["event"]


def key_orders(value: Any, path: str = "$") -> dict[str, list[str]]:
    """Every object's keys in order, by path (list items share their list's path)."""
    orders: dict[str, list[str]] = {}
    if isinstance(value, dict):
        orders[path] = list(value)
        for key, item in value.items():
            orders |= key_orders(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            for sub, keys in key_orders(item, f"{path}[]").items():
                orders.setdefault(sub, keys)
    return orders


def order_faults(body: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Where ``body``'s keys are not a subsequence, in order, of ``reference``'s at each path."""
    faults = []
    expected = key_orders(reference)
    for path, keys in key_orders(body).items():
        allowed = expected.get(path)
        if allowed is None:
            faults.append(f"{path} is not in the reference")
            continue
        positions = [allowed.index(key) if key in allowed else -1 for key in keys]
        if -1 in positions or positions != sorted(positions):
            faults.append(f"{path}: {keys} against the reference's {allowed}")
    return faults


def reference_by_kind() -> dict[tuple[str, str], dict[str, Any]]:
    return {kind_of(doc): doc for doc in (json.loads(body) for body in REFERENCE)}
