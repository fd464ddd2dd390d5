"""The window on a real store, an in-memory keychain and a private settings file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.theme import apply_theme
from tests.ui.helpers import DialogDriver, settle


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    """A settings file of the test's own, never the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def runtime_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private runtime folder of the test's own (the one-instance socket goes there)."""
    folder = tmp_path / "runtime"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture
def dialogs() -> Iterator[DialogDriver]:
    driver = DialogDriver()
    yield driver
    driver.stop()


@pytest.fixture
def runner() -> Iterator[SendTestRunner]:
    made = SendTestRunner(timeout=5.0)
    yield made
    assert made.shutdown(10.0), "a Send test was still running"


@pytest.fixture
def window(
    qtbot: QtBot, qapp: QApplication, admin: Admin, runner: SendTestRunner, ui_settings: QSettings
) -> MainWindow:
    apply_theme(qapp)
    made = MainWindow(admin, runner, ui_settings)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    settle(qtbot, made.page)
    return made
