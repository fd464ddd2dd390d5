"""The one-time secret dialog: the new signing secret, Copy, and the guide's warning.

The secret lives in this dialog only while it is open. Closing it (only through "I have
stored it", clicked or pressed with Space) clears the field and deletes the dialog, so no
widget of the window holds it. The dialog has no default button: Enter, pressed out of habit
after the confirmation that led here, must not throw the new secret away.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.callout import Callout
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import SUCCESS, tag
from sigfollow_desktop.ui.verify_code import OPTIONAL

ONCE_TITLE = "The secret is shown only once"
ONCE_WARNING = (
    "SigFollow does not store the secret, so it cannot be displayed again after it is "
    "generated. If you lose it, use Rotate secret to issue a new one — but rotating "
    "invalidates the old secret, so update your receiver right away or signature "
    "verification will fail if enabled."
)
STORED = "I have stored it"
INTRO = (
    "Every request carries an X-Hub-Signature-256 header: sha256= followed by the "
    "hex-encoded HMAC-SHA256 of the raw request body, keyed with this secret. " + OPTIONAL
)


class SecretDialog(QDialog):
    """Shows one signing secret, once. Use :meth:`show_once`."""

    def __init__(self, secret: str, url: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("secretDialog")
        self.setWindowTitle("Signing secret")
        self.setAccessibleName("Signing secret")
        self.setModal(True)
        self.setMinimumWidth(560)
        self._stored = False

        heading = QLabel("Your signing secret")
        heading.setObjectName("secretHeading")
        tag(heading, role="dialogTitle")
        intro = QLabel(INTRO + (f"\nWebhook: {url}" if url else ""))
        intro.setObjectName("secretIntro")
        intro.setWordWrap(True)
        tag(intro, role="muted")

        self.secret_field = QLineEdit(secret)
        self.secret_field.setObjectName("secretField")
        self.secret_field.setAccessibleName("Signing secret")
        self.secret_field.setReadOnly(True)
        self.secret_field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.secret_field.setMinimumHeight(38)
        tag(self.secret_field, role="mono")
        self.copy_button = QPushButton(icon("copy"), "Copy")
        self.copy_button.setObjectName("secretCopy")
        self.copy_button.setAccessibleName("Copy secret")
        self.copy_button.setAutoDefault(False)
        shortcuts.bind(self.copy_button, shortcuts.COPY_SECRET, "Copy the secret")
        self.copy_button.clicked.connect(self._copy)
        self._copy_timer = QTimer(self)
        self._copy_timer.setSingleShot(True)
        self._copy_timer.setInterval(1600)
        self._copy_timer.timeout.connect(self._copy_reset)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.secret_field, 1)
        row.addWidget(self.copy_button)

        warning = Callout("secretWarning", "alert", ONCE_TITLE, ONCE_WARNING)

        self.stored_button = QPushButton(icon("check", "#ffffff"), STORED)
        self.stored_button.setObjectName("secretStored")
        self.stored_button.setAccessibleName(STORED)
        tag(self.stored_button, variant="primary")
        # Neither default nor auto-default: Enter never closes this dialog, only a click or
        # Space on the button does (so it has no shortcut either).
        self.stored_button.setAutoDefault(False)
        self.stored_button.setToolTip("Close once the secret is in your receiver (Space)")
        self.stored_button.clicked.connect(self._close_stored)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.stored_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(warning)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        self.copy_button.setFocus()

    @classmethod
    def show_once(cls, secret: str, parent: QWidget | None = None, url: str = "") -> None:
        """Show ``secret`` until the user says it is stored; then forget it."""
        dialog = cls(secret, url, parent)
        del secret
        try:
            dialog.exec()
        finally:
            dialog.forget()
            dialog.deleteLater()

    def forget(self) -> None:
        """Drop the secret from every widget of the dialog."""
        self.secret_field.clear()
        self.secret_field.setAccessibleDescription("")

    @Slot()
    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.secret_field.text())
        self.copy_button.setText("Copied")
        self.copy_button.setIcon(icon("check", SUCCESS))
        self._copy_timer.start()

    @Slot()
    def _copy_reset(self) -> None:
        self.copy_button.setText("Copy")
        self.copy_button.setIcon(icon("copy"))

    @Slot()
    def _close_stored(self) -> None:
        self._stored = True
        self.accept()

    # Only "I have stored it" closes the dialog: an accidental Escape must not lose the secret.
    def reject(self) -> None:
        if self._stored:
            super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # swallowed: neither closes the dialog
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._stored:
            super().closeEvent(event)
        else:
            event.ignore()
