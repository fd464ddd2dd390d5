"""A real PostgreSQL server for tests and benchmarks: initdb into a temp folder, pg_ctl start.

Debian's ``postgresql`` package puts its programs in ``/usr/lib/postgresql/<version>/bin``
(found at run time: ``pg_config --bindir``, else the newest of those folders). ``initdb`` and
``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` account, on a folder
handed to it. The server listens on a free 127.0.0.1 port and a Unix socket in the same folder;
connections over TCP need the password (scram-sha-256), so a wrong one is refused as it would
be on a real server. :meth:`PostgresServer.stop` stops it and removes the folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "sigfollow"


def bindir() -> Path | None:
    """The folder of initdb and pg_ctl, or None when PostgreSQL is not installed."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout
            candidates.append(Path(out.strip()))
        except (OSError, subprocess.CalledProcessError):
            pass
    found = glob.glob("/usr/lib/postgresql/*/bin")

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates += [Path(p) for p in sorted(found, key=version, reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One server in its own temp folder. ``url(db)`` gives a SQLAlchemy URL for a database."""

    def __init__(self, *, fsync: bool = False) -> None:
        found = bindir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt install postgresql)")
        self.bin = found
        self.fsync = fsync
        self.password = secrets.token_hex(12)
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sigfollow-pg-"))
        self.data = self.root / "data"
        self._as: list[str] = []
        self._counter = 0
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.root.chmod(0o700)

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as, *args],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.root,
        )

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self._as:
            account = pwd.getpwnam("postgres")
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        pwfile.chmod(0o600)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        )
        pwfile.unlink()
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200 "
            f"-c fsync={'on' if self.fsync else 'off'} -c shared_buffers=128MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql+psycopg://{SUPERUSER}:{pw}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        import psycopg

        if name is None:
            self._counter += 1
            name = f"t{os.getpid()}_{self._counter}"
        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={self.password}"
        with psycopg.connect(f"{dsn} dbname=postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def version(self) -> str:
        """The server's version, e.g. ``15.18``."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={self.password}"
        with psycopg.connect(f"{dsn} dbname=postgres") as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"

    def dump(self, url: str) -> bytes:
        """``pg_dump`` of the database behind ``url`` (plain SQL), for grepping."""
        database = url.rsplit("/", 1)[1]
        return subprocess.run(
            [
                str(self.bin / "pg_dump"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                database,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": self.password},
        ).stdout

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
