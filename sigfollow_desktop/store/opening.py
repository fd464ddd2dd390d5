"""Open the store a command or the window asked for: a URL, else the data folder's file."""

from __future__ import annotations

from pathlib import Path

from sigfollow_desktop.core.errors import StoreError
from sigfollow_desktop.store.database_url import chosen_url, display, parse, sqlite_path
from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store


def open_database(option: str | None, data_dir: Path) -> Store:
    """``--database`` (or ``SIGFOLLOW_DATABASE_URL``), else ``data_dir``'s SQLite file."""
    text = chosen_url(option)
    if text is None:
        return open_store(data_dir / DB_FILENAME)
    url = parse(text)
    path = sqlite_path(url)
    if path is not None:
        return open_store(path)
    from sigfollow_desktop.store.postgres import open_postgres  # psycopg only when asked for

    return open_postgres(url)


def store_location(option: str | None, data_dir: Path) -> str:
    """How messages name the store that :func:`open_database` would open."""
    text = chosen_url(option)
    if text is None:
        return str(data_dir / DB_FILENAME)
    url = parse(text)
    path = sqlite_path(url)
    return str(path) if path is not None else display(url)


def is_shared(option: str | None) -> bool:
    """Whether the store asked for is a database server (False too for a URL not understood)."""
    text = chosen_url(option)
    if text is None:
        return False
    try:
        return sqlite_path(parse(text)) is None
    except StoreError:
        return False
