"""Which store to open: the SQLite file in the data folder, or a database named by a URL.

``--database URL`` or ``SIGFOLLOW_DATABASE_URL``; without either, the SQLite file
``sigfollow.sqlite3`` in the data folder, as always. Accepted: ``sqlite:///path/to/file`` and
``postgresql://user@host:port/dbname`` (also ``postgres://`` and ``postgresql+psycopg://``),
opened through psycopg 3. A URL is never printed with its password: messages name the store
by :func:`display`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sigfollow_desktop.core.errors import StoreError

DATABASE_ENV = "SIGFOLLOW_DATABASE_URL"
_EXAMPLE = "postgresql://user@host:5432/dbname or sqlite:///path/to/sigfollow.sqlite3"
_POSTGRES = {"postgresql", "postgres", "postgresql+psycopg"}


def chosen_url(option: str | None) -> str | None:
    """The URL asked for (the option first, then the environment), or None: the data folder."""
    value = option if option is not None else os.environ.get(DATABASE_ENV)
    if value is None or not value.strip():
        return None
    return value.strip()


def parse(text: str) -> URL:
    """The URL as SQLAlchemy opens it; StoreError (without the text's password) when wrong."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"The database URL could not be read; expected {_EXAMPLE} "
            "(--database or SIGFOLLOW_DATABASE_URL)"
        ) from None
    scheme = url.drivername
    if scheme in _POSTGRES:
        if not url.database:
            raise StoreError(
                f"The database URL {display(url)} names no database; expected {_EXAMPLE}"
            )
        return url.set(drivername="postgresql+psycopg")
    if scheme == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreError(f"The database URL {display(url)} names no file; expected {_EXAMPLE}")
        return url
    raise StoreError(
        f"The database URL {display(url)} is not supported (scheme {scheme}); expected {_EXAMPLE}"
    )


def display(url: URL) -> str:
    """The URL with its password hidden."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file of an ``sqlite:///`` URL, None for a server."""
    if url.drivername == "sqlite" and url.database:
        return Path(url.database).expanduser()
    return None
