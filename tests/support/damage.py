"""Damaging a closed store on purpose, the way a bad disk or a stray program would."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

GARBAGE = 8 * 1024


def garble(path: Path, offset: int, size: int = GARBAGE, seed: int = 8) -> None:
    """Overwrite ``size`` bytes at ``offset`` with random bytes. Only on a closed store."""
    garbage = random.Random(seed).randbytes(size)
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(garbage)


def garble_middle(path: Path, size: int = GARBAGE) -> int:
    """8 KiB of garbage in the middle of the file; returns the offset."""
    offset = path.stat().st_size // 2
    garble(path, offset, size)
    return offset


def root_page_offset(path: Path, table: str) -> int:
    """Where a table's root page starts in the file (read through SQLite, read-only)."""
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    finally:
        connection.close()
    return int((root - 1) * page_size)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
