"""Start-up and shut-down: the real program launched and quit, and the wiring in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.app import QUIT_AFTER_START_ENV, build_desktop
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.logs import LOG_FILENAME
from sigfollow_desktop.store.db import Store


def launch_env(tmp_path: Path, platform: str) -> dict[str, str]:
    (tmp_path / "runtime").mkdir(mode=0o700)
    return {
        **os.environ,
        "QT_QPA_PLATFORM": platform,
        "SIGFOLLOW_DATA_DIR": str(tmp_path / "data"),
        # Settings and anything else per-user stay in the test's folder.
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        QUIT_AFTER_START_ENV: "400",
    }


def last_log_line(tmp_path: Path) -> str:
    log = (tmp_path / "data" / "logs" / LOG_FILENAME).read_text(encoding="utf-8")
    assert "SigFollow Desktop stopped" in log
    assert "delivery engine started" in log
    assert "delivery engine stopped" in log
    last = log.strip().splitlines()[-1]
    print(last)
    return last


def test_launching_and_quitting_is_clean(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigfollow_desktop"],
        env=launch_env(tmp_path, "offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stderr == ""
    assert result.returncode == 0
    last = last_log_line(tmp_path)
    if sys.platform.startswith("linux"):
        assert last.endswith("threads at exit: 1 (python)")
    assert (tmp_path / "config" / "SigFollow" / "sigfollow-desktop.conf").is_file()


@pytest.mark.skipif(
    shutil.which("xvfb-run") is None, reason="needs xvfb-run (./dev test installs it)"
)
def test_launching_and_quitting_on_a_real_x_server_is_clean(tmp_path: Path) -> None:
    result = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-m", "sigfollow_desktop"],
        env=launch_env(tmp_path, "xcb"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stderr == ""
    assert result.returncode == 0
    threads = last_log_line(tmp_path).partition("threads at exit: ")[2]
    names = set(threads.partition(" (")[2].rstrip(")").split(", "))
    # Qt's D-Bus connection thread belongs to Qt and ends with the process; ours are gone.
    assert names <= {"python", "QDBusConnection"}, threads


def test_the_desktop_starts_and_stops_in_order(
    qtbot: QtBot, store: Store, secrets: SecretStore, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    qtbot.addWidget(desktop.window)
    desktop.start()
    qtbot.waitExposed(desktop.window)
    assert desktop.window.isVisible()
    qtbot.waitUntil(lambda: desktop.window.status_bar.state == "running", timeout=5000)
    desktop.shutdown()
    desktop.shutdown()  # aboutToQuit and the end of run_gui both call it: once is enough
    assert not desktop.runner.busy
    assert desktop.engine.state == "stopped"
    assert settings.value("window/geometry") is not None
