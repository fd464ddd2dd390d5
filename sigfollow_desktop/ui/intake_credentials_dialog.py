"""Asks for the intake's Meta App Secret and verify token (to be kept in the keychain).

Both fields are masked; the verify token can be generated here, and is then shown so it can be
copied into Meta's webhook settings. The values leave the dialog only through :meth:`ask`.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.intake_credentials import check_value, generate_verify_token
from sigfollow_desktop.ui.theme import tag

TITLE = "Intake credentials"
INTRO = (
    "Meta signs every webhook with your app's App Secret (App Dashboard → App settings → "
    "Basic), and checks a new callback URL with the verify token you choose. Both are kept "
    "only in the system keychain."
)


class IntakeCredentialsDialog(QDialog):
    """Use :meth:`ask`: ``(app_secret, verify_token)`` or None when cancelled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeCredentialsDialog")
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.setModal(True)
        self.setMinimumWidth(520)
        heading = QLabel(TITLE)
        heading.setObjectName("intakeCredentialsHeading")
        tag(heading, role="dialogTitle")
        intro = QLabel(INTRO)
        intro.setObjectName("intakeCredentialsIntro")
        intro.setWordWrap(True)
        tag(intro, role="muted")
        self.secret_field = QLineEdit()
        self.secret_field.setObjectName("appSecretField")
        self.secret_field.setAccessibleName("Meta App Secret")
        self.secret_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field = QLineEdit()
        self.token_field.setObjectName("verifyTokenField")
        self.token_field.setAccessibleName("Verify token")
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateTokenButton")
        self.generate_button.setAccessibleName("Generate a verify token")
        self.generate_button.clicked.connect(self._generate)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_field, 1)
        token_row.addWidget(self.generate_button)
        form = QFormLayout()
        form.addRow("App Secret", self.secret_field)
        form.addRow("Verify token", token_row)
        self.error_label = QLabel()
        self.error_label.setObjectName("intakeCredentialsError")
        self.error_label.setProperty("tone", "error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("intakeCredentialsButtons")
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    @Slot()
    def _generate(self) -> None:
        self.token_field.setText(generate_verify_token())
        self.token_field.setEchoMode(QLineEdit.EchoMode.Normal)  # to copy into Meta's settings
        self.token_field.selectAll()
        self.token_field.setFocus()

    @Slot()
    def _on_save(self) -> None:
        try:
            check_value("App Secret", self.secret_field.text())
            check_value("verify token", self.token_field.text())
        except SigFollowError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()

    def values(self) -> tuple[str, str]:
        return self.secret_field.text(), self.token_field.text()

    def clear(self) -> None:
        self.secret_field.clear()
        self.token_field.clear()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> tuple[str, str] | None:
        dialog = cls(parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.values()
        finally:
            dialog.clear()
            dialog.deleteLater()
