"""How many rows each table of a store holds, read without writing a byte."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sigfollow_desktop.store.db import DB_FILENAME

TABLES = ("webhooks", "events", "deliveries", "attempts")


def store_rows(data_dir: Path) -> dict[str, int]:
    """Row counts per table; empty when there is no database yet."""
    path = data_dir / DB_FILENAME
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
