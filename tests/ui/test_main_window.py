"""The window as a whole: names for every control, keyboard use, geometry in QSettings only."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog
from sigfollow_desktop.ui.main_window import GEOMETRY_KEY, MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from tests.ui.helpers import DialogDriver, settle, show_webhook

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QListWidget, QPlainTextEdit)


def controls(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if isinstance(w, CONTROLS)]


def test_every_control_has_an_object_name_and_an_accessible_name(
    qtbot: QtBot, window: MainWindow, admin: Admin
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    found = controls(window)
    dialogs: list[QWidget] = [AddWebhookDialog(window), SecretDialog("whsec_x", parent=window)]
    for dialog in dialogs:
        found += controls(dialog)
    assert len(found) > 15
    unnamed = [w for w in found if not w.objectName() or not w.accessibleName()]
    # Qt's own pieces (the combo's popup view, the scroll bars' buttons) are not ours to name.
    ours = [w for w in unnamed if not w.objectName().startswith("qt_") and w.isVisibleTo(window)]
    assert ours == [], [f"{type(w).__name__} {w.objectName()!r}" for w in ours]
    for dialog in dialogs:
        dialog.deleteLater()


def test_names_are_unique_where_tests_and_tools_look_them_up(
    qtbot: QtBot, window: MainWindow, admin: Admin
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    names = [w.objectName() for w in controls(window) if w.objectName()]
    assert len(names) == len(set(names))


def test_ctrl_n_opens_add_webhook_and_tab_reaches_the_cards(
    qtbot: QtBot, dialogs: DialogDriver, window: MainWindow, admin: Admin
) -> None:
    seen: list[AddWebhookDialog] = []
    dialogs.when(AddWebhookDialog, lambda d: d.reject(), seen=seen)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 1

    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    window.page.webhook_list.setFocus()
    reached: set[str] = set()
    for _ in range(40):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        reached.add(window.focusWidget().objectName())
    for name in (
        "addWebhookButton",
        "enableButton",
        "rotateButton",
        "removeButton",
        "sampleField",
        "sendTestButton",
        "event_statuses_toggle",
        "event_messages_toggle",
        "event_template_status_toggle",
        "webhookList",
    ):
        assert name in reached, name


def test_geometry_is_restored_from_settings(
    qtbot: QtBot, admin: Admin, runner: SendTestRunner, tmp_path: Path
) -> None:
    path = tmp_path / "window.ini"
    first = MainWindow(admin, runner, QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.settled)
    # Within the (offscreen) screen: restoring clamps a window to the screen it is on.
    screen = first.screen().availableGeometry()
    wanted = QRect(screen.x() + 20, screen.y() + 30, 740, 540)
    assert screen.contains(wanted)
    first.setGeometry(wanted)
    first.page.splitter.setSizes([300, 400])
    saved = first.geometry()
    assert saved == wanted
    sizes = first.page.splitter.sizes()
    first.close()

    settings = QSettings(str(path), QSettings.Format.IniFormat)
    assert settings.value(GEOMETRY_KEY) is not None
    second = MainWindow(admin, runner, settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.settled)
    assert second.geometry() == saved
    assert second.page.splitter.sizes() == sizes


def test_settings_never_hold_a_secret(
    qtbot: QtBot, dialogs: DialogDriver, window: MainWindow, admin: Admin, ui_settings: QSettings
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    shown: list[str] = []

    def keep(dialog: SecretDialog) -> None:
        shown.append(dialog.secret_field.text())
        dialog.stored_button.click()

    dialogs.when(SecretDialog, keep)
    window.page.config_card.enable_button.click()
    settle(qtbot, window.page)
    window.close()
    (secret,) = shown
    ui_settings.sync()
    stored = Path(ui_settings.fileName()).read_bytes()
    assert stored
    assert secret.encode() not in stored
