"""The Add webhook dialog: the URL, checked as it is typed, and whether to enable it now.

A refused URL is said after a pause in typing, when the field is left, and always on Save,
never at the first keystroke of a URL still being typed; a URL that becomes acceptable is
said at once. Saving runs inside the dialog, so when it fails (the keychain refuses the new
secret) the dialog stays open with what was typed and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.urls import MAX_URL_LENGTH, UrlCheck, check_url
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.theme import set_style_state, tag

URL_HELP = (
    f"Where events are delivered. It must start with http:// or https:// and be at most "
    f"{MAX_URL_LENGTH} characters."
)
ENABLE_TEXT = "Enable immediately after saving"
ENABLE_HELP = "Leave it unchecked to save the configuration without starting delivery yet."
CHECK_DELAY_MS = 700

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class NewWebhook:
    url: str
    enable: bool


class AddWebhookDialog(QDialog):
    """URL and *Enable immediately after saving*; Save refuses a URL the rules refuse.

    ``save`` (optional) stores the webhook when Save is chosen; a ``SigFollowError`` from it
    is shown in the dialog, which stays open.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        save: Callable[[NewWebhook], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addWebhookDialog")
        self.setWindowTitle("Add webhook")
        self.setAccessibleName("Add webhook")
        self.setModal(True)
        self.setMinimumWidth(min(540, _screen_width(parent) - 40))
        self._save_with = save
        self.saved: object = None

        heading = QLabel("Add webhook")
        heading.setObjectName("addHeading")
        tag(heading, role="dialogTitle")
        subtitle = QLabel("Events are signed with X-Hub-Signature-256 and delivered to this URL.")
        subtitle.setObjectName("addSubtitle")
        subtitle.setWordWrap(True)
        tag(subtitle, role="muted")

        url_label = QLabel("Webhook URL")
        url_label.setObjectName("urlLabel")
        tag(url_label, role="fieldLabel")
        self.url_field = QLineEdit()
        self.url_field.setObjectName("urlField")
        self.url_field.setAccessibleName("Webhook URL")
        self.url_field.setPlaceholderText("https://example.com/webhooks/sigfollow")
        self.url_field.setMinimumHeight(36)
        url_label.setBuddy(self.url_field)
        self.url_message = QLabel(URL_HELP)
        self.url_message.setObjectName("urlMessage")
        self.url_message.setWordWrap(True)
        self.url_message.setAccessibleName("URL check")
        tag(self.url_message, tone="none")
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(CHECK_DELAY_MS)
        self._pause.timeout.connect(self.check_now)

        self.enable_box = QCheckBox(ENABLE_TEXT)
        self.enable_box.setObjectName("enableImmediately")
        self.enable_box.setAccessibleName(ENABLE_TEXT)
        enable_help = QLabel(ENABLE_HELP)
        enable_help.setObjectName("enableHelp")
        enable_help.setWordWrap(True)
        tag(enable_help, role="muted")
        enable_help.setContentsMargins(26, 0, 0, 0)

        self.save_error = QLabel()
        self.save_error.setObjectName("addError")
        self.save_error.setAccessibleName("Could not save")
        self.save_error.setWordWrap(True)
        tag(self.save_error, tone="error")
        self.save_error.hide()

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("addCancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip(shortcuts.tip("Cancel", shortcuts.DISMISS))
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("addSave")
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.save_button.setToolTip(shortcuts.tip("Save", "Return"))
        tag(self.save_button, variant="primary")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self._save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(6)
        layout.addWidget(heading)
        layout.addWidget(subtitle)
        layout.addSpacing(14)
        layout.addWidget(url_label)
        layout.addWidget(self.url_field)
        layout.addWidget(self.url_message)
        layout.addSpacing(14)
        layout.addWidget(self.enable_box)
        layout.addWidget(enable_help)
        layout.addSpacing(10)
        layout.addWidget(self.save_error)
        layout.addSpacing(8)
        layout.addLayout(buttons)

        self.url_field.textChanged.connect(self._edited)
        self.url_field.editingFinished.connect(self.check_now)
        self.enable_box.toggled.connect(self.save_error.hide)
        self.url_field.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> NewWebhook | None:
        """Show the dialog; the URL and the checkbox when saved, ``None`` when cancelled."""
        dialog = cls(parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.result_value()
        finally:
            dialog.deleteLater()

    @classmethod
    def add(cls, parent: QWidget | None, save: Callable[[NewWebhook], R]) -> R | None:
        """Show the dialog until ``save`` succeeds (its result) or it is cancelled (``None``)."""
        dialog = cls(parent, save)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return cast(R, dialog.saved)
        finally:
            dialog.deleteLater()

    def result_value(self) -> NewWebhook:
        return NewWebhook(self.url_field.text().strip(), self.enable_box.isChecked())

    def _verdict(self) -> UrlCheck:
        return check_url(self.url_field.text().strip())

    @Slot(str)
    def _edited(self, text: str) -> None:
        self.save_error.hide()
        self.save_button.setEnabled(bool(text.strip()))
        verdict = self._verdict()
        if verdict.ok or self.url_message.property("tone") == "error":
            # Good news at once; an error already on screen follows the text.
            self._pause.stop()
            self._show_verdict(verdict)
        else:
            self._show(URL_HELP, "none")
            self._pause.start()

    @Slot()
    def check_now(self) -> None:
        """Say what is wrong with the URL now (after a pause, on leaving the field, on Save)."""
        self._pause.stop()
        if self.url_field.text().strip():
            self._show_verdict(self._verdict())

    def _show_verdict(self, verdict: UrlCheck) -> None:
        if verdict.message:
            self._show(verdict.message, "error")
        elif verdict.hint:
            self._show(verdict.hint, "hint")
        else:
            self._show(URL_HELP, "none")

    def _show(self, message: str, tone: str) -> None:
        self.url_message.setText(message)
        set_style_state(self.url_message, "tone", tone)
        set_style_state(self.url_field, "state", "error" if tone == "error" else "normal")
        self.url_field.setAccessibleDescription(message)

    @Slot()
    def _save(self) -> None:
        verdict = self._verdict()
        if not verdict.ok:
            self._show_verdict(verdict)
            self.url_field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if self._save_with is not None:
            try:
                self.saved = self._save_with(self.result_value())
            except SigFollowError as exc:
                self.save_error.setText(str(exc))
                self.save_error.show()
                return
        self.accept()


def _screen_width(parent: QWidget | None) -> int:
    screen = parent.screen() if parent is not None else None
    return screen.availableGeometry().width() if screen is not None else 1024
