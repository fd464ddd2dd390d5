"""What every command needs: the data folder, the store, the keychain, and printing."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.opening import is_shared, open_database, store_location
from sigfollow_desktop.store.sealed_secrets import SealedSecretStore


class UsageError(SigFollowError):
    """The command line itself is wrong (exit code 2)."""


@dataclass
class Context:
    data_dir: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    database: str | None = None  # --database; else SIGFOLLOW_DATABASE_URL, else the file

    @cached_property
    def store(self) -> Store:
        return open_database(self.database, self.data_dir)

    @property
    def shared(self) -> bool:
        """Whether the store is a database server rather than a file."""
        if "store" in self.__dict__:
            return self.store.shared
        return is_shared(self.database)

    @property
    def location(self) -> str:
        if "store" in self.__dict__:
            return self.store.location
        try:
            return store_location(self.database, self.data_dir)
        except SigFollowError:
            return "the database"

    @cached_property
    def secrets(self) -> SecretStore:
        """The keychain; on a shared database, secrets sealed in it under this host's key."""
        if self.shared:
            return SealedSecretStore(self.store)
        return SecretStore()

    @cached_property
    def admin(self) -> Admin:
        return Admin(self.store, self.secrets)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        json.dump(value, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")

    def confirm(self, question: str, assume_yes: bool) -> bool:
        """Ask on a terminal; without one, ``--yes`` is required."""
        if assume_yes:
            return True
        if not self.stdin.isatty():
            raise UsageError(f"{question} Pass --yes to confirm when not at a terminal.")
        self.err.write(f"{question} [y/N] ")
        self.err.flush()
        return self.stdin.readline().strip().lower() in {"y", "yes"}


STDIN_NAME = "standard input"


def input_name(name: str) -> str:
    """How messages name an input: the file name, or ``standard input`` for ``-``."""
    return STDIN_NAME if name == "-" else name


def read_input(name: str) -> bytes:
    """The bytes of a file, or of standard input for ``-``."""
    if name == "-":
        return _read_stdin()
    path = Path(name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigFollowError(f"No such file: {name}") from None
    except IsADirectoryError:
        raise SigFollowError(f"{name} is a folder; give a .json or .ndjson file") from None
    except OSError as exc:
        raise SigFollowError(f"Cannot read {name}: {exc.strerror}") from None


def _read_stdin() -> bytes:
    # Started with standard input closed, Python has no sys.stdin at all.
    stream = sys.stdin
    if stream is None or stream.closed:
        raise SigFollowError(
            "standard input is closed; give a file name, or pipe the bodies in "
            "(… | sigfollow-desktop events import -)"
        )
    try:
        buffer = getattr(stream, "buffer", None)
        return buffer.read() if buffer is not None else stream.read().encode()
    except OSError as exc:
        raise SigFollowError(f"Cannot read standard input: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SigFollowError("standard input is not UTF-8 text") from None


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def when(epoch: float | None) -> str:
    """A stored time in local time, to the second."""
    if epoch is None:
        return "—"
    try:
        return datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):  # NaN, or beyond what a date can show
        return f"(not a time: {epoch!r})"


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(
            str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)
        ).rstrip()
        for line in lines
    )
