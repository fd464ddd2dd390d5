"""The Add webhook dialog checks the URL as it is typed, with the guide's messages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog, NewWebhook

SCHEME = "URL must start with http:// or https://"
LENGTH = "URL must be at most 512 characters"
HTTP_HINT = "Use https:// in production."


@pytest.fixture
def dialog(qtbot: QtBot) -> AddWebhookDialog:
    made = AddWebhookDialog()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def test_the_guide_words_are_there(dialog: AddWebhookDialog) -> None:
    assert dialog.windowTitle() == "Add webhook"
    label = dialog.findChild(QLabel, "urlLabel")
    assert label is not None
    assert label.text() == "Webhook URL"
    assert dialog.enable_box.text() == "Enable immediately after saving"
    assert not dialog.enable_box.isChecked()
    assert dialog.save_button.text() == "Save"
    assert dialog.cancel_button.text() == "Cancel"
    assert not dialog.save_button.isEnabled()


def test_an_invalid_url_is_not_called_wrong_while_it_is_being_typed(
    qtbot: QtBot, dialog: AddWebhookDialog
) -> None:
    qtbot.keyClicks(dialog.url_field, "h")
    # "h" is where every https:// URL starts: no error at the first keystroke.
    assert dialog.url_message.property("tone") == "none"
    assert dialog.url_field.property("state") != "error"
    qtbot.keyClicks(dialog.url_field, "ttps://example")
    assert dialog.url_message.property("tone") == "none"


def test_after_a_pause_the_error_shows(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "ftp://example.com/hooks")
    assert dialog.url_message.text() != SCHEME
    qtbot.waitUntil(lambda: dialog.url_message.text() == SCHEME, timeout=3000)
    assert dialog.url_message.property("tone") == "error"
    assert dialog.url_field.property("state") == "error"


def test_leaving_the_field_shows_the_error_at_once(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "example.com/hooks")
    assert dialog.url_message.property("tone") == "none"
    dialog.activateWindow()
    dialog.url_field.setFocus()
    qtbot.waitUntil(dialog.url_field.hasFocus, timeout=1000)
    qtbot.keyClick(dialog.url_field, Qt.Key.Key_Tab)
    assert not dialog.url_field.hasFocus()
    assert dialog.url_message.text() == SCHEME


def test_save_always_says_what_is_wrong_and_keeps_the_dialog(
    qtbot: QtBot, dialog: AddWebhookDialog
) -> None:
    qtbot.keyClicks(dialog.url_field, "https://exa mple.com")
    assert dialog.save_button.isEnabled()  # so that Save can say why it refuses
    with qtbot.assertNotEmitted(dialog.finished, wait=50):
        dialog.save_button.click()
    assert dialog.url_message.text() == "URL must not contain spaces"
    assert dialog.url_message.property("tone") == "error"
    assert dialog.isVisible()


def test_fixing_the_url_clears_the_error_at_once(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "example.com")
    dialog.check_now()
    assert dialog.url_message.text() == SCHEME
    dialog.url_field.home(False)
    qtbot.keyClicks(dialog.url_field, "https://")
    assert dialog.url_field.text() == "https://example.com"
    assert dialog.save_button.isEnabled()
    assert dialog.url_message.property("tone") == "none"


def test_http_is_accepted_with_the_hint(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "http://127.0.0.1:8080/hook")
    assert dialog.url_message.text() == HTTP_HINT
    assert dialog.url_message.property("tone") == "hint"
    assert dialog.save_button.isEnabled()


def test_512_characters_are_accepted_513_refused(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    base = "https://example.com/"
    url_512 = base + "a" * (512 - len(base))
    dialog.url_field.setText(url_512[:-1])
    qtbot.keyClicks(dialog.url_field, "a")
    assert len(dialog.url_field.text()) == 512
    assert dialog.save_button.isEnabled()
    assert dialog.url_message.property("tone") == "none"
    qtbot.keyClicks(dialog.url_field, "a")
    assert len(dialog.url_field.text()) == 513
    qtbot.waitUntil(lambda: dialog.url_message.text() == LENGTH, timeout=3000)
    with qtbot.assertNotEmitted(dialog.finished, wait=50):
        dialog.save_button.click()
    assert dialog.isVisible()


def test_enter_saves_a_valid_url_with_the_checkbox(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "https://example.com/hook")
    dialog.enable_box.setFocus()
    qtbot.keyClick(dialog.enable_box, Qt.Key.Key_Space)
    dialog.url_field.setFocus()
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)
    assert dialog.result_value() == NewWebhook("https://example.com/hook", enable=True)


def test_enter_on_a_refused_url_says_why_and_keeps_the_dialog(
    qtbot: QtBot, dialog: AddWebhookDialog
) -> None:
    qtbot.keyClicks(dialog.url_field, "https://exa mple.com")
    with qtbot.assertNotEmitted(dialog.finished, wait=50):
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Return)
    assert dialog.url_message.text() == "URL must not contain spaces"
    assert dialog.isVisible()


def test_escape_cancels(qtbot: QtBot, dialog: AddWebhookDialog) -> None:
    qtbot.keyClicks(dialog.url_field, "https://example.com/hook")
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.keyClick(dialog.url_field, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected.value]
