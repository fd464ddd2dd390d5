"""Shared fixtures: a temp data folder, the real store, an in-memory keyring, a receiver.

A test module that sets ``BACKENDS = ("sqlite", "postgresql")`` runs each of its tests on both
stores: the ``backend`` fixture is parametrised, ``store`` opens that backend, and ``data_dir``
points ``SIGFOLLOW_DATABASE_URL`` at a new database on a real PostgreSQL server, started once
for the session (tests.support.postgres) and stopped at its end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.database_url import DATABASE_ENV
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.opening import open_database
from sigfollow_desktop.store.sealed_secrets import SealedSecretStore
from tests.support.memory_keyring import MemoryKeyring
from tests.support.postgres import PostgresServer, bindir
from tests.support.receiver import Receiver


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """keyring's process-wide backend set to memory, restored afterwards."""
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = getattr(metafunc.module, "BACKENDS", None)
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        backends = None  # about the file itself: its bytes, its locks, its journal
    if backends and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole session, in a temp folder of its own."""
    if bindir() is None:
        pytest.skip("PostgreSQL is not installed (./dev setup installs it as root on Debian)")
    with PostgresServer() as server:
        yield server


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's database: "sqlite" unless the module asks for both (``BACKENDS``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """A new PostgreSQL database's URL for the postgresql backend; None for SQLite."""
    if backend != "postgresql":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SIGFOLLOW_DATA_DIR", str(folder))
    if database_url is not None:
        monkeypatch.setenv(DATABASE_ENV, database_url)
    else:
        monkeypatch.delenv(DATABASE_ENV, raising=False)
    return folder


@pytest.fixture
def store(data_dir: Path, database_url: str | None) -> Iterator[Store]:
    opened = open_database(database_url, data_dir)
    yield opened
    opened.close()


@pytest.fixture
def secrets(
    memory_keyring: MemoryKeyring, database_url: str | None, request: pytest.FixtureRequest
) -> SecretStore:
    """The keychain; on PostgreSQL, secrets sealed in the database under its key (as the
    program does there), the key in the in-memory keychain."""
    if database_url is None:
        return SecretStore(memory_keyring)
    return SealedSecretStore(request.getfixturevalue("store"), memory_keyring)


@pytest.fixture
def admin(store: Store, secrets: SecretStore) -> Admin:
    return Admin(store, secrets)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
