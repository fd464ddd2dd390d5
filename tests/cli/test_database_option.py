"""--database and SIGFOLLOW_DATABASE_URL: the store chosen, and one clear line when it cannot be
used, never with the password."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.cli.conftest import RunCli
from tests.support.postgres import PostgresServer


def test_the_same_commands_on_a_postgresql_database(
    cli: RunCli, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    url = postgres_server.create_database()
    added = cli("--database", url, "webhooks", "add", "https://example.com/h")
    assert added.code == 0, added.err
    monkeypatch.setenv("SIGFOLLOW_DATABASE_URL", url)
    assert "https://example.com/h" in cli("webhooks", "list").out
    # The data folder's file was never made: everything went to the server.
    assert not (data_dir / "sigfollow.sqlite3").exists()


def test_a_newer_schema_is_refused_untouched(cli: RunCli, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    assert cli("--database", url, "webhooks", "list").code == 0
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    run = cli("--database", url, "webhooks", "list")
    assert run.code == 1
    assert run.err.count("\n") == 1
    assert "newer version of SigFollow Desktop (schema 9999)" in run.err
    assert postgres_server.password not in run.err
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row == ("9999",)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("wrong password", "password authentication failed"),
        ("no database", 'database "nope" does not exist'),
        ("no server", "Connection refused"),
        ("not a url", "could not be read"),
        ("other scheme", "is not supported (scheme mysql)"),
    ],
)
def test_a_database_that_cannot_be_used_gets_one_line_without_the_password(
    cli: RunCli, postgres_server: PostgresServer, kind: str, expected: str
) -> None:
    secret = "pw-" + postgres_server.password
    port = postgres_server.port
    url = {
        "wrong password": f"postgresql://sigfollow:{secret}@127.0.0.1:{port}/postgres",
        "no database": postgres_server.url("nope"),
        "no server": f"postgresql://sigfollow:{secret}@127.0.0.1:1/db",
        "not a url": f"postgresql://sigfollow:{secret}@127.0.0.1:port/db",
        "other scheme": f"mysql://sigfollow:{secret}@127.0.0.1/db",
    }[kind]
    run = cli("--database", url, "webhooks", "list")
    assert run.code == 1
    assert run.err.count("\n") == 1, run.err
    assert expected in run.err
    assert "Traceback" not in run.err
    assert secret not in run.err
    assert postgres_server.password not in run.err
