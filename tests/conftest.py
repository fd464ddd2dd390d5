"""Shared fixtures: a temp data folder, the real store, an in-memory keyring, a receiver."""

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
from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """keyring's process-wide backend set to memory, restored afterwards."""
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SIGFOLLOW_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = open_store(data_dir / DB_FILENAME)
    yield opened
    opened.close()


@pytest.fixture
def secrets(memory_keyring: MemoryKeyring) -> SecretStore:
    return SecretStore(memory_keyring)


@pytest.fixture
def admin(store: Store, secrets: SecretStore) -> Admin:
    return Admin(store, secrets)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
