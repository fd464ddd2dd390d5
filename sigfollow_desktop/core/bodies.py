"""Splitting an import file into bodies: one JSON body, a JSON array of bodies, or NDJSON.

Every body keeps the exact bytes it had in the file: an NDJSON line, or the slice of the file
an array element spans. Nothing is decoded and encoded again, so ``"L\\u00e9a"`` stays
``"L\\u00e9a"`` and a signature computed by the sender still matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.meta import (
    ParsedEvent,
    decode_utf8,
    parse_document,
    parse_json,
    position,
    read_value,
    refuse_lone_surrogates,
    skip_whitespace,
)

_BOM = b"\xef\xbb\xbf"
WHOLE_FILE = "the file"  # where a fault of the file itself, not of one body, is reported


@dataclass(frozen=True, slots=True)
class Item:
    """One body of an import file, or the reason it was refused."""

    where: str
    body: bytes
    parsed: ParsedEvent | None = None
    error: str | None = None


def _check(where: str, body: bytes, text: bytes | None = None) -> Item:
    """Classify ``body``; reasons point into ``text`` (the body itself unless given)."""
    try:
        return Item(where, body, parsed=parse_document(parse_json(body if text is None else text)))
    except PayloadError as exc:
        return Item(where, body, error=str(exc))


def _array_items(data: bytes) -> Iterator[Item]:
    """The elements of a JSON array, each as the exact bytes it spans in ``data``.

    A fault in the array itself (not JSON, or an element that cannot be read) refuses the whole
    file: what follows it cannot be told apart. A readable element that is not a Meta body is
    refused alone.
    """
    try:
        text = decode_utf8(data)
        items = _read_array(text)
    except PayloadError as exc:
        yield Item(WHOLE_FILE, data, error=str(exc))
        return
    yield from items


def _read_array(text: str) -> list[Item]:
    items: list[Item] = []
    pos = skip_whitespace(text, skip_whitespace(text, 0) + 1)  # past "["
    line, counted = 1, 0  # line of ``counted``, kept up to date without rescanning the text
    if text.startswith("]", pos):
        pos += 1  # an empty array
    else:
        while True:
            line, counted = line + text.count("\n", counted, pos), pos
            where = f"item {len(items) + 1} (line {line})"
            try:
                value, end = read_value(text, pos)
            except PayloadError as exc:
                raise PayloadError(f"{where}: {exc}") from None
            items.append(_element(where, text, value, pos, end))
            pos = skip_whitespace(text, end)
            if text.startswith(",", pos):
                pos = skip_whitespace(text, pos + 1)
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                raise PayloadError(
                    f"not valid JSON (expected , or ] after item {len(items)} "
                    f"at {position(text, pos)})"
                )
    rest = skip_whitespace(text, pos)
    if rest != len(text):
        raise PayloadError(f"not valid JSON (text after the array at {position(text, rest)})")
    return items


def _element(where: str, text: str, value: object, start: int, end: int) -> Item:
    body = text[start:end].encode("utf-8")  # decoding was strict: these are the file's bytes
    try:
        refuse_lone_surrogates(value, text, start, end)
        return Item(where, body, parsed=parse_document(value))
    except PayloadError as exc:
        return Item(where, body, error=str(exc))


def split_bodies(data: bytes) -> Iterator[Item]:
    """Yield every body of ``data``; each keeps the exact bytes it has in ``data``."""
    data = data.removeprefix(_BOM)
    stripped = data.strip()
    if stripped.startswith(b"["):
        yield from _array_items(data)
        return
    lines = stripped.split(b"\n")
    if len(lines) > 1 and stripped.startswith(b"{") and not lines[0].rstrip().endswith(b"}"):
        # One pretty-printed object rather than NDJSON.
        yield _check(WHOLE_FILE, stripped, text=data)
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        body = line.strip()
        if body:
            yield _check(f"line {number}", body)
