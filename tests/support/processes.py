"""Waiting in tests, and the program as a real subprocess on a test's store and keychain."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.file_keyring import FILE_ENV

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = [sys.executable, "-m", "sigfollow_desktop"]


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    *watched: subprocess.Popen[str],
) -> None:
    """Wait for ``condition`` (never a fixed time); fail naming what never happened, or early
    when a watched process ended meanwhile."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        for process in watched:
            if process.poll() is not None:
                out, err = process.communicate()
                raise AssertionError(f"ended while waiting for {what}: {out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.02)


def assert_no_threads_left(prefix: str = "sigfollow-", timeout: float = 5.0) -> None:
    """Every thread the program names (``sigfollow-…``) has ended within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [t.name for t in threading.enumerate() if t.name.startswith(prefix)]
        if not alive:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"threads still running after the test: {alive}")
        threading.Event().wait(0.02)


def cli_env(keyring_file: Path) -> dict[str, str]:
    """The environment of a subprocess that uses the test's file-backed keyring."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            FILE_ENV: str(keyring_file),
        }
    )
    return env


def start_engine_run(data_dir: Path, keyring_file: Path, *options: str) -> subprocess.Popen[str]:
    """``sigfollow-desktop engine run OPTIONS`` on ``data_dir``, stdout and stderr piped."""
    command = [*PROGRAM, "--data-dir", str(data_dir), "engine", "run", *options]
    return subprocess.Popen(
        command,
        env=cli_env(keyring_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
