"""The Send test result card: headline, reason, the signature sent, the payload, Dismiss.

Its look follows the ``state`` property (busy, success, http_error, network_error) in the
stylesheet.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.fields import FIELD_INFO
from sigfollow_desktop.core.signing import SIGNATURE_HEADER
from sigfollow_desktop.engine.send_test_request import SendTestResult
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.icons import icon, set_themed_icon
from sigfollow_desktop.ui.theme import ACCENT, DANGER, SUCCESS, WARNING, set_style_state, tag
from sigfollow_desktop.ui.verify_code import VerifyCode

SHOW_PAYLOAD = "Show payload"
HIDE_PAYLOAD = "Hide payload"
_STATE_ICONS = {
    "busy": ("send", ACCENT),
    "success": ("success", SUCCESS),
    "http_error": ("error", DANGER),
    "network_error": ("wifi-off", WARNING),
}


def pretty_json(body: bytes) -> str:
    """The body indented for reading; as is when it is not JSON."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return raw_text(body)


def raw_text(body: bytes) -> str:
    """The exact bytes sent; anything that is not UTF-8 shows as ``\\xNN``."""
    return body.decode("utf-8", "backslashreplace")


def _event_name(field: str) -> str:
    info = FIELD_INFO.get(field)  # type: ignore[call-overload]
    return info.event if info is not None else field


class SendTestCard(QFrame):
    """Shown inline under Send test.

    Signals:
        dismissed(): the user closed the card.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("testResultCard")
        self.setAccessibleName("Send test result")
        self._body = b""
        # Where keyboard focus goes when the card closes under it (Send test, set by the
        # configuration card): never on to whatever control comes next.
        self.return_focus: QWidget | None = None
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.state_icon = QLabel()
        self.state_icon.setObjectName("testStateIcon")
        self.headline = QLabel()
        self.headline.setObjectName("testHeadline")
        self.headline.setAccessibleName("Send test result")
        tag(self.headline, role="headline")
        self.detail = QLabel()
        self.detail.setObjectName("testDetail")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Send test detail")
        self.dismiss_button = QPushButton("Dismiss")
        set_themed_icon(self.dismiss_button, "close")
        self.dismiss_button.setObjectName("testDismiss")
        self.dismiss_button.setAccessibleName("Dismiss")
        shortcuts.bind(self.dismiss_button, shortcuts.DISMISS, "Close the result")
        self.dismiss_button.clicked.connect(self.dismiss)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("testBusy")
        self.busy_bar.setAccessibleName("Sending test")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)

        headline_column = QVBoxLayout()
        headline_column.setSpacing(2)
        headline_column.addWidget(self.headline)
        headline_column.addWidget(self.detail)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.state_icon)
        top.addLayout(headline_column, 1)
        top.addWidget(self.dismiss_button)

        signature_label = QLabel(SIGNATURE_HEADER)
        signature_label.setObjectName("testSignatureLabel")
        tag(signature_label, role="fieldLabel")
        self.signature_field = QLineEdit()
        self.signature_field.setObjectName("testSignature")
        self.signature_field.setAccessibleName(f"{SIGNATURE_HEADER} header sent")
        self.signature_field.setReadOnly(True)
        self.signature_field.setFont(mono)
        tag(self.signature_field, role="mono")
        signature_label.setBuddy(self.signature_field)
        self.signature_box = QWidget()
        self.signature_box.setObjectName("testSignatureBox")
        signature_layout = QVBoxLayout(self.signature_box)
        signature_layout.setContentsMargins(0, 0, 0, 0)
        signature_layout.setSpacing(4)
        signature_layout.addWidget(signature_label)
        signature_layout.addWidget(self.signature_field)
        self.verify_code = VerifyCode()
        signature_layout.addSpacing(6)
        signature_layout.addWidget(self.verify_code)

        self.payload_button = QPushButton(icon("eye", ACCENT), SHOW_PAYLOAD)
        self.payload_button.setObjectName("testShowPayload")
        self.payload_button.setAccessibleName(SHOW_PAYLOAD)
        shortcuts.bind(self.payload_button, shortcuts.SHOW_PAYLOAD, "Show or hide the body sent")
        tag(self.payload_button, variant="link")
        self.payload_button.clicked.connect(self.toggle_payload)

        self.pretty_button = QPushButton("Pretty")
        self.pretty_button.setObjectName("payloadPretty")
        self.pretty_button.setAccessibleName("Show the payload formatted")
        shortcuts.bind(self.pretty_button, shortcuts.PRETTY, "Show the payload formatted")
        self.raw_button = QPushButton("Raw bytes")
        self.raw_button.setObjectName("payloadRaw")
        self.raw_button.setAccessibleName("Show the payload bytes exactly as sent")
        shortcuts.bind(self.raw_button, shortcuts.RAW, "Show the bytes exactly as sent")
        views = QButtonGroup(self)
        for button in (self.pretty_button, self.raw_button):
            button.setCheckable(True)
            tag(button, variant="segment")
            views.addButton(button)
        self.pretty_button.setChecked(True)
        self.pretty_button.toggled.connect(self._render_payload)
        self.payload_size = QLabel()
        self.payload_size.setObjectName("payloadSize")
        tag(self.payload_size, role="muted")
        self.payload_view = QPlainTextEdit()
        self.payload_view.setObjectName("payloadView")
        self.payload_view.setAccessibleName("Payload sent")
        self.payload_view.setReadOnly(True)
        self.payload_view.setFont(mono)
        self.payload_view.setMinimumHeight(220)
        self.payload_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.payload_view.setTabChangesFocus(True)  # Tab moves on; nothing to type here
        tag(self.payload_view, role="mono")
        switch = QHBoxLayout()
        switch.setSpacing(6)
        switch.addWidget(self.pretty_button)
        switch.addWidget(self.raw_button)
        switch.addSpacing(8)
        switch.addWidget(self.payload_size)
        switch.addStretch(1)
        self.payload_box = QWidget()
        self.payload_box.setObjectName("payloadBox")
        payload_layout = QVBoxLayout(self.payload_box)
        payload_layout.setContentsMargins(0, 0, 0, 0)
        payload_layout.setSpacing(6)
        payload_layout.addLayout(switch)
        payload_layout.addWidget(self.payload_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.signature_box)
        layout.addWidget(self.payload_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.payload_box)
        self.hide()

    @property
    def state(self) -> str:
        return str(self.property("state") or "")

    def show_busy(self, field: str) -> None:
        self._set_state("busy")
        self.setAccessibleDescription("Sending test…")
        self.headline.setText("Sending test…")
        self.detail.setText(f"Posting the {_event_name(field)} sample to your endpoint.")
        self.busy_bar.show()
        self.dismiss_button.hide()
        self.signature_box.hide()
        self.payload_button.hide()
        self.payload_box.hide()
        self.show()

    def show_result(self, result: SendTestResult) -> None:
        if result.status_code is None:
            state = "network_error"
            detail = result.error or "No response came from the endpoint."
        elif result.ok:
            state = "success"
            detail = f"Your endpoint acknowledged the {_event_name(result.field)} sample."
        else:
            state = "http_error"
            detail = (
                f"Your endpoint answered the {_event_name(result.field)} sample with an error "
                "status; a real delivery would be retried."
            )
        self._set_state(state)
        self.setAccessibleDescription(f"{result.headline}. {detail}")
        self.headline.setText(result.headline)
        self.detail.setText(detail)
        self.busy_bar.hide()
        self.dismiss_button.show()
        self.signature_field.setText(result.signature)
        self.signature_field.setCursorPosition(0)
        self.signature_box.setVisible(bool(result.signature))
        self._body = result.body
        self.payload_size.setText(f"{len(result.body):,} bytes · application/json")
        self.payload_button.setVisible(bool(result.body))
        self.pretty_button.setChecked(True)
        self._render_payload()
        self._show_payload(False)
        self.show()

    @Slot()
    def toggle_payload(self) -> None:
        self._show_payload(self.payload_box.isHidden())

    @Slot()
    def dismiss(self) -> None:
        self.clear()
        self.dismissed.emit()

    def clear(self) -> None:
        """Hide the card and forget what it showed.

        Focus inside the card goes back to ``return_focus`` first: hiding the focused widget
        would hand focus to the next control, and the scroll area would jump to show it.
        """
        focused = self.window().focusWidget()
        if (
            self.return_focus is not None
            and focused is not None
            and (focused is self or self.isAncestorOf(focused))
        ):
            self.return_focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.hide()
        self._set_state("")
        self.setAccessibleDescription("")
        self._body = b""
        self.payload_view.clear()
        self.signature_field.clear()

    def _show_payload(self, visible: bool) -> None:
        self.payload_box.setVisible(visible)
        text = HIDE_PAYLOAD if visible else SHOW_PAYLOAD
        self.payload_button.setText(text)
        self.payload_button.setAccessibleName(text)

    @Slot()
    def _render_payload(self) -> None:
        raw = self.raw_button.isChecked()
        self.payload_view.setPlainText(raw_text(self._body) if raw else pretty_json(self._body))

    def _set_state(self, state: str) -> None:
        set_style_state(self, "state", state)
        set_style_state(self.headline, "state", state)
        name, color = _STATE_ICONS.get(state, ("send", ACCENT))
        self.state_icon.setPixmap(icon(name, color).pixmap(28, 28))
