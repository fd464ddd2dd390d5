"""HTTP headers as they travel: names and values in their order, and how they are stored.

A header set is a tuple of ``(name, value)`` pairs, names in the case they were written,
duplicates kept. HTTP header bytes are Latin-1 at most, so decoding them as Latin-1 keeps
every byte: ``name.encode("latin-1")`` gives back what was on the wire.

Stored with an attempt as JSON, an array of ``[name, value]`` arrays. The answer's headers
come from the receiver, which is not trusted: at most :data:`ANSWER_HEADERS_KEPT` bytes of
them are kept, whole headers in their order, and the count of those left out is stored too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

HeaderPairs = tuple[tuple[str, str], ...]

ANSWER_HEADERS_KEPT = 8 * 1024  # bytes, counted as on the wire ("Name: value\r\n")


def from_raw(raw: Iterable[tuple[bytes, bytes]]) -> HeaderPairs:
    """Pairs of bytes (httpx's ``Headers.raw``) as text, byte for byte (Latin-1)."""
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)


def wire_size(name: str, value: str) -> int:
    """The bytes of one header line: ``Name: value`` and CR LF."""
    return len(name) + len(value) + 4


def capped(pairs: HeaderPairs, limit: int = ANSWER_HEADERS_KEPT) -> tuple[HeaderPairs, int]:
    """The first headers that fit in ``limit`` bytes, and how many did not fit.

    Whole headers only, in their order: the first that does not fit ends the kept ones.
    """
    used = 0
    for index, (name, value) in enumerate(pairs):
        used += wire_size(name, value)
        if used > limit:
            return pairs[:index], len(pairs) - index
    return pairs, 0


def wire_block(pairs: HeaderPairs) -> bytes:
    """The header lines as HTTP/1.1 writes them, ending with the empty line."""
    lines = b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in pairs)
    return lines + b"\r\n"


def to_json(pairs: HeaderPairs | None) -> str | None:
    """The stored form (None stays None)."""
    if pairs is None:
        return None
    return json.dumps(pairs, separators=(",", ":"))


def from_json(stored: str | None) -> HeaderPairs | None:
    """Pairs back from their stored form; None when none were stored."""
    if stored is None:
        return None
    return tuple((str(name), str(value)) for name, value in json.loads(stored))


def get(pairs: HeaderPairs, name: str) -> str | None:
    """The first value of ``name`` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in pairs if key.lower() == wanted), None)
