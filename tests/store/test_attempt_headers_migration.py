"""Revision 0007 on a real store file: attempts recorded before it are kept, without headers,
and the Copy as cURL of such an attempt is made again, saying so."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.dispatcher import Dispatcher
from sigfollow_desktop.engine.replay import signed_request
from sigfollow_desktop.store.db import _MIGRATIONS, DB_FILENAME, SCHEMA_HEAD, open_store
from tests.engine.conftest import TEST_CONFIG, queue_events
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver

_ATTEMPTS = (
    "SELECT id, delivery_id, webhook_id, number, started_at, duration_ms, status_code, error, "
    "response_excerpt FROM attempts ORDER BY id"
)


def _to(path: Path, revision: str, *, down: bool = False) -> None:
    """Move the file's schema to ``revision`` with Alembic, as a person could."""
    engine = create_engine(f"sqlite:///{path}")
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def _columns(path: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("PRAGMA table_info(attempts)")).all()
            return {row[1] for row in rows}
    finally:
        engine.dispose()


def test_attempts_from_before_0007_are_kept_without_headers(
    tmp_path: Path, receiver: Receiver
) -> None:
    path = tmp_path / DB_FILENAME
    keyring = MemoryKeyring()
    secrets = SecretStore(keyring)
    store = open_store(path)
    admin = Admin(store, secrets)
    webhook_id, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    queue_events(admin, 5)
    with Dispatcher(store, secrets, TEST_CONFIG) as dispatcher:
        dispatcher.pump()
    with store.session() as session:
        attempts = session.execute(text(_ATTEMPTS)).all()
    store.close()
    assert len(attempts) == 5

    # The file as revision 0006 left it: attempts without the three columns.
    _to(path, "0006", down=True)
    assert {"request_headers", "response_headers", "response_headers_cut"} & _columns(path) == set()

    store = open_store(path)  # migrates to 0007
    try:
        with store.session() as session:
            version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert version == SCHEMA_HEAD == "0007"
            assert session.execute(text(_ATTEMPTS)).all() == attempts  # every one kept as it was
            headers = session.execute(
                text("SELECT request_headers, response_headers, response_headers_cut FROM attempts")
            ).all()
        assert set(headers) == {(None, None, None)}

        # The detail of such an attempt: headers not recorded; cURL made again with the
        # current secret, and says so.
        admin = Admin(store, secrets)
        detail, exchanges = admin.delivery_with_exchanges(1)
        assert exchanges[1].request_headers is None
        assert not exchanges[1].recorded
        request = signed_request(detail, exchanges, secrets)
        assert request is not None
        assert not request.as_sent
        assert request.attempt == 1
        assert verify(secret, detail.body, dict(request.headers)[SIGNATURE_HEADER])

        # Attempts made from now on keep their headers.
        admin.redeliver([1])
        with Dispatcher(store, secrets, TEST_CONFIG) as dispatcher:
            dispatcher.pump()
        detail, exchanges = admin.delivery_with_exchanges(1)
        assert [a.number for a in detail.attempts] == [1, 2]
        assert exchanges[1].request_headers is None
        assert exchanges[2].request_headers is not None
        request = signed_request(detail, exchanges, secrets)
        assert request is not None
        assert request.as_sent
        assert request.headers == exchanges[2].request_headers
    finally:
        store.close()
    assert webhook_id == 1
