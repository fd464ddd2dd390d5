"""The Intake card: the live intake on or off, its address, what it received, its last error.

The intake listens on 127.0.0.1 only when run from the window (another address needs the
command line's ``--host``). Its on/off state and port are remembered in the settings; the App
Secret and verify token go to the keychain through the credentials dialog.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.engine.intake_host import IntakeHost, IntakeStatus
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.intake_credentials_dialog import IntakeCredentialsDialog
from sigfollow_desktop.ui.theme import set_style_state, tag
from sigfollow_desktop.ui.toggle_switch import ToggleSwitch

TITLE = "Intake"
SUBTITLE = (
    "Receives Meta's webhooks (and local programs' events) and relays each to every subscribed "
    "webhook. A request is answered 200 only once it is stored."
)
ON_KEY = "intake/on"
PORT_KEY = "intake/port"
NO_ERRORS = "No errors"
CONFIGURED = "App Secret and verify token: in the system keychain"
NOT_CONFIGURED = "App Secret and verify token: not set yet"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


class IntakeCard(QFrame):
    """Turns the intake on and off and shows what it does; carries out its own requests."""

    def __init__(
        self, host: IntakeHost, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intakeCard")
        self.setAccessibleName("Intake")
        tag(self, card="true")
        self.host = host
        self.settings = settings

        title = QLabel(TITLE)
        title.setObjectName("intakeTitle")
        title.setToolTip(SUBTITLE)
        tag(title, role="cardTitle")
        self.setAccessibleDescription(SUBTITLE)
        self.state_pill = QLabel()
        self.state_pill.setObjectName("intakeState")
        tag(self.state_pill, role="pill")
        self.address = QLabel()
        self.address.setObjectName("intakeAddress")
        self.address.setAccessibleName("Intake address")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tag(self.address, role="mono")
        self.port_field = QSpinBox()
        self.port_field.setObjectName("intakePort")
        self.port_field.setAccessibleName("Intake port")
        self.port_field.setRange(1, 65535)
        self.port_field.setValue(self._saved_port())
        self.port_field.valueChanged.connect(self._on_port_changed)
        port_label = QLabel("Port")
        port_label.setBuddy(self.port_field)
        self.configure_button = QPushButton(icon("key"), "Set App Secret…")
        self.configure_button.setObjectName("intakeConfigureButton")
        self.configure_button.setAccessibleName("Set the App Secret and verify token")
        self.configure_button.clicked.connect(self.configure)
        self.toggle = ToggleSwitch()
        self.toggle.setObjectName("intakeToggle")
        self.toggle.setAccessibleName("Intake on")
        self.toggle.setToolTip("Listen for webhooks")
        self.toggle.clicked.connect(self._on_toggled)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(title)
        top.addWidget(self.state_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addSpacing(8)
        top.addWidget(self.address)
        top.addStretch(1)
        top.addWidget(port_label)
        top.addWidget(self.port_field)
        top.addWidget(self.configure_button)
        top.addSpacing(4)
        top.addWidget(self.toggle)

        self.counts = QLabel()
        self.counts.setObjectName("intakeCounts")
        self.counts.setAccessibleName("Intake counts")
        self.last_error = QLabel()
        self.last_error.setObjectName("intakeLastError")
        self.last_error.setAccessibleName("Intake last error")
        self.last_error.setWordWrap(True)
        self.credentials = QLabel()
        self.credentials.setObjectName("intakeCredentials")
        facts = QGridLayout()
        facts.setHorizontalSpacing(24)
        facts.setVerticalSpacing(6)
        facts.setColumnStretch(1, 1)
        for row, (text, value) in enumerate(
            (
                ("Received", self.counts),
                ("Last error", self.last_error),
                ("Meta app", self.credentials),
            )
        ):
            label = QLabel(text)
            label.setObjectName(f"intakeLabel{row}")
            tag(label, role="muted")
            facts.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            facts.addWidget(value, row, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 14, 22, 14)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(facts)

        self._problem: str | None = None
        host.status_changed.connect(self.show_status)
        self.show_status(host.status)
        self._show_credentials()

    # Settings -----------------------------------------------------------------------------

    def _saved_port(self) -> int:
        if self.settings is None:
            return self.host.port
        value = self.settings.value(PORT_KEY, self.host.port)
        try:
            return int(str(value))
        except ValueError:
            return self.host.port

    def _save(self) -> None:
        if self.settings is not None:
            self.settings.setValue(ON_KEY, self.host.running)
            self.settings.setValue(PORT_KEY, self.port_field.value())

    def resume(self) -> None:
        """Turn the intake on at start-up if it was on when the window last closed."""
        if self.settings is None:
            return
        if str(self.settings.value(ON_KEY, "false")).lower() == "true":
            self.start()

    # Actions ------------------------------------------------------------------------------

    def start(self) -> bool:
        try:
            self.host.start(self.port_field.value())
        except SigFollowError as exc:
            self._problem = str(exc)
            self.show_status(self.host.status)
            return False
        self._problem = None
        self._save()
        self.show_status(self.host.status)
        return True

    def stop(self) -> None:
        self.host.stop()
        self._save()
        self.show_status(self.host.status)

    @Slot()
    def _on_toggled(self) -> None:
        if self.toggle.isChecked():
            self.start()
        else:
            self.stop()

    @Slot(int)
    def _on_port_changed(self, port: int) -> None:
        if not self.host.running:
            self.address.setText(f"http://{self.host.host}:{port}/")
            self._save()

    @Slot()
    def configure(self) -> None:
        values = IntakeCredentialsDialog.ask(self.window())
        if values is None:
            return
        try:
            self.host.keychain.save(*values)
        except SigFollowError as exc:
            self._problem = str(exc)
        else:
            self._problem = None
            if self.host.running:  # the running intake checks with the old values: restart
                self.host.stop()
                self.start()
        del values
        self._show_credentials()
        self.show_status(self.host.status)

    def _show_credentials(self) -> None:
        try:
            configured = self.host.keychain.is_configured()
        except SigFollowError as exc:
            self.credentials.setText(str(exc))
            set_style_state(self.credentials, "tone", "error")
            return
        self.credentials.setText(CONFIGURED if configured else NOT_CONFIGURED)
        set_style_state(self.credentials, "tone", "none" if configured else "hint")

    # Showing ------------------------------------------------------------------------------

    @Slot(object)
    def show_status(self, status: IntakeStatus) -> None:
        listening = status.state == "listening"
        self.toggle.setChecked(listening)
        self.port_field.setEnabled(not listening)
        self.state_pill.setText("Listening" if listening else "Off")
        self.state_pill.setAccessibleName(f"Intake: {'listening' if listening else 'off'}")
        set_style_state(self.state_pill, "state", "enabled" if listening else "disabled")
        self.address.setText(
            status.url if listening else f"http://{self.host.host}:{self.port_field.value()}/"
        )
        self.counts.setText(
            " · ".join(
                (
                    _plural(status.stored, "event stored", "events stored"),
                    _plural(status.duplicates, "duplicate", "duplicates"),
                    _plural(status.refused, "refused", "refused"),
                    _plural(status.unavailable, "not stored (503)", "not stored (503)"),
                )
            )
        )
        if self._problem is not None:
            text, tone = self._problem, "error"
        elif status.last_error is not None:
            when = (
                datetime.fromtimestamp(status.last_error_at).strftime("%H:%M:%S")
                if status.last_error_at is not None
                else ""
            )
            text, tone = f"{when}  {status.last_error}".strip(), "error"
        else:
            text, tone = NO_ERRORS, "none"
        self.last_error.setText(text)
        set_style_state(self.last_error, "tone", tone)
