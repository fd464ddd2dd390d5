"""Public ids of events and deliveries: 32 hex digits that sort by creation time.

The first 12 digits are the milliseconds since 1970, the other 20 are random (80 bits), the
layout of a UUIDv7 without its version digits. Rows made together get neighbouring ids, so the
unique index on ``uid`` grows at its end instead of at a random page per row: a batch of new
events dirties a few index pages rather than one page per event, which halves what a commit
writes (measured on the intake's group commit). Ids made before this layout (32 random hex
digits) stay valid; nothing reads meaning into an id. The fan-out SQL makes delivery ids the
same way: ``:uid_prefix`` followed by 20 random hex digits made by the database.
"""

from __future__ import annotations

import os
import time

RANDOM_HEX = 20  # hex digits after the time


def uid_prefix(now: float | None = None) -> str:
    """The time part: milliseconds since 1970 as 12 hex digits."""
    millis = int((time.time() if now is None else now) * 1000)
    return f"{millis & 0xFFFF_FFFF_FFFF:012x}"


def new_uid(now: float | None = None) -> str:
    """A fresh id: the time part, then 80 random bits."""
    return uid_prefix(now) + os.urandom(RANDOM_HEX // 2).hex()
