"""Several real processes on one real store: the window, ``engine run``, command lines.

Each process gets the same data folder and a file-backed keyring (test support only), so the
webhook's secret written by the test is the one every process signs with.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sigfollow_desktop.logs import LOG_FILENAME
from sigfollow_desktop.store.db import DB_FILENAME
from tests.support.file_access import deleted_database_fds
from tests.support.file_keyring import FILE_ENV
from tests.support.processes import wait_for as wait_for  # used by the tests here too

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = [sys.executable, "-m", "sigfollow_desktop"]


@dataclass
class Site:
    """A data folder shared by every process of a test, and how to start them there."""

    root: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def db(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def keyring_file(self) -> Path:
        return self.root / "keyring.json"

    @property
    def log(self) -> Path:
        return self.data_dir / "logs" / LOG_FILENAME

    def env(self) -> dict[str, str]:
        runtime = self.root / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            FILE_ENV: str(self.keyring_file),
            "SIGFOLLOW_DATA_DIR": str(self.data_dir),
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(self.root / "home"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "share"),
            "XDG_RUNTIME_DIR": str(runtime),
        }

    def cli(
        self, *argv: str, timeout: float = 300, prefix: list[str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one command to its end (after ``prefix``, e.g. ``setpriv …``)."""
        return subprocess.run(
            [*(prefix or []), *PROGRAM, "--data-dir", str(self.data_dir), *argv],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *argv: str, prefix: list[str] | None = None) -> subprocess.Popen[str]:
        """Start a long-lived process: ``engine run …``, or the window (``window``)."""
        if argv == ("window",):
            command = [sys.executable, "-m", "tests.support.window_process", str(self.data_dir)]
        else:
            command = [*(prefix or []), *PROGRAM, "--data-dir", str(self.data_dir), *argv]
        process = subprocess.Popen(
            command, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.processes.append(process)
        return process

    def start_window(self) -> subprocess.Popen[str]:
        """The window, waited for until its engine runs."""
        window = self.start("window")
        wait_for(
            lambda: self.log.exists() and "started on" in self.log.read_text(encoding="utf-8"),
            60,
            "the window to start",
            window,
        )
        return window

    def start_engine(self, *options: str) -> subprocess.Popen[str]:
        """``engine run``, waited for until it delivers."""
        engine = self.start("engine", "run", *options)
        assert engine.stdout is not None
        first = engine.stdout.readline()
        if not first.startswith("Delivering from "):
            _, err = engine.communicate(timeout=30)
            raise AssertionError(f"engine run did not start: {first}{err}")
        return engine

    def stop(self, process: subprocess.Popen[str], how: int = signal.SIGINT) -> tuple[str, str]:
        """Stop as a person would (Ctrl-C, or quitting the window); its output."""
        process.send_signal(how)
        out, err = process.communicate(timeout=60)
        return out, err

    def stop_read(self, process: subprocess.Popen[str], how: int = signal.SIGINT) -> str:
        """Stop a process whose stdout a :class:`Lines` reads; its stderr."""
        process.send_signal(how)
        process.wait(60)
        assert process.stderr is not None
        err = process.stderr.read()
        process.stderr.close()
        return err


class Lines:
    """A process's stdout line by line, each waited for at most ``timeout`` seconds, so that a
    process that never says what is expected fails the test instead of hanging it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._stdout = process.stdout
        self._lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._read, name="lines", daemon=True).start()

    def _read(self) -> None:
        with self._stdout:
            for line in self._stdout:
                self._lines.put(line)
        self._lines.put("")  # the end

    def next(self, timeout: float = 60.0) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout:.0f} s") from None

    def until(self, wanted: Callable[[str], bool], timeout: float = 60.0) -> str:
        """The first line that ``wanted`` accepts; the ones before are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(0.0, deadline - time.monotonic()))
            assert line, "the process ended"
            if wanted(line):
                return line


class DeletedFdWatch:
    """Looks at the long-lived processes' descriptors every few ms for a database file
    deleted under them (shown by Linux as ``… (deleted)``)."""

    def __init__(self, db: Path, *processes: subprocess.Popen[str]) -> None:
        self.db = db
        self.processes = processes
        self.found: list[str] = []
        self.looks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="fd-watch", daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            for process in self.processes:
                if process.poll() is None:
                    try:
                        self.found += deleted_database_fds(process.pid, self.db)
                    except FileNotFoundError:  # it ended meanwhile
                        continue
            self.looks += 1

    def __enter__(self) -> DeletedFdWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc (Linux) to look at the processes' descriptors")
    made = Site(tmp_path)
    yield made
    for process in made.processes:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
