"""``sigfollow-desktop intake`` as a real subprocess sharing the test's store and keychain."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.intake.conftest import wait_for
from tests.support.file_keyring import FILE_ENV

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def cli_env(keyring_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            FILE_ENV: str(keyring_file),
        }
    )
    return env


def start_intake(
    data_dir: Path, keyring_file: Path, port: int, *extra: str
) -> subprocess.Popen[str]:
    """Start ``intake`` and return once it accepts connections."""
    command = [sys.executable, "-m", "sigfollow_desktop", "--data-dir", str(data_dir)]
    command += ["intake", "--port", str(port), *extra]
    process = subprocess.Popen(
        command,
        env=cli_env(keyring_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: process.poll() is not None or listening(port), 60, "the intake")
    except AssertionError:
        process.kill()
        raise
    if process.poll() is not None:
        out, err = process.communicate()
        raise AssertionError(f"the intake exited with {process.returncode}: {out}{err}")
    return process
