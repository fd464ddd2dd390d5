"""Another local account cannot stop the program from starting.

The one-instance socket used to be ``/tmp/sigfollow-desktop-<hash>``: an account that created
it first received every launch's ``raise`` line, and the real program exited 0 believing it
already ran. These tests squat both the old name and the new one and launch the real program.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sigfollow_desktop.logs import LOG_FILENAME
from sigfollow_desktop.paths import runtime_dir
from sigfollow_desktop.ui.single_instance import SingleInstance, instance_key
from tests.ui.test_app import launch_env

NOBODY = 65534
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="making a file another account's needs root",
)
pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix sockets and modes")


def squat(path: Path, owner: int | None = NOBODY) -> socket.socket:
    """A listening Unix socket at ``path``, owned by ``owner``: what another account leaves."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(5)
    listener.setblocking(False)
    os.chmod(path, 0o777)  # noqa: S103 - open to all, as a squatter would leave it
    if owner is not None:
        os.chown(path, owner, owner)
    return listener


def was_contacted(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def launch(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigfollow_desktop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def log_text(tmp_path: Path) -> str:
    path = tmp_path / "data" / "logs" / LOG_FILENAME
    return path.read_text(encoding="utf-8") if path.exists() else ""


def wait_for_log(tmp_path: Path, text: str, process: subprocess.Popen[str]) -> None:
    """Wait (bounded) until the log says ``text``; fail at once if the program ended."""
    deadline = time.monotonic() + 60
    while text not in log_text(tmp_path):
        assert process.poll() is None, f"the program ended: {log_text(tmp_path)}"
        assert time.monotonic() < deadline, f"never logged {text!r}: {log_text(tmp_path)}"
        time.sleep(0.05)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    made = launch_env(tmp_path, "offscreen")
    # Stands for /tmp: world-writable and sticky. A short path, as a socket's must be.
    shared_tmp = Path(tempfile.mkdtemp(prefix="sf-"))
    shared_tmp.chmod(0o1777)
    made["TMPDIR"] = str(shared_tmp)
    yield made
    shutil.rmtree(shared_tmp)


@pytest.fixture
def running(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """The real program, up with its window until the test ends."""
    with subprocess.Popen(
        [sys.executable, "-m", "sigfollow_desktop"],
        env={**env, "SIGFOLLOW_QUIT_AFTER_START": "120000"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            yield process
        finally:
            process.terminate()
            process.wait(30)


def test_the_socket_is_in_the_user_s_private_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert Path(instance_key(tmp_path / "data")).parent == runtime


@pytest.mark.parametrize("problem", ["unset", "relative", "world-writable", "missing"])
def test_without_a_usable_runtime_folder_a_private_one_of_our_own_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    values = {"relative": "runtime", "world-writable": str(runtime), "missing": "/nonexistent"}
    if problem == "unset":
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", values[problem])
    folder = runtime_dir()
    assert folder is not None
    assert folder.is_relative_to(tmp_path / "cache")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert Path(instance_key(tmp_path / "data")).parent == folder


@needs_root
def test_a_runtime_folder_of_another_account_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(theirs))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = runtime_dir()
    assert folder is not None
    assert folder.is_relative_to(tmp_path / "cache")


@needs_root
def test_a_squatter_on_the_old_name_in_tmp_cannot_stop_a_launch(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = (tmp_path / "data").resolve()
    digest = hashlib.sha256(f"{getpass.getuser()}\0{data}".encode()).hexdigest()
    old_name = Path(env["TMPDIR"]) / f"sigfollow-desktop-{digest[:16]}"
    with closing(squat(old_name)) as squatter:
        result = launch(env)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert "SigFollow Desktop stopped" in log_text(tmp_path)
        assert "already running" not in log_text(tmp_path)
        assert not was_contacted(squatter), "the launch talked to another account's socket"


@needs_root
def test_a_socket_of_another_account_in_the_runtime_folder_is_never_trusted(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", env["XDG_RUNTIME_DIR"])
    key = Path(instance_key((tmp_path / "data").resolve()))
    with closing(squat(key)) as squatter:
        result = launch(env)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        log = log_text(tmp_path)
        assert "SigFollow Desktop stopped" in log
        assert f"not trusting {key}: it belongs to another account (uid {NOBODY})" in log
        assert not was_contacted(squatter), "the launch talked to another account's socket"
        assert key.exists(), "another account's file was removed"
        assert key.stat().st_uid == NOBODY


def test_a_file_that_is_not_a_socket_is_neither_trusted_nor_removed(
    qtbot: QtBot, tmp_path: Path, runtime_folder: Path
) -> None:
    key = instance_key(tmp_path / "data")
    Path(key).write_text("not a socket")
    instance = SingleInstance(key)
    assert instance.claim()
    assert Path(key).read_text() == "not a socket"


def test_a_normal_second_launch_raises_the_first_window(
    env: dict[str, str], tmp_path: Path, running: subprocess.Popen[str]
) -> None:
    wait_for_log(tmp_path, " started on ", running)
    key = Path(env["XDG_RUNTIME_DIR"]).glob("sigfollow-desktop-*")
    (socket_file,) = list(key)
    assert stat.S_ISSOCK(socket_file.lstat().st_mode)
    assert socket_file.lstat().st_uid == os.geteuid()
    assert stat.S_IMODE(socket_file.lstat().st_mode) & 0o077 == 0  # this user's only

    second = launch(env)

    assert second.returncode == 0, second.stderr
    assert second.stderr == ""
    wait_for_log(tmp_path, "a second launch asked for the window", running)
    assert "already running" in log_text(tmp_path)
