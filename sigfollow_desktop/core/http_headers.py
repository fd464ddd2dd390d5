"""HTTP headers as they travel: the header lines of a request or an answer, byte for byte.

An attempt stores its headers as a *header block*: the lines exactly as HTTP/1.1 writes them
(``Name: value`` and CR LF each, names in their case, in their order, duplicates kept), without
the empty line that ends them. Bytes, because that is what was on the wire, and because
joining bytes is the cheapest form to make on the sender threads and to store in a batch.
For reading they become ``(name, value)`` pairs, decoded as Latin-1, which maps every byte to
one character and back (HTTP header bytes are Latin-1 at most).

The answer's headers come from the receiver, which is not trusted: at most
:data:`ANSWER_HEADERS_KEPT` bytes of them are kept, whole lines in their order, and the count
of the lines left out is stored beside them.
"""

from __future__ import annotations

from collections.abc import Iterable

HeaderPairs = tuple[tuple[str, str], ...]

ANSWER_HEADERS_KEPT = 8 * 1024  # bytes of header lines


def header_block(raw: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The header lines of ``raw`` pairs (httpx's ``Headers.raw``), as written on the wire."""
    return b"".join([name + b": " + value + b"\r\n" for name, value in raw])


def capped_block(
    raw: Iterable[tuple[bytes, bytes]], limit: int = ANSWER_HEADERS_KEPT
) -> tuple[bytes, int]:
    """The first header lines that fit in ``limit`` bytes, and how many lines did not fit.

    Whole lines only, in their order: the first that does not fit ends the kept ones.
    """
    lines = [name + b": " + value + b"\r\n" for name, value in raw]
    used = 0
    for index, line in enumerate(lines):
        used += len(line)
        if used > limit:
            return b"".join(lines[:index]), len(lines) - index
    return b"".join(lines), 0


def header_pairs(block: bytes) -> HeaderPairs:
    """The ``(name, value)`` pairs of a stored header block, for reading."""
    text = block.decode("latin-1")
    pairs = []
    for line in text.split("\r\n"):
        if line:
            name, _, value = line.partition(": ")
            pairs.append((name, value))
    return tuple(pairs)


def get(pairs: HeaderPairs, name: str) -> str | None:
    """The first value of ``name`` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in pairs if key.lower() == wanted), None)
