"""Splitting an import file into bodies: one JSON body, a JSON array of bodies, or NDJSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.meta import ParsedEvent, parse_document, parse_json


@dataclass(frozen=True, slots=True)
class Item:
    """One body of an import file, or the reason it was refused."""

    where: str
    body: bytes
    parsed: ParsedEvent | None = None
    error: str | None = None


def _check(where: str, body: bytes) -> Item:
    try:
        return Item(where, body, parsed=parse_document(parse_json(body)))
    except PayloadError as exc:
        return Item(where, body, error=str(exc))


def _array_items(data: bytes) -> Iterator[Item]:
    try:
        documents = parse_json(data)
    except PayloadError as exc:
        yield Item("the file", data, error=str(exc))
        return
    for index, document in enumerate(documents, start=1):
        # Array elements have no bytes of their own: they are stored compact, as Meta sends.
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            yield Item(f"item {index}", body, parsed=parse_document(document))
        except PayloadError as exc:
            yield Item(f"item {index}", body, error=str(exc))


def split_bodies(data: bytes) -> Iterator[Item]:
    """Yield every body of ``data``; NDJSON lines keep their exact bytes."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    stripped = data.strip()
    if stripped.startswith(b"["):
        yield from _array_items(stripped)
        return
    lines = stripped.split(b"\n")
    if len(lines) > 1 and stripped.startswith(b"{") and not lines[0].rstrip().endswith(b"}"):
        # One pretty-printed object rather than NDJSON.
        yield _check("the file", stripped)
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        body = line.strip()
        if body:
            yield _check(f"line {number}", body)
