"""Opening a shared PostgreSQL store: connect, refuse a newer schema, migrate, hand out a Store.

The same Alembic migrations as the SQLite file (they speak both dialects). The first program to
open a new database migrates it under an advisory lock; the others wait, then find it done. A
database written by a newer SigFollow Desktop is refused before anything is written, as a
file is. A URL that cannot be read, a server that cannot be reached and a refused password
each come out as one line naming the database without its password.
"""

from __future__ import annotations

import logging

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from sigfollow_desktop import __version__
from sigfollow_desktop.core.errors import DatabaseNewerError, StoreError
from sigfollow_desktop.store.database_url import display
from sigfollow_desktop.store.db import KNOWN_REVISIONS, SCHEMA_HEAD, Store, migrate
from sigfollow_desktop.store.faults import fault_of

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds to reach the server before saying it cannot be reached
_HAS_VERSION = text("SELECT to_regclass('alembic_version') IS NOT NULL")
_REVISION = text("SELECT max(version_num) FROM alembic_version")


def open_postgres(url: URL, *, pool_size: int = 4) -> Store:
    """Open (creating the tables and migrating as needed) the database at ``url``."""
    where = display(url)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=8,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "sigfollow-desktop"},
    )
    try:
        with engine.connect() as connection:
            revision = None
            if connection.execute(_HAS_VERSION).scalar():
                revision = connection.execute(_REVISION).scalar()
        if revision is not None and revision not in KNOWN_REVISIONS:
            raise DatabaseNewerError(
                f"The database {where} was written by a newer version of SigFollow Desktop "
                f"(schema {revision}); this is version {__version__}. Install the newer "
                "version, or choose another database with --database. It was left untouched."
            )
        if revision != SCHEMA_HEAD:
            log.info("migrating %s from schema %s to %s", where, revision, SCHEMA_HEAD)
            migrate(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise _cannot_use(where, url, exc) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, None, checked=True, location=where)


def _cannot_use(where: str, url: URL, exc: DBAPIError) -> StoreError:
    fault = fault_of(exc)
    detail = fault.detail if fault is not None else type(exc.orig).__name__
    if url.password:
        detail = detail.replace(str(url.password), "***")
    if fault is not None and fault.kind == "unreachable":
        return StoreError(
            f"Cannot connect to the database {where}: {detail}. Check that the server runs, "
            "the URL (--database or SIGFOLLOW_DATABASE_URL) and your password "
            "(~/.pgpass or PGPASSWORD)"
        )
    return StoreError(f"Cannot use the database {where}: {detail}")
