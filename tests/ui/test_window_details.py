"""The smaller things a person meets: confirmations that come before the switch moves, a
test card that does not outlive its secret, a pane that stays put, ids, dark palettes, and
errors that keep what was typed and say what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring.errors import PasswordSetError
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.webhooks import get_webhook, list_webhooks
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from sigfollow_desktop.ui.theme import apply_theme
from sigfollow_desktop.ui.webhooks_page import WebhooksPage
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver
from tests.ui.helpers import DialogDriver, focused, press, settle, show_webhook, tab_to

DARK_WINDOW = "#1f2125"


def lightness(palette: QPalette) -> int:
    return palette.color(QPalette.ColorRole.Window).lightness()


def send_test(qtbot: QtBot, window: MainWindow, runner: SendTestRunner) -> None:
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        window.page.config_card.send_button.click()


@pytest.fixture
def restore_palette(qapp: QApplication) -> Iterator[None]:
    saved = QPalette(qapp.palette())
    yield
    qapp.setPalette(saved)
    qapp.setProperty("sigfollowDarkPalette", False)


# Inbound messages -------------------------------------------------------------------------


@pytest.mark.parametrize("confirm", [False, True])
def test_the_sensitive_switch_moves_only_after_the_confirmation(
    qtbot: QtBot, dialogs: DialogDriver, window: MainWindow, admin: Admin, confirm: bool
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    switch = window.page.events_card.switches["messages"]
    while_asked: list[bool] = []

    def answer(dialog: ConfirmDialog) -> None:
        while_asked.append(switch.isChecked())
        (dialog.confirm_button if confirm else dialog.cancel_button).click()

    dialogs.when(ConfirmDialog, answer)
    saved: list[tuple[str, ...]] = []
    window.page.events_card.fields_changed.connect(saved.append)
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)

    assert while_asked == [False]  # off while the question is on screen
    assert switch.isChecked() is confirm
    assert saved == ([("statuses", "messages")] if confirm else [])


# Rotate and the test card -----------------------------------------------------------------


def test_rotating_clears_the_card_signed_with_the_old_secret(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    runner: SendTestRunner,
    receiver: Receiver,
) -> None:
    webhook_id, _ = admin.add(receiver.url, ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    send_test(qtbot, window, runner)
    result = window.page.config_card.result_card
    old_signature = result.signature_field.text()
    assert result.isVisible()
    assert old_signature.startswith("sha256=")

    dialogs.when(ConfirmDialog, lambda d: d.confirm_button.click())
    dialogs.when(SecretDialog, lambda d: d.stored_button.click())
    window.page.config_card.rotate_button.click()
    settle(qtbot, window.page)

    assert result.isHidden()
    assert result.signature_field.text() == ""
    assert old_signature not in [w.text() for w in window.findChildren(QPushButton)]


def test_dismiss_keeps_the_pane_where_it_was(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> None:
    webhook_id, _ = admin.add(receiver.url, ("statuses", "template_status"), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    window.resize(800, 600)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    card = window.page.config_card
    send_test(qtbot, window, runner)
    card.result_card.toggle_payload()
    tab_to("testDismiss")
    scroll = window.findChild(QScrollArea, "detailScroll")
    assert scroll is not None
    bar = scroll.verticalScrollBar()
    before = bar.value()

    press(Qt.Key.Key_Space)

    assert card.result_card.isHidden()
    assert focused() is card.send_button
    assert bar.value() <= before  # not scrolled on to the next control
    send = card.send_button
    assert send.visibleRegion().boundingRect() == send.rect()


# Ids --------------------------------------------------------------------------------------


def test_the_window_shows_webhook_ids_for_the_command_line(
    qtbot: QtBot, window: MainWindow, admin: Admin
) -> None:
    admin.add("https://a.example.com/hook", ("statuses",))
    second, _ = admin.add("https://b.example.com/hook", ("statuses",))
    show_webhook(qtbot, window.page, second)
    assert window.page.config_card.id_value.text() == str(second)
    assert f"webhooks show {second}" in window.page.config_card.id_value.toolTip()
    row = window.page.webhook_list.row_widget(second)
    assert row is not None
    assert row.summary_label.text().startswith(f"ID {second} · ")


# Dark palettes ----------------------------------------------------------------------------


def _on_screen(window: MainWindow, widget: QWidget) -> QImage:
    """The widget as the window draws it, over what lies beneath it."""
    return window.grab(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())).toImage()


def _background(image: QImage) -> QColor:
    """The button's face beside its left border, away from its text and icon."""
    y = image.height() // 2
    colors = [image.pixelColor(x, y) for x in range(4, 9)]
    return colors[len(colors) // 2]


def test_in_a_dark_palette_a_disabled_send_test_looks_disabled(
    qtbot: QtBot,
    qapp: QApplication,
    restore_palette: None,
    admin: Admin,
    runner: SendTestRunner,
    ui_settings: QSettings,
) -> None:
    apply_theme(qapp)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == DARK_WINDOW
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    window = MainWindow(admin, runner, ui_settings)
    qtbot.addWidget(window)
    window.show()
    show_webhook(qtbot, window.page, webhook_id)
    send = window.page.config_card.send_button
    assert not send.isEnabled()  # no secret yet
    disabled = _background(_on_screen(window, send))
    admin.enable(webhook_id)
    show_webhook(qtbot, window.page, webhook_id)
    assert send.isEnabled()
    enabled = _background(_on_screen(window, send))

    assert enabled.hsvSaturation() > 150  # the accent blue
    assert disabled.hsvSaturation() < 40  # grey, not a dimmer blue
    assert abs(enabled.lightness() - disabled.lightness()) > 20


def test_the_palette_follows_qts_colour_scheme_hint(
    qapp: QApplication, restore_palette: None
) -> None:
    apply_theme(qapp)
    light = lightness(qapp.palette())
    assert light > 128
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert lightness(qapp.palette()) < 64
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert lightness(qapp.palette()) == light


def _ink(button: QPushButton) -> int:
    """The mean lightness of the strokes of the button's icon."""
    image = button.icon().pixmap(24, 24).toImage()
    inked = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]
    assert inked
    return sum(color.lightness() for color in inked) // len(inked)


def test_icons_drawn_in_the_text_colour_follow_the_palette(
    qtbot: QtBot, qapp: QApplication, restore_palette: None, window: MainWindow, admin: Admin
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    rotate = window.page.config_card.rotate_button
    assert _ink(rotate) < 100  # dark strokes on a light window
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: _ink(rotate) > 160, timeout=2000)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: _ink(rotate) < 100, timeout=2000)


# Errors that keep what was typed ----------------------------------------------------------


class RefusingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("access denied")


def test_a_refused_secret_keeps_the_add_dialog_open_with_the_url(
    qtbot: QtBot,
    dialogs: DialogDriver,
    store: Store,
    runner: SendTestRunner,
    ui_settings: QSettings,
) -> None:
    window = MainWindow(Admin(store, SecretStore(RefusingKeyring())), runner, ui_settings)
    qtbot.addWidget(window)
    window.show()
    url = "https://example.com/typed/with/care"
    after_save: list[tuple[bool, str, str]] = []

    def save_enabled(dialog: AddWebhookDialog) -> None:
        dialog.url_field.setText(url)
        dialog.enable_box.setChecked(True)
        dialog.save_button.click()
        after_save.append((dialog.isVisible(), dialog.url_field.text(), dialog.save_error.text()))
        dialog.reject()

    dialogs.when(AddWebhookDialog, save_enabled)
    window.page.add_button.click()

    ((visible, typed, error),) = after_save
    assert visible
    assert typed == url
    assert error.startswith("The system keychain did not let SigFollow Desktop store")
    with store.session() as session:
        assert list_webhooks(session) == []  # nothing half-made


def test_a_secret_missing_from_the_keychain_advises_rotate(
    qtbot: QtBot,
    window: MainWindow,
    admin: Admin,
    store: Store,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    with store.session() as session:
        uid = get_webhook(session, webhook_id).uid
    del memory_keyring.items[(SERVICE, uid)]
    show_webhook(qtbot, window.page, webhook_id)
    errors: list[str] = []
    monkeypatch.setattr(WebhooksPage, "show_error", staticmethod(lambda _p, m: errors.append(m)))
    window.page.config_card.send_button.click()
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=5000)
    (error,) = errors
    assert "Rotate secret" in error
    assert "Enable it once" not in error
