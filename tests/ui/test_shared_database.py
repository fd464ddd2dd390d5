"""Two windows on one shared PostgreSQL database, as on two hosts with two keychains.

A webhook added in one window appears in the other within two seconds (LISTEN/NOTIFY). A
secret rotated in the first is used by the engine of the second, which opens it with the store
key of its own keychain, joined once; and the secret is nowhere in plain text: not in a dump
of the database, not in either host's data folder, not in the second host's keychain.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.app import Desktop, build_desktop
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.keychain import SERVICE
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import verify
from sigfollow_desktop.store.opening import open_database
from sigfollow_desktop.store.sealed_secrets import SealedSecretStore
from tests.support.memory_keyring import MemoryKeyring
from tests.support.postgres import PostgresServer
from tests.support.receiver import Receiver
from tests.ui.helpers import show_webhook


def _host(url: str, folder: Path) -> tuple[Desktop, SealedSecretStore, MemoryKeyring]:
    folder.mkdir(parents=True)
    store = open_database(url, folder)
    ring = MemoryKeyring()
    secrets = SealedSecretStore(store, ring)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    return build_desktop(store, secrets, settings), secrets, ring


def _folder_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_two_windows_two_keychains_one_database(
    qtbot: QtBot, postgres_server: PostgresServer, receiver: Receiver, tmp_path: Path
) -> None:
    url = postgres_server.create_database()
    desktop_a, secrets_a, ring_a = _host(url, tmp_path / "host-a")
    desktop_b, secrets_b, ring_b = _host(url, tmp_path / "host-b")
    window_a, window_b = desktop_a.window, desktop_b.window
    qtbot.addWidget(window_a)
    qtbot.addWidget(window_b)
    assert desktop_a.shared is not None
    assert desktop_b.shared is not None
    # Host A shows its window only; host B also delivers.
    desktop_a.shared.start()
    window_a.show()
    desktop_b.start()
    try:
        assert desktop_a.shared.listener.wait_listening(10)
        assert desktop_b.shared.listener.wait_listening(10)

        admin_a = window_a.page.admin
        added_at = time.monotonic()
        webhook_id, first = admin_a.add(receiver.url, ("statuses",), enable=True)
        assert first is not None
        show_webhook(qtbot, window_a.page, webhook_id)
        qtbot.waitUntil(
            lambda: window_b.page.webhook_list.row_widget(webhook_id) is not None, timeout=2000
        )
        print(
            f"\nwebhook added in window A shown in window B after "
            f"{(time.monotonic() - added_at) * 1000:.0f} ms"
        )

        show_webhook(qtbot, window_b.page, webhook_id)
        assert "sealed in the shared database" in window_b.page.config_card.secret_value.text()

        # Host B has not joined: its engine cannot open the secret, and says why.
        assert not secrets_b.joined()
        secrets_b.join(secrets_a.export_key())  # what `hosts join` does with the pasted key
        assert secrets_b.joined()

        rotated = admin_a.rotate_secret(webhook_id)
        assert rotated != first
        admin_a.import_items(split_bodies(b"\n".join(simulated_bodies(3, ("statuses",), seed=5))))
        qtbot.waitUntil(lambda: len(receiver.requests) == 3, timeout=15_000)
        signatures = [got.headers["X-Hub-Signature-256"] for got in receiver.requests]
        assert all(
            verify(rotated, got.body, signature)
            for got, signature in zip(receiver.requests, signatures, strict=True)
        )
        assert not any(
            verify(first, got.body, s) for got, s in zip(receiver.requests, signatures, strict=True)
        )
        key_line = secrets_a.export_key()
    finally:
        desktop_a.shared.stop()
        desktop_b.shutdown()
        desktop_a.shutdown()

    dump = postgres_server.dump(url)
    assert b"sealed_secrets" in dump  # the dump has the tables
    assert b"store_keys" in dump
    for secret in (first, rotated, key_line, key_line.split("_", 2)[2]):
        assert secret.encode() not in dump
        assert secret.encode() not in _folder_bytes(tmp_path / "host-a")
        assert secret.encode() not in _folder_bytes(tmp_path / "host-b")
    # Each keychain holds the store key only, never a webhook's secret.
    for ring in (ring_a, ring_b):
        assert [name for service, name in ring.items if service == SERVICE] == [
            f"store-key:{key_line.split('_')[1]}"
        ]
        assert first not in ring.items.values()
        assert rotated not in ring.items.values()
