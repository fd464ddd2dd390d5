"""A file-backed keyring backend for tests that run the program in a subprocess.

Only tests use it, through ``PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring``
and ``SIGFOLLOW_TEST_KEYRING=<file>``: the test and the program it starts then share secrets.
The program itself never writes secrets to a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

FILE_ENV = "SIGFOLLOW_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        # Never chosen by keyring's own detection: only where a test names it and its file.
        if FILE_ENV not in os.environ:
            raise RuntimeError(f"FileKeyring needs {FILE_ENV}")
        return 1.0

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path or Path(os.environ.get(FILE_ENV, "keyring.json"))

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._load()
        items[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self.path.write_text(json.dumps(items))
