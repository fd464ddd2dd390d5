"""``sigfollow-desktop intake`` as a real subprocess sharing the test's store and keychain."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.support.processes import cli_env, wait_for


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
