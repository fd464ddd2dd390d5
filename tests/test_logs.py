"""The log file: private, free of URL credentials and per-request noise, quiet when it fails."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sigfollow_desktop.logs import LOG_FILENAME, close_logging, setup_logging
from tests.support.receiver import Receiver

log = logging.getLogger("sigfollow_desktop.tests")
FULL_DEVICE = Path("/dev/full")  # every write to it fails with "No space left on device"


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    yield folder
    close_logging()


def test_the_log_folder_and_files_are_private(log_folder: Path) -> None:
    previous = os.umask(0o022)
    try:
        path = setup_logging(log_folder)
        log.warning("hello")
        close_logging()
        assert stat.S_IMODE(log_folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # An existing log left readable by an older version is made private too.
        log_folder.chmod(0o755)
        path.chmod(0o644)
        (log_folder / f"{LOG_FILENAME}.1").write_text("older\n")
        (log_folder / f"{LOG_FILENAME}.1").chmod(0o644)
        setup_logging(log_folder)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(log_folder.stat().st_mode) == 0o700
    for file in log_folder.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_a_rotated_log_is_created_private(log_folder: Path) -> None:
    path = setup_logging(log_folder)
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "sigfollow", False))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    log.warning("after the rollover")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((log_folder / f"{LOG_FILENAME}.1").stat().st_mode) == 0o600


def test_credentials_in_urls_never_reach_the_log(log_folder: Path, receiver: Receiver) -> None:
    path = setup_logging(log_folder)
    with_password = receiver.url.replace("http://", "http://alice:hunter2@")
    with httpx.Client() as client:
        assert client.post(with_password, content=b"{}").status_code == 200
    log.warning("posting to %s failed", with_password)
    try:
        raise ValueError(f"cannot reach {with_password}")
    except ValueError:
        log.exception("send failed")
    logging.getLogger("httpx").warning("HTTP Request: POST %s", with_password)
    text = path.read_text(encoding="utf-8")
    assert "hunter2" not in text
    assert "alice" not in text
    assert text.count("http://***@127.0.0.1") == 3, text
    # httpx logs every request with its full URL at INFO: not in our log.
    assert "HTTP/1.1 200 OK" not in text


def test_a_log_that_cannot_be_written_is_said_once_without_a_traceback(
    log_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not FULL_DEVICE.exists():
        pytest.skip("needs /dev/full")
    log_folder.mkdir()
    (log_folder / LOG_FILENAME).symlink_to(FULL_DEVICE)
    mode_before = FULL_DEVICE.stat().st_mode
    setup_logging(log_folder)
    for number in range(50):
        log.warning("line %d", number)
    err = capsys.readouterr().err
    assert err == (
        f"sigfollow-desktop: warning: cannot write the log {log_folder / LOG_FILENAME} "
        "(No space left on device); carrying on without it\n"
    )
    assert FULL_DEVICE.stat().st_mode == mode_before  # a symbolic link is never followed


def test_commands_on_a_full_disk_log_print_one_warning_and_work(tmp_path: Path) -> None:
    """The real program, with every log write failing: no traceback, the command works."""
    if not FULL_DEVICE.exists():
        pytest.skip("needs /dev/full")
    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True)
    (logs / LOG_FILENAME).symlink_to(FULL_DEVICE)
    env = {
        **os.environ,
        "SIGFOLLOW_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    for argv in (["events", "simulate", "--count", "20"], ["webhooks", "list"]):
        result = subprocess.run(
            [sys.executable, "-m", "sigfollow_desktop", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        print(result.stderr, end="")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
        assert "cannot write the log" in result.stderr
        assert "No space left on device" in result.stderr


def test_a_line_with_bytes_that_are_not_utf8_is_written_escaped(log_folder: Path) -> None:
    """A folder named on the command line may hold any bytes; its log line is still written."""
    path = setup_logging(log_folder)
    log.warning("opened %s", "/data/caf\udce9")
    assert path.read_text(encoding="utf-8").rstrip().endswith("opened /data/caf\\udce9")


def test_a_data_folder_named_in_bytes_that_are_not_utf8_works_without_a_traceback(
    tmp_path: Path,
) -> None:
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    command = [os.fsencode(sys.executable), b"-m", b"sigfollow_desktop", b"--data-dir", folder]
    result = subprocess.run(
        [*command, b"webhooks", b"list"],
        env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert b"No webhooks yet" in result.stdout
