"""The Add webhook dialog: the URL, checked as it is typed, and whether to enable it now."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
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

from sigfollow_desktop.core.urls import MAX_URL_LENGTH, check_url
from sigfollow_desktop.ui.theme import set_style_state, tag

URL_HELP = (
    f"Where events are delivered. It must start with http:// or https:// and be at most "
    f"{MAX_URL_LENGTH} characters."
)
ENABLE_TEXT = "Enable immediately after saving"
ENABLE_HELP = "Leave it unchecked to save the configuration without starting delivery yet."


@dataclass(frozen=True, slots=True)
class NewWebhook:
    url: str
    enable: bool


class AddWebhookDialog(QDialog):
    """URL and *Enable immediately after saving*; Save stays disabled while the URL is refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addWebhookDialog")
        self.setWindowTitle("Add webhook")
        self.setAccessibleName("Add webhook")
        self.setModal(True)
        self.setMinimumWidth(540)

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

        self.enable_box = QCheckBox(ENABLE_TEXT)
        self.enable_box.setObjectName("enableImmediately")
        self.enable_box.setAccessibleName(ENABLE_TEXT)
        enable_help = QLabel(ENABLE_HELP)
        enable_help.setObjectName("enableHelp")
        enable_help.setWordWrap(True)
        tag(enable_help, role="muted")
        enable_help.setContentsMargins(26, 0, 0, 0)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("addCancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("addSave")
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
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
        layout.addSpacing(18)
        layout.addLayout(buttons)

        self.url_field.textChanged.connect(self._check)
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

    def result_value(self) -> NewWebhook:
        return NewWebhook(self.url_field.text().strip(), self.enable_box.isChecked())

    @Slot(str)
    def _check(self, text: str) -> None:
        verdict = check_url(text.strip())
        if verdict.message:
            self._show(verdict.message, "error")
        elif verdict.hint:
            self._show(verdict.hint, "hint")
        else:
            self._show(URL_HELP, "none")
        self.save_button.setEnabled(verdict.ok)

    def _show(self, message: str, tone: str) -> None:
        self.url_message.setText(message)
        set_style_state(self.url_message, "tone", tone)
        set_style_state(self.url_field, "state", "error" if tone == "error" else "normal")
        self.url_field.setAccessibleDescription(message)

    @Slot()
    def _save(self) -> None:
        if check_url(self.url_field.text().strip()).ok:
            self.accept()
